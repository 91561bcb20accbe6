// Bench rows for issue #11 item 3: memory held across device restarts (time-travel undo data, peer
// list, trace ring). The session runs as the service runs it (200k-event trace ring, default undo cap).
import { LabSession } from '../src/lab/session'
import { type ScenarioConfig } from '../src/shared/contract'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

const MB = 2 ** 20

export function restartRows(row: RowFn, quick: boolean): void {
  const cfg: ScenarioConfig = { ...DEFAULT_SCENARIO, speed: 'max' }
  const s = new LabSession(cfg, { trace: { keep: 200_000 } })
  const n = quick ? 1000 : 3000
  s.run(3e9)
  global.gc?.()
  const rss0 = process.memoryUsage().rss
  const t0 = performance.now()
  for (let k = 0; k < n; k++) {
    s.restart('device')
    s.run(s.sched.now + 20e6)
  }
  const wall = (performance.now() - t0) / 1e3
  global.gc?.()
  const grown = (process.memoryUsage().rss - rss0) / MB
  const note = `${n} device restarts 20 ms apart in ${wall.toFixed(2)} s; undo ${(s.memsetUndo.bytes / MB).toFixed(1)} MiB held (cap ${s.memsetUndo.keep / MB} MiB), ${s.fabric.peerList().length} peers listed`
  row('RSS growth per 1,000 device restarts', (grown * 1000) / n, 'MiB', note)
  row('  time travel reach after restarts (events back)', s.trace.n - s.memsetUndo.earliest(s.trace.first), 'events', `trace keeps ${s.trace.n - s.trace.first}`)
}
