// The incremental time-travel cursor (src/lab/travel.ts) must give exactly what the full rebuild
// (historicalInput) gives, for any walk over a real lab trace: seed and spec profiles, guest
// restarts (memsets), a trace ring that trims while the walk goes on, a capped memset journal.
import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { LabSession, type SessionOptions } from '../../src/lab/session'
import { buildSnapshot, historicalInput, type SnapshotInput } from '../../src/lab/snapshot'
import { TravelCursor } from '../../src/lab/travel'
import { LabService } from '../../src/host/service'
import type { Shm } from '../../src/sim/shm'
import { MMIO_WINDOW } from '../../src/virtio/mmio'
import type { ScenarioConfig } from '../../src/shared/contract'
import { MS, S, scenario } from '../helpers'

const RUN = { running: false, paused: true, finished: false }

/** every field a snapshot is built from, and the snapshot itself */
function expectSame(s: LabSession, got: SnapshotInput, want: SnapshotInput): void {
  expect(got.atEvent).toBe(want.atEvent)
  const a = (got.shm as Shm).u8
  const b = (want.shm as Shm).u8
  if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) {
    let k = 0
    while (a[k] === b[k]) k++
    expect.fail(`shm differs at 0x${k.toString(16)}: ${a[k]} vs ${b[k]} (event ${want.atEvent})`)
  }
  for (let off = 0; off < MMIO_WINDOW; off += 4) expect(got.regMeta(off), `regMeta 0x${off.toString(16)}`).toEqual(want.regMeta(off))
  expect(got.rings).toEqual(want.rings)
  expect(buildSnapshot(s, got, 1, RUN)).toEqual(buildSnapshot(s, want, 1, RUN))
}

type Cmd = { k: 'jump'; f: number } | { k: 'step'; d: number } | { k: 'run'; ms: number }
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('jump' as const), f: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('step' as const), d: fc.integer({ min: -40, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('run' as const), ms: fc.integer({ min: 100, max: 3000 }) }) }
)

interface Lab {
  name: string
  p: Partial<ScenarioConfig>
  opts: SessionOptions
  until: number
}

const LABS: Lab[] = [
  { name: 'seed', p: { profile: 'seed' }, opts: { trace: { keep: 1_000_000 } }, until: 12 * S },
  {
    name: 'seed, restarts, trimmed ring',
    p: { profile: 'seed', restarts: [{ side: 'device', at: 3 * S }, { side: 'driver', at: 7 * S }] },
    opts: { trace: { keep: 300 } },
    until: 10 * S
  },
  {
    name: 'spec, restarts, trimmed ring, capped memset journal',
    p: { profile: 'spec', restarts: [{ side: 'device', at: 4 * S }, { side: 'driver', at: 9 * S }, { side: 'device', at: 14 * S }] },
    opts: { trace: { keep: 1500 }, undoKeep: 1000 }, // earliest > first after the second wipe
    until: 8 * S
  },
  {
    name: 'spec, ring faults (rogue chains), device reset and recovery',
    p: { profile: 'spec', shmSize: 64 * 1024, faults: [{ kind: 'desc-loop', at: 2 * S }, { kind: 'avail-jump', at: 5 * S }] },
    opts: { trace: { keep: 1_000_000 } },
    until: 8 * S
  }
]

describe('TravelCursor', () => {
  for (const lab of LABS)
    it(`equals the full rebuild on random walks: ${lab.name}`, () => {
      let stores = 0
      let memsets = 0
      let moved = 0
      let faults = 0
      fc.assert(
        fc.property(cmd, fc.array(cmd, { minLength: 5, maxLength: 25 }), fc.integer({ min: 2, max: 64 }), (c0, cmds, every) => {
          const s = new LabSession(scenario(lab.p), lab.opts)
          s.run(lab.until)
          const cur = new TravelCursor(every)
          let i = -1
          for (const c of [c0, ...cmds]) {
            if (c.k === 'run') {
              s.run(s.sched.now + c.ms * MS)
              continue
            }
            const lo = s.memsetUndo.earliest(s.trace.first)
            const hi = s.trace.n - 1
            if (lo > hi) continue
            i = c.k === 'jump' ? lo + Math.floor(c.f * (hi - lo + 1)) : Math.min(hi, Math.max(lo, i < 0 ? lo : i + c.d))
            expectSame(s, cur.input(s, i), historicalInput(s, i))
          }
          moved += cur.stats.moved
          for (const e of s.trace.slice(0, s.trace.n)) {
            if (e.k === 'store') stores++
            if (e.k === 'memset') memsets++
            if (e.op === 'fault' && e.applied) faults++
          }
        }),
        { numRuns: 8, seed: 106, endOnFailure: true }
      )
      // the walks covered what they claim to
      expect(stores).toBeGreaterThan(0)
      expect(memsets).toBeGreaterThan(0)
      expect(moved).toBeGreaterThan(0)
      expect(faults > 0).toBe((lab.p.faults?.length ?? 0) > 0)
    })

  it('steps by ±1 without rebuilding, backward via checkpoints', () => {
    const s = new LabSession(scenario({ profile: 'spec' }), { trace: { keep: 1_000_000 } })
    s.run(12 * S)
    const cur = new TravelCursor(32)
    const mid = s.trace.n >> 1
    expectSame(s, cur.input(s, mid), historicalInput(s, mid))
    for (let k = 1; k <= 100; k++) expectSame(s, cur.input(s, mid - k), historicalInput(s, mid - k))
    for (let k = 99; k >= -100; k--) expectSame(s, cur.input(s, mid - k), historicalInput(s, mid - k))
    expect(cur.stats).toMatchObject({ full: 1, moved: 300 })
    // a backward step rescans at most one checkpoint interval, not the trace
    expect(cur.stats.walked).toBeLessThan(300 * (1 + 32))
    // new events do not invalidate it: appended events only lengthen the path from live shm
    s.run(s.sched.now + 2 * S)
    expectSame(s, cur.input(s, mid), historicalInput(s, mid))
    expect(cur.stats.full).toBe(1)
  })

  it('redoes and undoes a memset that wiped live data', () => {
    const s = new LabSession(scenario({ profile: 'spec', restarts: [{ side: 'device', at: 4 * S }] }), { trace: { keep: 1_000_000 } })
    s.run(6 * S)
    const wipes = s.trace.slice(0, s.trace.n).filter((e) => e.k === 'memset' && (s.memsetUndo.get(e.i)?.length ?? 0) > 0)
    expect(wipes.length).toBeGreaterThan(0)
    const cur = new TravelCursor(16)
    for (const m of wipes.map((e) => e.i)) for (const i of [m - 1, m + 1, m, m - 1]) expectSame(s, cur.input(s, i), historicalInput(s, i))
    expect(cur.stats.moved).toBeGreaterThanOrEqual(3 * wipes.length)
  })

  it('forgets last writers the trimmed trace no longer keeps, at the same event too', () => {
    const keep = 2000
    const s = new LabSession(scenario({ profile: 'spec' }), { trace: { keep } })
    while (s.trace.n < keep - 100) s.run(s.sched.now + 100 * MS)
    const j = s.trace.n - 1
    const cur = new TravelCursor(64)
    const boot = cur.input(s, j)
    const early = [...Array(MMIO_WINDOW / 4).keys()].filter((c) => (boot.regMeta(4 * c).lastWriteEvent ?? Infinity) < 300)
    expect(early.length).toBeGreaterThan(0)
    while (s.trace.first < 300) s.run(s.sched.now + 20 * MS)
    expect(s.trace.first).toBeLessThanOrEqual(j - 50)
    for (const i of [j, j - 1, j - 50, j + 1]) expectSame(s, cur.input(s, i), historicalInput(s, i))
    expect(cur.stats.full).toBe(1)
  })

  it('rebuilds for another session and when the trace was trimmed past it', () => {
    const s = new LabSession(scenario(), { trace: { keep: 200 } })
    s.run(10 * S)
    const cur = new TravelCursor()
    cur.input(s, s.trace.first)
    const t = new LabSession(scenario(), { trace: { keep: 200 } })
    t.run(10 * S)
    expectSame(t, cur.input(t, t.trace.n - 1), historicalInput(t, t.trace.n - 1))
    expect(cur.stats.full).toBe(2)
    const j = t.trace.first
    cur.input(t, j)
    const full = cur.stats.full
    t.run(t.sched.now + 10 * S)
    expect(t.trace.first).toBeGreaterThan(j)
    const i = t.trace.n - 1
    expectSame(t, cur.input(t, i), historicalInput(t, i))
    expect(cur.stats.full).toBe(full + 1)
  })

  it('a move that throws half-way leaves nothing to reuse: the next call rebuilds', () => {
    const s = new LabSession(scenario({ profile: 'spec' }), { trace: { keep: 1_000_000 } })
    s.run(6 * S)
    const cur = new TravelCursor(64)
    const j = s.trace.n - 10
    cur.input(s, j)
    const spy = vi.spyOn(s.trace, 'readStore')
    spy.mockImplementationOnce(() => {
      throw new Error('boom')
    })
    expect(() => cur.input(s, j - 200)).toThrow('boom')
    spy.mockRestore()
    expectSame(s, cur.input(s, j - 200), historicalInput(s, j - 200))
    expect(cur.stats.full).toBe(2)
  })

  it('always rebuilds when a side writes shm behind the trace (remote)', () => {
    const s = new LabSession(scenario(), { trace: { keep: 1_000_000 }, remote: 'device' })
    s.run(6 * S)
    const cur = new TravelCursor()
    for (const i of [5, 6, s.trace.n - 1, 7]) expectSame(s, cur.input(s, i), historicalInput(s, i))
    expect(cur.stats).toMatchObject({ full: 4, moved: 0 })
  })

  it('refuses what historicalInput refuses, with the same error', () => {
    const s = new LabSession(scenario(), { trace: { keep: 100 } })
    s.run(5 * S)
    const cur = new TravelCursor()
    expect(s.trace.first).toBeGreaterThan(0)
    for (const i of [-1, 1.5, s.trace.n, s.trace.first - 1]) {
      const msg = `event ${i} is not in the kept trace (events ${s.trace.first}..${s.trace.n - 1})`
      expect(() => historicalInput(s, i)).toThrow(msg)
      expect(() => cur.input(s, i)).toThrow(expect.objectContaining({ code: 'TIME_TRAVEL_RANGE', message: msg }))
    }
  })

  it('LabService.snapshotAt steps with it and starts over for a new run (Apply)', async () => {
    const svc = new LabService({ speed: 'max' })
    try {
      const want = (i: number) => {
        const s = svc.session
        const snap = buildSnapshot(s, historicalInput(s, i), 0, RUN)
        snap.t = s.trace.get(i)!.t
        return snap
      }
      const got = async (i: number) => ({ ...(await svc.snapshotAt(i)), seq: 0, paused: true })
      svc.session.run(6 * S)
      const mid = svc.session.trace.n >> 1
      for (const i of [mid, mid + 1, mid + 2, mid + 1, mid - 40, 20]) expect(await got(i)).toEqual(want(i))
      await svc.configure({ profile: 'spec' }) // another run, another trace
      svc.session.run(6 * S)
      for (const i of [22, svc.session.trace.n - 1, 21]) expect(await got(i)).toEqual(want(i))
    } finally {
      svc.dispose()
    }
  })
})
