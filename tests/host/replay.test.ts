// #11 item 1: trace replay is bounded (refuses events beyond the trace's own until or the cap),
// runs in slices with progress and cancel, and a failed load leaves the previous session as it was.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { REPLAY_MAX_NS, replayTrace } from '../../src/host/replay'
import type { TraceEvent } from '../../src/shared/contract'

let saved: TraceEvent[]
beforeAll(async () => {
  const a = new LabService({ speed: 'max' })
  a.session.run(9e9)
  saved = await a.getTrace(0, 5000)
  a.dispose()
})

let svc: LabService | null = null
afterEach(() => {
  svc?.dispose()
  svc = null
})

/** a service mid-run, and a fingerprint of its session to prove it was left alone */
function running(): { svc: LabService; before: () => unknown } {
  const s = new LabService({ speed: 'max', vectors: 4 })
  s.session.run(3e9)
  const sess = s.session
  const fp = { t: sess.sched.now, n: sess.trace.n, vectors: s.config.vectors }
  return { svc: s, before: () => ({ same: s.session === sess, t: s.session.sched.now, n: s.session.trace.n, vectors: s.config.vectors, fp }) }
}

describe('trace replay bounds', () => {
  it('refuses the hostile t = 1e300 line at once and leaves the session untouched', async () => {
    const r0 = running()
    svc = r0.svc
    const hostile = [...saved, { i: 9, t: 1e300, k: 'console', side: 'device', data: 'x' } as TraceEvent]
    const r = await svc.loadTrace(hostile)
    expect(r.ok).toBe(false)
    expect(r.message).toBe(`event #9 is at t = 1.00e+300 ns, beyond the replay cap of ${REPLAY_MAX_NS / 3600e9} h of virtual time: this trace cannot be replayed; nothing was replayed`)
    const after = r0.before() as { same: boolean; t: number; n: number; vectors: number; fp: { t: number; n: number; vectors: number } }
    expect(after.same).toBe(true)
    expect({ t: after.t, n: after.n, vectors: after.vectors }).toEqual(after.fp)
    expect((await svc.getSnapshot()).paused).toBe(false)
  })

  it("refuses events beyond the trace's own until, and negative times", async () => {
    const head = saved[0]!
    const withUntil = [{ ...head, config: { ...(head.config as object), until: 5e9 } }, ...saved.slice(1)]
    const r = await replayTrace(withUntil, { traceKeep: 1000, speed: 'max' })
    expect(r.session).toBeNull()
    expect(r.message).toMatch(/^event #\d+ is at t = 5\.\d{3} s, beyond the trace's own until \(5\.000 s\): this trace cannot be replayed; nothing was replayed$/)
    const neg = await replayTrace([...saved, { i: 3, t: -1, k: 'doorbell' }], { traceKeep: 1000, speed: 'max' })
    expect(neg.message).toBe('event #3 has time -1: trace times are ≥ 0; nothing was replayed')
  })

  it('a header that breaks the scenario code fails cleanly, the session untouched', async () => {
    const r0 = running()
    svc = r0.svc
    let deep: unknown = 1
    for (let k = 0; k < 100_000; k++) deep = { a: deep }
    const r = await svc.loadTrace([{ ...saved[0]!, config: deep }, ...saved.slice(1)])
    expect(r.ok).toBe(false)
    expect((r0.before() as { same: boolean }).same).toBe(true)
  })
})

describe('trace replay in slices', () => {
  it('reports progress, lets other calls in between slices, and installs the replay paused', async () => {
    svc = new LabService()
    const seen: number[] = []
    let answeredDuring = 0
    const done = svc.loadTrace(saved, {
      onProgress: (p) => {
        seen.push(p.fraction)
        // the service answers while the replay runs: its own session is still the old one
        void svc!.getSnapshot().then(() => svc!.replaying && answeredDuring++)
      }
    })
    const r = await done
    expect(r.ok).toBe(true)
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.at(-1)).toBe(1)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
    expect(answeredDuring).toBeGreaterThan(0)
    expect((await svc.getSnapshot()).paused).toBe(true)
    expect(svc.replaying).toBe(false)
  })

  it('Cancel stops the replay and keeps the previous session', async () => {
    const r0 = running()
    svc = r0.svc
    const ac = new AbortController()
    let slices = 0
    const r = await svc.loadTrace(saved, {
      signal: ac.signal,
      onProgress: () => {
        if (++slices === 1) ac.abort()
      }
    })
    expect(r.ok).toBe(false)
    expect(r.message).toMatch(/^replay cancelled at t = \d+\.\d{3} s of \d+\.\d{3} s; the previous session is unchanged$/)
    expect(slices).toBe(1)
    expect((r0.before() as { same: boolean }).same).toBe(true)
  })

  it('configure during a replay supersedes it', async () => {
    svc = new LabService()
    const s = svc
    let fired = false
    const r = await s.loadTrace(saved, {
      onProgress: () => {
        if (fired) return
        fired = true
        void s.configure({ vectors: 8 })
      }
    })
    expect(r.ok).toBe(false)
    expect(r.message).toMatch(/^replay cancelled/)
    expect(s.config.vectors).toBe(8)
  })
})
