// The two Clocks: the virtual Scheduler (with cancel) and the WallClock, driven here by a fake
// time source and a fake one-shot timer so nothing depends on the machine's speed.
import { describe, expect, it } from 'vitest'
import { Scheduler } from '../../src/sim/sched'
import { WallClock, type Clock } from '../../src/sim/clock'

/** a manual timer queue: fire() runs the armed callbacks whose time has come */
function fakeHost() {
  let t = 0 // ns
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    source: () => t,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++
      timers.set(id, { at: t + ms * 1e6, fn })
      return id
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    armed: () => [...timers.values()].map((x) => x.at),
    /** wall time moves on while the host is busy: no timer fires */
    setTime(to: number) {
      t = to
    },
    /** advance wall time to `to`, firing due timers in time order */
    advance(to: number) {
      for (;;) {
        const due = [...timers.entries()].filter(([, x]) => x.at <= to).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        t = Math.max(t, due[1].at)
        due[1].fn()
      }
      t = to
    }
  }
}

describe('Scheduler as the virtual Clock', () => {
  it('is a Clock and runs events in (time, order) order', () => {
    const c: Clock = new Scheduler()
    expect(c.kind).toBe('virtual')
    const got: string[] = []
    c.at(20, () => got.push('b'))
    c.at(10, () => got.push('a'))
    c.at(20, () => got.push('c'))
    ;(c as Scheduler).runUntil(100)
    expect(got).toEqual(['a', 'b', 'c'])
    expect(c.now).toBe(100)
  })

  it('cancel() removes a pending event without disturbing the order of the others', () => {
    const s = new Scheduler()
    const got: number[] = []
    const ids = [1, 2, 3, 4].map((k) => s.at(10 * k, () => got.push(k)))
    s.cancel(ids[0]!)
    s.cancel(ids[2]!)
    s.cancel(ids[2]!) // twice: ignored
    s.cancel(999) // unknown: ignored
    expect(s.pending).toBe(2)
    expect(s.peek()).toBe(20)
    expect(s.step()).toBe(true)
    expect(got).toEqual([2])
    expect(s.runUntil(100)).toBe(1)
    expect(got).toEqual([2, 4])
    expect(s.executed).toBe(2)
    expect(s.step()).toBe(false)
    expect(s.pending).toBe(0)
  })

  it('an event cancelled from inside another event at the same time does not run', () => {
    const s = new Scheduler()
    const got: string[] = []
    let id = 0
    s.at(5, () => {
      got.push('first')
      s.cancel(id)
    })
    id = s.at(5, () => got.push('second'))
    s.runUntil(5)
    expect(got).toEqual(['first'])
  })

  it('refuses the past', () => {
    const s = new Scheduler()
    s.runUntil(50)
    expect(() => s.at(49, () => {})).toThrow(expect.objectContaining({ code: 'SCHED_PAST' }))
  })
})

describe('WallClock', () => {
  it('runs an event once wall time reaches it, not before', () => {
    const h = fakeHost()
    const c = new WallClock(h)
    expect(c.kind).toBe('wall')
    const got: number[] = []
    c.after(5_000_000, () => got.push(c.now))
    expect(h.armed()).toEqual([5_000_000])
    h.advance(4_999_999)
    expect(got).toEqual([])
    h.advance(5_000_000)
    expect(got).toEqual([5_000_000]) // inside the event, now = its scheduled time
    expect(c.pending).toBe(0)
    expect(h.armed()).toEqual([]) // idle: no timer held
  })

  it('outside events, now is the wall time since creation', () => {
    const h = fakeHost()
    h.advance(1_000) // before creation: not counted
    const c = new WallClock(h)
    h.advance(1_000 + 42_000)
    expect(c.now).toBe(42_000)
  })

  it('after(0) from outside (an eventfd callback) runs at the next pump, after earlier due events', () => {
    const h = fakeHost()
    const c = new WallClock(h)
    const got: string[] = []
    c.at(1_000_000, () => got.push('tick'))
    // 3 ms later the host reports an interrupt before the timer got to run
    h.setTime(3_000_000)
    c.after(0, () => got.push('irq'))
    expect(c.pending).toBe(2)
    h.advance(3_000_000)
    expect(got).toEqual(['tick', 'irq'])
  })

  it('re-arms for an earlier event and keeps one timer', () => {
    const h = fakeHost()
    const c = new WallClock(h)
    const got: number[] = []
    c.at(10_000_000, () => got.push(10))
    c.at(2_000_000, () => got.push(2))
    expect(h.armed()).toEqual([2_000_000])
    h.advance(20_000_000)
    expect(got).toEqual([2, 10])
  })

  it('events a guest schedules from inside an event keep their order (k_sleep chains)', () => {
    const h = fakeHost()
    const c = new WallClock(h)
    const got: number[] = []
    const tick = (k: number) => () => {
      got.push(k)
      if (k < 5) c.after(1_000_000, tick(k + 1))
    }
    c.after(1_000_000, tick(1))
    h.advance(10_000_000)
    expect(got).toEqual([1, 2, 3, 4, 5])
  })

  it('cancel() and close() stop events; a throwing event is reported and the clock goes on', () => {
    const h = fakeHost()
    const errors: unknown[] = []
    const c = new WallClock({ ...h, onError: (e) => errors.push(e) })
    const got: string[] = []
    const id = c.after(1_000_000, () => got.push('cancelled'))
    c.after(1_000_000, () => {
      throw new Error('boom')
    })
    c.after(2_000_000, () => got.push('after-throw'))
    c.cancel(id)
    h.advance(2_000_000)
    expect(got).toEqual(['after-throw'])
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom'])
    c.after(1_000_000, () => got.push('never'))
    c.close()
    expect(h.armed()).toEqual([])
    h.advance(10_000_000)
    expect(got).toEqual(['after-throw'])
    expect(() => c.after(0, () => {})).toThrow(expect.objectContaining({ code: 'CLOCK_CLOSED' }))
  })

  it('with the real host timer, an event runs (waiting on the condition, not a fixed sleep)', async () => {
    const c = new WallClock()
    const ran = new Promise<number>((res) => c.after(1_000_000, () => res(c.now)))
    const t = await ran
    expect(t).toBeGreaterThanOrEqual(1_000_000)
    c.close()
  })
})

describe('WallClock.after with wall time moving between reads', () => {
  it('after(0) never lands in the past (external events, e.g. an eventfd interrupt)', () => {
    let t = 0
    const fired: number[] = []
    const c = new WallClock({ source: () => (t += 1000), setTimer: () => null, clearTimer: () => {} })
    for (let i = 0; i < 5; i++) expect(() => c.after(0, () => fired.push(i))).not.toThrow()
    c.pump()
    expect(fired).toEqual([0, 1, 2, 3, 4])
    c.close()
  })
})

describe('WallClock.at with wall time moving between reads', () => {
  it('a time wall time has just passed is due, not refused (session start at clock.now)', () => {
    let t = 0
    const fired: string[] = []
    const c = new WallClock({ source: () => (t += 1000), setTimer: () => null, clearTimer: () => {} })
    const t0 = c.now
    expect(() => c.at(t0, () => fired.push('start'))).not.toThrow()
    c.pump()
    expect(fired).toEqual(['start'])
    // before an event that already ran: still refused
    expect(() => c.at(t0 - 1, () => {})).toThrow(RangeError)
    c.close()
  })
})

describe('WallClock slip (a chain of sleeps after a late pump)', () => {
  // a guest that prints a byte, sleeps 20 ms, prints the next: the host is busy for 100 ms
  function chain(slip: boolean) {
    const h = fakeHost()
    const c = new WallClock({ ...h, slip })
    const ran: number[] = []
    const seen: number[] = []
    const tick = (k: number) => {
      ran.push(h.source())
      seen.push(c.now)
      if (k < 4) c.after(20e6, () => tick(k + 1))
    }
    c.after(20e6, () => tick(0))
    h.setTime(120e6) // the timer for 20 ms fires only at 120 ms
    h.advance(400e6)
    c.close()
    return { ran, seen }
  }
  it('without slip the late chain catches up: the sleeps run back to back in one burst', () => {
    // and each event sees its nominal time
    expect(chain(false)).toEqual({ ran: [120e6, 120e6, 120e6, 120e6, 120e6], seen: [20e6, 40e6, 60e6, 80e6, 100e6] })
  })
  it('with slip each sleep counts from when the guest really ran, as k_sleep does', () => {
    // and `now` is the real moment (what k_sleep's tick arithmetic starts from)
    expect(chain(true)).toEqual({ ran: [120e6, 140e6, 160e6, 180e6, 200e6], seen: [120e6, 140e6, 160e6, 180e6, 200e6] })
  })
})
