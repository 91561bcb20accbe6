// "Export all matching", streamed (issue #10 deliverable 1): the kept trace filtered by the
// timeline's display filter (traceFilter.ts), as JSON Lines or CSV (traceFormat.ts), pulled chunk
// by chunk. Memory stays bounded whatever the trace size: a chunk holds at most CHUNK_BYTES of
// text (one event more at worst) and scans at most SCAN_MAX events, so a filter that rarely
// matches returns small chunks with progress. Events the trace ring drops while the export runs
// are counted as skipped, never invented. Pure: the service runs it (src/host/trace-export.ts).

import type { TraceEvent, TraceExportChunk, TraceExportFormat } from './contract'
import type { TracePredicate } from './traceFilter'
import { TRACE_CSV_HEADER, csvField, summarize } from './traceFormat'

/** text per chunk, characters */
export const CHUNK_BYTES = 256 * 1024
/** events scanned per chunk */
export const SCAN_MAX = 20_000
/** what the exporter reads: the trace's kept window and its events */
export interface TraceSource {
  readonly first: number
  readonly n: number
  get(i: number): TraceEvent | undefined
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
  private firstMatch: number | null = null
  private lastMatch: number | null = null
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
        this.firstMatch ??= e.i
        this.lastMatch = e.i
      }
    }
    const { matched, skipped, firstMatch, lastMatch } = this
    return { id, data, done: this.done, scanned: this.cur - this.from, total: this.end - this.from, matched, skipped, firstMatch, lastMatch }
  }
}
