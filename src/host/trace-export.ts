// "Export all matching", streamed from the service (issue #10 deliverable 1): the kept trace,
// filtered by the timeline's display filter (src/shared/traceFilter.ts) in the service, as JSON
// Lines or CSV (src/shared/traceFormat.ts), pulled chunk by chunk. Memory stays bounded whatever
// the trace size: a chunk holds at most CHUNK_BYTES of text (one event more at worst) and scans at
// most SCAN_MAX events, so a filter that rarely matches returns small chunks with progress.
// Events the trace ring drops while the export runs are counted as skipped, never invented.

import type { TraceEvent, TraceExportChunk, TraceExportFormat } from '../shared/contract'
import { tryCompile, type TracePredicate } from '../shared/traceFilter'
import { TRACE_CSV_HEADER, csvField, summarize } from '../shared/traceFormat'

/** text per chunk, characters */
export const CHUNK_BYTES = 256 * 1024
/** events scanned per chunk */
export const SCAN_MAX = 20_000
/** exports open at once per service; the oldest idle one is dropped for a new one */
export const EXPORTS_MAX = 4
/** an export nobody pulled for this long is dropped (a client that went away) */
export const EXPORT_IDLE_MS = 60_000

/** what the exporter reads: the trace's kept window and its events */
export interface TraceSource {
  readonly first: number
  readonly n: number
  get(i: number): TraceEvent | undefined
}

export class TraceExportError extends Error {
  override name = 'TraceExportError'
  constructor(
    readonly code: 'EXPORT_FILTER' | 'EXPORT_UNKNOWN' | 'EXPORT_FORMAT',
    message: string
  ) {
    super(message)
  }
}

function line(e: TraceEvent, format: TraceExportFormat): string {
  return format === 'csv' ? [e.i, e.t, e.k, e.side ?? '', summarize(e)].map(csvField).join(',') + '\r\n' : JSON.stringify(e) + '\n'
}

export class TraceExporter {
  /** next event index to scan */
  private cur: number
  /** the range fixed when the export began: [from, end) */
  readonly from: number
  readonly end: number
  private matched = 0
  private skipped = 0
  private header: boolean
  lastPull = Date.now()

  constructor(
    private readonly trace: TraceSource,
    private readonly pred: TracePredicate | null,
    readonly format: TraceExportFormat,
    private readonly limits = { chunkBytes: CHUNK_BYTES, scanMax: SCAN_MAX }
  ) {
    this.from = this.cur = trace.first
    this.end = trace.n
    this.header = format === 'csv'
  }

  get done(): boolean {
    return this.cur >= this.end && !this.header
  }

  /** the next chunk: text of whole lines, and how far the scan got */
  next(id: number): TraceExportChunk {
    this.lastPull = Date.now()
    let data = ''
    if (this.header) {
      data = TRACE_CSV_HEADER + '\r\n'
      this.header = false
    }
    const stop = Math.min(this.end, this.cur + this.limits.scanMax)
    while (this.cur < stop && data.length < this.limits.chunkBytes) {
      if (this.cur < this.trace.first) {
        // dropped from the ring while exporting (a long export at max speed)
        const to = Math.min(this.trace.first, this.end)
        this.skipped += to - this.cur
        this.cur = to
        continue
      }
      const e = this.trace.get(this.cur++)
      if (!e) continue
      let hit: boolean
      try {
        hit = this.pred ? this.pred(e) : true
      } catch {
        hit = false // a predicate never throws on events; an odd one is not exported
      }
      if (hit) {
        data += line(e, this.format)
        this.matched++
      }
    }
    return { id, data, done: this.done, scanned: this.cur - this.from, total: this.end - this.from, matched: this.matched, skipped: this.skipped }
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
