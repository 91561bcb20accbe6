// The Clock every guest and fabric runs on. Two implementations, one interface, so a guest runs
// unchanged on either:
//  - Scheduler (sched.ts): virtual time, deterministic, run by the lab (emulated fabric);
//  - WallClock (below): monotonic wall time, for fabrics whose peers live outside the process
//    (a real ivshmem-server, QEMU guests). External events (an eventfd became readable) are
//    scheduled with after(0) and run at the next pump, in order with everything else.

import { SimError } from './errors'
import { Scheduler } from './sched'

/** a pending event, for cancel() */
export type TimerId = number

export interface Clock {
  readonly kind: 'virtual' | 'wall'
  /** ns; inside an event, the time that event was scheduled for (a WallClock with slip: the time it runs) */
  readonly now: number
  /** run fn at time t (>= now, else RangeError) */
  at(t: number, fn: () => void): TimerId
  after(dt: number, fn: () => void): TimerId
  /** forget a pending event; unknown or already-run ids are ignored */
  cancel(id: TimerId): void
}

export interface WallClockOptions {
  /** monotonic time source in ns (default: performance.now) */
  source?: () => number
  /** one-shot timer (default: setTimeout); ms may be 0 */
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (h: unknown) => void
  /** an event threw: report it, the clock keeps running (default: rethrown asynchronously) */
  onError?: (e: unknown) => void
  /** at most this many events per pump before yielding to the host's event loop */
  batch?: number
  /** inside an event `now` is the real moment it runs, not its nominal time, so a sleep (after(),
   *  or k_sleep's tick arithmetic on `now`) counts from when the guest really ran, as on real
   *  hardware: a late pump does not compress a chain of sleeps into one burst
   *  (docs/ivshmem.md#lost-bytes). Default false: nominal time, catch-up. */
  slip?: boolean
}

/** Wall-clock Clock: a Scheduler pumped by a one-shot timer armed for its earliest event. Time is
 *  monotonic wall ns since creation; events run, in (time, order) order, once wall time reaches
 *  them. Outside an event, `now` is the current wall time. */
export class WallClock implements Clock {
  readonly kind = 'wall' as const
  private readonly s = new Scheduler()
  private readonly t0: number
  private readonly source: () => number
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (h: unknown) => void
  private readonly onError: (e: unknown) => void
  private readonly batch: number
  private readonly slip: boolean
  private timer: unknown = null
  /** wall ns the armed timer fires at (Infinity = none armed) */
  private armedAt = Number.POSITIVE_INFINITY
  private pumping = false
  private closed = false

  constructor(o: WallClockOptions = {}) {
    this.source = o.source ?? (() => performance.now() * 1e6)
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = o.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
    this.onError =
      o.onError ??
      ((e) => {
        queueMicrotask(() => {
          throw e
        })
      })
    this.batch = Math.max(1, o.batch ?? 10_000)
    this.slip = o.slip ?? false
    this.t0 = this.source()
  }

  /** wall ns since creation */
  elapsed(): number {
    return Math.max(0, Math.round(this.source() - this.t0))
  }

  get now(): number {
    // slip: an event sees the real moment it runs at (a late one sees its lateness)
    return this.pumping && !this.slip ? this.s.now : Math.max(this.s.now, this.elapsed())
  }

  /** events not yet run */
  get pending(): number {
    return this.s.pending
  }

  at(t: number, fn: () => void): TimerId {
    if (this.closed) throw new SimError('CLOCK_CLOSED', 'clock is closed')
    // wall time moves on between a caller's read of `now` and this call: a t it has just passed
    // is due (runs at the next pump); only a t before events already run is refused
    if (!(t >= this.s.now)) throw new SimError('SCHED_PAST', `cannot schedule in the past (${t} < ${this.s.now})`)
    const id = this.s.at(t, fn)
    this.arm()
    return id
  }

  after(dt: number, fn: () => void): TimerId {
    return this.at(this.now + Math.max(0, dt), fn)
  }

  cancel(id: TimerId): void {
    this.s.cancel(id)
  }

  /** run every event whose time has come; returns how many ran */
  pump(): number {
    if (this.pumping || this.closed) return 0
    this.pumping = true
    let n = 0
    try {
      const until = this.elapsed()
      while (n < this.batch) {
        const next = this.s.peek()
        if (next === null || next > until) break
        try {
          if (this.s.step()) n++
        } catch (e) {
          n++
          this.onError(e)
        }
      }
      if (this.s.peek() === null || this.s.peek()! > until) this.s.runUntil(until, 0)
    } finally {
      this.pumping = false
    }
    this.arm()
    return n
  }

  /** stop: pending events never run, the timer is released */
  close(): void {
    this.closed = true
    this.disarm()
  }

  private disarm(): void {
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
    this.armedAt = Number.POSITIVE_INFINITY
  }

  private arm(): void {
    if (this.closed || this.pumping) return
    const next = this.s.peek()
    if (next === null) return this.disarm()
    if (this.timer !== null && this.armedAt <= next) return
    this.disarm()
    const ms = Math.max(0, Math.ceil((next - this.elapsed()) / 1e6))
    this.armedAt = next
    this.timer = this.setTimer(() => {
      this.timer = null
      this.armedAt = Number.POSITIVE_INFINITY
      this.pump()
    }, ms)
  }
}
