// The service's open trace exports (LabApi exportBegin / exportNext / exportCancel): the
// exporter itself is src/shared/traceExport.ts; here ids, the filter check, and bounds on how
// many exports stay open.

import type { TraceExportChunk, TraceExportFormat } from '../shared/contract'
import { tryCompile, type TracePredicate } from '../shared/traceFilter'
import { TraceExporter, type TraceSource } from '../shared/traceExport'

export { CHUNK_BYTES, SCAN_MAX, TraceExporter, type TraceSource } from '../shared/traceExport'

/** exports open at once per service; the oldest idle one is dropped for a new one */
export const EXPORTS_MAX = 4
/** an export nobody pulled for this long is dropped (a client that went away) */
export const EXPORT_IDLE_MS = 60_000

export class TraceExportError extends Error {
  override name = 'TraceExportError'
  constructor(
    readonly code: 'EXPORT_FILTER' | 'EXPORT_UNKNOWN' | 'EXPORT_FORMAT',
    message: string
  ) {
    super(message)
  }
}

/** the service's open exports, by id */
export class TraceExports {
  private readonly open = new Map<number, TraceExporter>()
  private nextId = 1

  /** begin an export of the trace as it is now; a bad filter or format is a TraceExportError */
  begin(trace: TraceSource, filter: string, format: TraceExportFormat): { id: number; total: number; first: number } {
    if (format !== 'jsonl' && format !== 'csv') throw new TraceExportError('EXPORT_FORMAT', `exportBegin: format must be 'jsonl' or 'csv', got '${String(format)}'`)
    let pred: TracePredicate | null = null
    if (filter.trim() !== '') {
      const c = tryCompile(filter)
      if (!c.ok) throw new TraceExportError('EXPORT_FILTER', `exportBegin: filter: ${c.error.message} (column ${c.error.pos + 1})`)
      pred = c.pred
    }
    this.prune()
    if (this.open.size >= EXPORTS_MAX) {
      const oldest = [...this.open.entries()].sort((a, b) => a[1].lastPull - b[1].lastPull)[0]!
      this.open.delete(oldest[0])
    }
    const id = this.nextId++
    const x = new TraceExporter(trace, pred, format)
    this.open.set(id, x)
    return { id, total: x.end - x.from, first: x.from }
  }

  next(id: number): TraceExportChunk {
    const x = this.open.get(id)
    if (!x) throw new TraceExportError('EXPORT_UNKNOWN', `exportNext: no export ${id} is open (finished, cancelled, or dropped after ${EXPORT_IDLE_MS / 1000} s idle)`)
    const c = x.next(id)
    if (c.done) this.open.delete(id)
    return c
  }

  cancel(id: number): void {
    this.open.delete(id)
  }

  /** exports open now */
  get size(): number {
    return this.open.size
  }

  private prune(): void {
    const now = Date.now()
    for (const [id, x] of this.open) if (now - x.lastPull > EXPORT_IDLE_MS) this.open.delete(id)
  }
}
