// Issue #10 item 2: restart markers travel in the console stream (ConsoleMark), so every restart
// yields exactly one marker line whatever the speed: at max speed many restarts fall between two
// pushed trace batches, which the old trace-derived markers lost.
import { describe, it, expect, beforeEach } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { LabService } from '../../src/host/service'
import { useConsoleStore, newMarks } from '../../src/renderer/src/stores/console'
import type { LabEvent, Side } from '../../src/shared/contract'

const S = 1e9

/** run a service at max speed to the scenario's end, its pushes fed to a console store */
async function runToEnd(svc: LabService, drop?: (e: LabEvent) => boolean) {
  const cons = useConsoleStore()
  cons.bind({ consoleSince: (side, seq) => svc.consoleSince(side, seq), now: () => 0, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`) } })
  svc.subscribe((e) => {
    if (e.type === 'console' && !drop?.(e)) cons.ingest(e.side, e.data, e.seq, e.t, false, e.times, e.marks)
  })
  svc.start()
  await new Promise<void>((done) => {
    const poll = setInterval(() => {
      if (svc.snapshot().finished) {
        clearInterval(poll)
        done()
      }
    }, 20)
  })
  svc.flush()
  await new Promise((r) => setTimeout(r, 0))
  svc.dispose()
  return cons
}

const markers = (cons: ReturnType<typeof useConsoleStore>, side: Side) => cons.chunks(side).filter((c) => c.marker).map((c) => c.marker)

describe('restart markers in the console stream', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('several --restart at max speed: exactly N markers per side, in order, at the restart offsets', async () => {
    const at = [3, 4, 4.5, 6, 6.01, 9].map((s) => s * S)
    const svc = new LabService(
      {
        speed: 'max',
        until: 12 * S,
        restarts: [...at.map((t) => ({ side: 'device' as const, at: t })), { side: 'driver', at: 7 * S }]
      },
      { traceBatch: 5 }
    )
    const cons = await runToEnd(svc)
    const dev = markers(cons, 'device')
    expect(dev).toHaveLength(at.length)
    // each names its time and the peer id the new instance got (the server hands out ids in order)
    const times = dev.map((m) => Number(/restarted at ([\d.]+) s/.exec(m!)![1]))
    expect(times).toEqual(at.map((t) => +(t / S).toFixed(3)))
    for (const m of dev) expect(m).toMatch(/^instance_1 restarted at [\d.]+ s, peer \d+$/)
    expect(markers(cons, 'driver')).toEqual(['instance_2 restarted at 7.000 s, peer ' + /peer (\d+)/.exec(markers(cons, 'driver')[0]!)![1]])
    // the marker sits at the stream offset of its restart; the log's bytes are the service's, unchanged
    const sess = svc.session
    expect(cons.text('device')).toBe(sess.consoleText('device'))
    let off = 0
    const offs: number[] = []
    for (const c of cons.chunks('device')) {
      if (c.marker) offs.push(off)
      off += c.data.length
    }
    expect(offs).toEqual(sess.consoles.device.marks.map((m) => m.seq))
  })

  it('lost pushes are refilled by consoleSince with their marks; a replayed push shows none twice', async () => {
    const at = [2, 3, 5].map((s) => s * S)
    const svc = new LabService({ speed: 'max', until: 8 * S, restarts: at.map((t) => ({ side: 'device' as const, at: t })) })
    const seen: LabEvent[] = []
    const cons = await runToEnd(svc, (e) => (seen.push(e), true)) // every push lost
    expect(markers(cons, 'device')).toEqual([])
    // a reconnect's catch-up
    cons.bind({ consoleSince: (side, seq) => svc.consoleSince(side, seq), now: () => 0, onError: () => {} })
    await new Promise((r) => setTimeout(r, 0))
    const want = svc.session.consoles.device.marks.map((m) => m.text)
    expect(want).toHaveLength(3)
    expect(markers(cons, 'device')).toEqual(want)
    // the lost pushes arrive late after all: bytes and marks are duplicates
    for (const e of seen) if (e.type === 'console') cons.ingest(e.side, e.data, e.seq, e.t, false, e.times, e.marks)
    expect(markers(cons, 'device')).toEqual(want)
    expect(cons.text('device')).toBe(svc.session.consoleText('device'))
  })

  it('hostile marks are skipped; marks already shown are not repeated', () => {
    const good = { seq: 5, t: 1, n: 2, text: 'x' }
    expect(newMarks(1, [good, { seq: 'a', t: 1, n: 3, text: 'y' } as never, null as never, { ...good, n: 1 }])).toEqual([good])
    expect(newMarks(0, 'nope' as never)).toEqual([])
  })
})
