// Bench rows for issue #10 item 6: reconstructing a past event for time travel, the full rebuild
// (historicalInput: copy shm, undo every later event, rescan the kept trace) against the
// incremental cursor (src/lab/travel.ts), on the same full 200k-event trace ring, same run.
// The snapshot build that follows either is the same for both and is not timed here. Rows come
// as they are (whatever else the machine runs) and again with two busy loops on the two cores.
import { LabSession } from '../src/lab/session'
import { historicalInput, type SnapshotInput } from '../src/lab/snapshot'
import { TravelCursor } from '../src/lab/travel'
import { type ScenarioConfig } from '../src/shared/contract'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'
import { LabService } from '../src/host/service'
import { busyLoops, percentile } from './host-proc'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

const S = 1e9

/** ms per call of `f` over `idx`, in order */
function time(idx: number[], f: (i: number) => SnapshotInput): number[] {
  const ms: number[] = []
  for (const i of idx) {
    const t0 = performance.now()
    const r = f(i)
    ms.push(performance.now() - t0)
    if (r.atEvent !== i) throw new Error(`travel to ${i} gave ${r.atEvent}`)
  }
  return ms
}

export async function travelRows(row: RowFn, quick: boolean): Promise<void> {
  const keep = 200_000
  const cfg: ScenarioConfig = { ...DEFAULT_SCENARIO, speed: 'max' }
  const s = new LabSession(cfg, { trace: { keep } })
  // fill the ring as a long session does (and trim it: the oldest kept event is not event 0)
  const t0 = performance.now()
  while (s.trace.n < keep * 1.1 && performance.now() - t0 < 60_000) s.run(s.sched.now + 600 * S)
  const first = s.memsetUndo.earliest(s.trace.first)
  const kept = s.trace.n - first
  let seed = 10
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const n = quick ? 40 : 200
  // arrow keys: n steps back then n forward from the middle of the kept trace
  const mid = first + (kept >> 1)
  const steps = [...Array(n).keys()].map((k) => mid - k).concat([...Array(n).keys()].map((k) => mid - n + 1 + k))
  const jumps = [...Array(n >> 1).keys()].map(() => first + Math.floor(rnd() * kept))
  const note = `${kept.toLocaleString('en-US')} kept events, ${(s.shm.size / 2 ** 20).toFixed(0)} MiB shm`
  for (const busy of [false, true]) {
    const loops = busy ? busyLoops(2) : null
    try {
      const tag = busy ? 'busy' : 'as is'
      for (const [what, idx] of [
        ['±1 steps', steps],
        ['random jumps', jumps]
      ] as const) {
        const full = time(idx, (i) => historicalInput(s, i))
        const cur = new TravelCursor()
        cur.input(s, idx[0]!) // the first click of a series is a full rebuild either way
        const inc = time(idx, (i) => cur.input(s, i))
        const st = `${idx.length} calls; cursor: ${cur.stats.full} rebuilds, ${cur.stats.moved} moves`
        row(`time travel ${what} (${tag}): full rebuild p50`, percentile(full, 50), 'ms', note)
        row(`time travel ${what} (${tag}): full rebuild p99`, percentile(full, 99), 'ms')
        row(`time travel ${what} (${tag}): cursor p50`, percentile(inc, 50), 'ms', st)
        row(`time travel ${what} (${tag}): cursor p99`, percentile(inc, 99), 'ms')
      }
    } finally {
      loops?.stop()
    }
  }

  // what the page waits for: LabService.snapshotAt (cursor + snapshot build), ±1 steps
  const svc = new LabService({ speed: 'max' })
  const t = svc.session
  while (t.trace.n < keep * 1.1 && performance.now() - t0 < 120_000) t.run(t.sched.now + 600 * S)
  const m = t.memsetUndo.earliest(t.trace.first) + ((t.trace.n - t.memsetUndo.earliest(t.trace.first)) >> 1)
  const ms: number[] = []
  for (let k = -n; k < n; k++) {
    const a = performance.now()
    const snap = await svc.snapshotAt(m + (k < 0 ? -k : k - n))
    ms.push(performance.now() - a)
    if (snap.atEvent === null) throw new Error('snapshotAt gave a live snapshot')
  }
  svc.dispose()
  row('time travel ±1 steps: LabService.snapshotAt p50', percentile(ms, 50), 'ms', `${ms.length} calls, snapshot build included`)
  row('time travel ±1 steps: LabService.snapshotAt p99', percentile(ms, 99), 'ms')
}
