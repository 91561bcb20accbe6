// Bench rows for issue #10 item 6: reconstructing a past event for time travel, the full rebuild
// (historicalInput: copy shm, undo every later event, rescan the kept trace) against the
// incremental cursor (src/lab/travel.ts), on the same full 200k-event trace ring, same run.
// The snapshot build that follows either is the same for both and is not timed here.
import { LabSession } from '../src/lab/session'
import { historicalInput, type SnapshotInput } from '../src/lab/snapshot'
import { TravelCursor } from '../src/lab/travel'
import { type ScenarioConfig } from '../src/shared/contract'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

const S = 1e9

function pct(a: number[], p: number): number {
  const s = [...a].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

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

export function travelRows(row: RowFn, quick: boolean): void {
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
  for (const [what, idx] of [
    ['±1 steps', steps],
    ['random jumps', jumps]
  ] as const) {
    const full = time(idx, (i) => historicalInput(s, i))
    const cur = new TravelCursor()
    cur.input(s, idx[0]!) // the first click of a series is a full rebuild either way
    const inc = time(idx, (i) => cur.input(s, i))
    const st = `${idx.length} calls; cursor: ${cur.stats.full} rebuilds, ${cur.stats.moved} moves`
    row(`time travel ${what}: full rebuild p50`, pct(full, 50), 'ms', note)
    row(`time travel ${what}: full rebuild p99`, pct(full, 99), 'ms')
    row(`time travel ${what}: cursor p50`, pct(inc, 50), 'ms', st)
    row(`time travel ${what}: cursor p99`, pct(inc, 99), 'ms')
  }
}
