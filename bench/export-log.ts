// Bench rows for issue #10: the service's streamed trace export over a full 200k-event ring (all
// events and a filter, JSONL and CSV: rate, the largest chunk, heap held), and the cost of a
// continuous console log (one write per console call) on the seed run at max speed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LabSession } from '../src/lab/session'
import { LabService } from '../src/host/service'
import { ConsoleLog } from '../src/host/console-log'
import type { TraceExportFormat } from '../src/shared/contract'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

export async function exportLogRows(row: RowFn, quick: boolean): Promise<void> {
  const svc = new LabService({ speed: 'max' })
  svc.session.run(quick ? 60e9 : 300e9)
  for (const [filter, format] of [['', 'jsonl'], ['', 'csv'], ['kind == doorbell || kind == irq', 'jsonl']] as [string, TraceExportFormat][]) {
    global.gc?.()
    const heap0 = process.memoryUsage().heapUsed
    let peak = 0
    let biggest = 0
    let chars = 0
    const t0 = performance.now()
    const b = await svc.exportBegin(filter, format)
    for (;;) {
      const c = await svc.exportNext(b.id)
      biggest = Math.max(biggest, c.data.length)
      chars += c.data.length
      peak = Math.max(peak, process.memoryUsage().heapUsed - heap0)
      if (c.done) {
        const ms = performance.now() - t0
        row(`trace export ${format}${filter ? ' (filtered)' : ''}: events scanned per second`, (c.scanned / ms) * 1e3, 'events/s', `${c.scanned.toLocaleString('en-US')} scanned, ${c.matched.toLocaleString('en-US')} matched, ${(chars / 2 ** 20).toFixed(1)} MiB in ${ms.toFixed(0)} ms; largest chunk ${(biggest / 1024).toFixed(0)} KiB, heap peak +${(peak / 2 ** 20).toFixed(1)} MiB`)
        break
      }
    }
  }
  svc.dispose()

  const dir = mkdtempSync(join(tmpdir(), 'vlab-bench-log-'))
  const virtual = quick ? 60e9 : 600e9
  const wall = (log: boolean): number => {
    const s = new LabSession({ ...svc.config, speed: 'max', until: null })
    const logs = log ? { device: new ConsoleLog('device', join(dir, 'd.log')), driver: new ConsoleLog('driver', join(dir, 'r.log'), { timestamps: true }) } : null
    if (logs) s.onConsole((side, d) => logs[side].write(d, s.clock.now))
    const t0 = performance.now()
    s.run(virtual)
    const ms = performance.now() - t0
    if (logs) for (const l of Object.values(logs)) l.close()
    return ms
  }
  // alternated, best of three each (a busy machine and the JIT otherwise decide the order's winner)
  let off = Infinity
  let on = Infinity
  for (let k = 0; k < 3; k++) {
    off = Math.min(off, wall(false))
    on = Math.min(on, wall(true))
  }
  row('console logs on / off, wall time (seed, max speed)', on / off, 'ratio', `${(virtual / 1e9).toFixed(0)} virtual s: ${off.toFixed(0)} ms without, ${on.toFixed(0)} ms with both logs (one write per console call)`)
  rmSync(dir, { recursive: true, force: true })
}
