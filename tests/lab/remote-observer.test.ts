// The ShmObserver against the truth: the same scenario run twice, once normally and once with the
// device's stores hidden from the trace (as if a real guest wrote shm directly). At every point the
// observer syncs — each driver doorbell, each interrupt at the driver, the live snapshot — the
// inspectors (register values and last writers, rings, the watched shm bytes) must match the
// normal run, and so must time travel to those points.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { buildSnapshot, historicalInput, liveInput, type SnapshotInput } from '../../src/lab/snapshot'
import { watchedRegions } from '../../src/lab/remote'
import type { ScenarioConfig, TraceEvent } from '../../src/shared/contract'
import { S, scenario } from '../helpers'

const RUN = { running: false, paused: false, finished: false }

function lab(p: Partial<ScenarioConfig>, until: number, remote?: 'device') {
  const s = new LabSession(scenario(p), { trace: { keep: 2_000_000 }, remote })
  s.run(until)
  s.observe()
  return { s, ev: s.trace.slice(0, s.trace.n) as TraceEvent[] }
}

/** what the inspectors show from an input: registers with last writer, rings, watched bytes */
function view(s: LabSession, input: SnapshotInput, writers?: Map<number, string>) {
  const snap = buildSnapshot(s, input, 0, RUN)
  const bytes = watchedRegions(s.driverRings()).map((r) => Array.from(input.shm.read(r.off, r.len)))
  return {
    regs: snap.regs.map((r) => ({ name: r.name, value: r.value, fields: r.fields, lastWriter: writers ? (writers.get(r.off) ?? null) : r.lastWriter })),
    rings: snap.rings,
    bytes
  }
}

/** Last writer per register cell as a diff can know it, from the normal run's trace up to event i:
 *  local (driver) stores all count; a device store counts only for the 32-bit words whose value
 *  it changed — a store that rewrote the same value leaves no trace in shm (observer.ts, limits). */
function diffVisibleWriters(ev: TraceEvent[], i: number): Map<number, string> {
  const w = new Map<number, string>()
  for (let k = 0; k <= i; k++) {
    const e = ev[k]!
    if (e.k !== 'store' || (e.off as number) >= 0x200) continue
    const off = e.off as number
    if (e.side === 'driver') w.set(off & ~3, 'driver')
    else {
      const width = e.w as number
      const old = BigInt(e.old as string)
      const nu = BigInt(e.new as string)
      for (let b = 0; b < width; b += 4) {
        const mask = ((1n << BigInt(8 * Math.min(4, width))) - 1n) << BigInt(8 * b)
        if ((old & mask) !== (nu & mask)) w.set((off + b) & ~3, 'device')
      }
    }
  }
  return w
}

/** sync points in order: [kind, index]; for the remote run an interrupt's point is after the
 *  stores the observer reported on it */
function points(ev: TraceEvent[], observed: boolean): [string, number][] {
  const out: [string, number][] = []
  for (let k = 0; k < ev.length; k++) {
    const e = ev[k]!
    if (e.k === 'doorbell' && e.side === 'driver') out.push([`doorbell@${e.t}`, k])
    else if (e.k === 'irq' && e.side === 'driver' && e.outcome === 'delivered') {
      let j = k
      if (observed) while (ev[j + 1]?.k === 'store' && ev[j + 1]!.side === 'device') j++
      out.push([`irq@${e.t}`, j])
    }
  }
  return out
}

describe('ShmObserver: the device side seen only through shm diffs', () => {
  const cases: [string, Partial<ScenarioConfig>, number][] = [
    ['device-first run with Hello lines', {}, 12 * S],
    ['driver restart (ids no longer adjacent)', { restarts: [{ side: 'driver', at: 3 * S }] }, 6 * S]
  ]
  for (const [name, p, until] of cases) {
    it(`${name}: same registers, last writers, rings and time travel at every sync point`, () => {
      const a = lab(p, until)
      const b = lab(p, until, 'device')
      // the hidden side's stores reach the trace only through the observer
      expect(b.ev.filter((e) => e.k === 'memset' && e.side === 'device')).toEqual([])
      expect(b.s.observer!.stores).toBeGreaterThanOrEqual(5)
      expect(b.s.consoleText('device')).toBe(a.s.consoleText('device'))

      const pa = points(a.ev, false)
      const pb = points(b.ev, true)
      expect(pb.map((x) => x[0])).toEqual(pa.map((x) => x[0]))
      expect(pa.length).toBeGreaterThan(5)
      // every point of the handshake, then a spread over the data phase (time travel replays the
      // trace from the end: checking all ~1000 points would take minutes)
      const step = Math.max(1, Math.floor(pa.length / 20))
      for (let k = 0; k < pa.length; k += k < 40 ? 1 : step) {
        const va = view(a.s, historicalInput(a.s, pa[k]![1]), diffVisibleWriters(a.ev, pa[k]![1]))
        const vb = view(b.s, historicalInput(b.s, pb[k]![1]))
        expect({ at: pa[k]![0], ...vb }).toEqual({ at: pa[k]![0], ...va })
      }
      // the live snapshot (the observer synced on it)
      expect(view(b.s, liveInput(b.s))).toEqual(view(a.s, liveInput(a.s), diffVisibleWriters(a.ev, a.ev.length - 1)))
    })
  }

  it('attributes what it saw to the remote side, at the sync point, in the trace', () => {
    const b = lab({}, 3 * S, 'device')
    const magic = b.ev.find((e) => e.k === 'store' && e.off === 0)!
    expect(magic).toMatchObject({ side: 'device', w: 4, old: '0x00000000', new: '0x74726976' }) // "virt"
    const snap = buildSnapshot(b.s, liveInput(b.s), 0, RUN)
    expect(snap.regs.find((r) => r.name === 'MagicValue')).toMatchObject({ lastWriter: 'device', lastWriteEvent: magic.i })
    // observed at the driver's first doorbell or interrupt, not when the device stored it (t = 0)
    expect(magic.t).toBeGreaterThan(0)
  })
})
