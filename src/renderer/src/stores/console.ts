// Console streams: bytes at stream offsets (duplicates trimmed, gaps refilled with consoleSince,
// nothing dropped), a bounded in-memory log per side, and delivery to the attached ConsolePane
// once per animation frame.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { ConsoleMark, LabApi, Side } from '../../../shared/contract'
import { consoleStart } from '../api'

export const SIDES: readonly Side[] = ['device', 'driver']

export interface ConsoleChunk {
  data: string
  /** virtual time (ns) the bytes were emitted (the service's, else the newest snapshot's) */
  t: number
  /** a line of the lab's own (restart marker), not a received byte: data is '' */
  marker?: string
}

/** what a ConsolePane registers to receive bytes */
export interface ConsoleSink {
  write(chunks: ConsoleChunk[]): void
  reset(): void
}

/** keep at most this many console bytes per side in memory (the terminal keeps its scrollback) */
export const CONSOLE_LOG_CAP = 32 * 1024 * 1024

interface ConsoleState {
  chunks: ConsoleChunk[]
  bytes: number
  /** bytes dropped from the front of the in-memory log (never from the stream) */
  trimmed: number
  /** next expected stream offset */
  expected: number
  /** chunks that arrived ahead of a gap, waiting for consoleSince */
  held: { data: string; seq: number; t: number; times?: Times; marks?: readonly ConsoleMark[] }[]
  /** ordinal of the last restart mark shown (ConsoleMark.n) */
  marked: number
  fetching: boolean
  pending: ConsoleChunk[]
  sink: ConsoleSink | null
}

function newState(): ConsoleState {
  return { chunks: [], bytes: 0, trimmed: 0, expected: 0, held: [], marked: 0, fetching: false, pending: [], sink: null }
}

/** [offset in data, virtual ns] where each line began (LabEvent 'console') */
export type Times = readonly (readonly [number, number])[]

/** where the stream refills gaps from, and what time stamps bytes that carry none */
export interface ConsoleSource {
  consoleSince: LabApi['consoleSince']
  now(): number
  onError(what: string, e: unknown): void
}

/** the marks not shown yet (n above `shown`), well-formed, in order; a hostile mark is skipped */
export function newMarks(shown: number, marks: readonly ConsoleMark[] | undefined): ConsoleMark[] {
  if (!Array.isArray(marks)) return []
  const ok = marks.filter(
    (m) =>
      m !== null &&
      typeof m === 'object' &&
      Number.isInteger(m.n) &&
      m.n > shown &&
      Number.isInteger(m.seq) &&
      Number.isFinite(m.t) &&
      typeof m.text === 'string'
  )
  return ok.sort((a, b) => a.n - b.n).map((m) => ({ seq: m.seq, t: m.t, n: m.n, text: m.text.slice(0, 200) }))
}

export const useConsoleStore = defineStore('console', () => {
  /** per side: bytes received from the service (reactive counters, updated per frame) */
  const received = reactive<Record<Side, number>>({ device: 0, driver: 0 })
  /** per side: bytes the terminal has committed (reported by ConsolePane) */
  const written = reactive<Record<Side, number>>({ device: 0, driver: 0 })
  /** bytes that could not be recovered (service no longer had them); should stay 0 */
  const lost = reactive<Record<Side, number>>({ device: 0, driver: 0 })

  const consoles: Record<Side, ConsoleState> = { device: newState(), driver: newState() }
  let source: ConsoleSource | null = null
  let epoch = 0
  let frame: number | null = null
  let frameTimer: ReturnType<typeof setTimeout> | null = null

  function bind(s: ConsoleSource | null): void {
    source = s
    if (s) for (const side of SIDES) fetchSince(side)
  }

  /** take bytes at stream offset seq; duplicates are trimmed, gaps are filled via consoleSince.
   *  marks (restarts) become marker lines at their stream offsets, each once (by its ordinal n) */
  function ingest(side: Side, data: string, seq: number, t?: number, fromCatchUp = false, times?: Times, marks?: readonly ConsoleMark[]): void {
    const c = consoles[side]
    const end = seq + data.length
    const ms = newMarks(c.marked, marks)
    if ((end <= c.expected || data.length === 0) && ms.length === 0) return
    const at = t ?? source?.now() ?? 0
    if (seq > c.expected) {
      if (fromCatchUp) {
        // the service no longer has the missing bytes; count them, never hide it
        lost[side] += seq - c.expected
      } else {
        c.held.push({ data, seq, t: at, times, marks: ms })
        fetchSince(side)
        return
      }
    }
    const skip = Math.min(data.length, seq < c.expected ? c.expected - seq : 0)
    c.expected = Math.max(c.expected, end)
    let mi = 0
    const putMarks = (upto: number): void => {
      for (; mi < ms.length && ms[mi].seq <= upto; mi++) marker(side, ms[mi])
    }
    // bytes at stream offset abs, split where a mark stands
    const put = (abs: number, s: string, tt: number): void => {
      let k = 0
      while (mi < ms.length && ms[mi].seq < abs + s.length) {
        const cut = Math.max(k, ms[mi].seq - abs)
        if (cut > k) accept(side, s.slice(k, cut), tt)
        k = cut
        putMarks(abs + k)
      }
      if (k < s.length) accept(side, s.slice(k), tt)
    }
    if (!times || times.length === 0) {
      if (skip < data.length) put(seq + skip, data.slice(skip), at)
      putMarks(Number.POSITIVE_INFINITY)
      return
    }
    // one chunk per line start, each with the time the guest emitted it
    let from = skip
    let tFrom = at
    for (const mark of times) {
      const [off, tt] = Array.isArray(mark) ? mark : [NaN, NaN]
      if (!Number.isInteger(off) || !Number.isFinite(tt)) continue // a hostile or garbled mark
      if (off <= from) {
        tFrom = tt
        continue
      }
      if (off >= data.length) break
      put(seq + from, data.slice(from, off), tFrom)
      from = off
      tFrom = tt
    }
    if (from < data.length) put(seq + from, data.slice(from), tFrom)
    putMarks(Number.POSITIVE_INFINITY)
  }

  /** a marker line: its own chunk, no bytes (the log's text stays the guest's bytes) */
  function marker(side: Side, m: ConsoleMark): void {
    const c = consoles[side]
    c.marked = m.n
    const chunk: ConsoleChunk = { data: '', t: m.t, marker: m.text }
    c.chunks.push(chunk)
    c.pending.push(chunk)
    scheduleFlush()
  }

  function accept(side: Side, data: string, t: number): void {
    const c = consoles[side]
    const chunk = { data, t }
    c.chunks.push(chunk)
    c.bytes += data.length
    while (c.bytes - c.trimmed > CONSOLE_LOG_CAP && c.chunks.length > 1) c.trimmed += c.chunks.shift()!.data.length
    c.pending.push(chunk)
    scheduleFlush()
  }

  function fetchSince(side: Side): void {
    const c = consoles[side]
    const src = source
    if (c.fetching || !src) return
    c.fetching = true
    const from = c.expected
    const my = epoch
    src.consoleSince(side, from).then(
      (r) => {
        if (my !== epoch) return
        c.fetching = false
        ingest(side, r.data, consoleStart(r, from), undefined, true, undefined, r.marks)
        const held = c.held.sort((a, b) => a.seq - b.seq)
        c.held = []
        for (const h of held) ingest(side, h.data, h.seq, h.t, true, h.times, h.marks)
      },
      (e: unknown) => {
        c.fetching = false
        src.onError('consoleSince', e)
        // retry later; held chunks stay held (nothing is dropped)
        setTimeout(() => {
          if (c.held.length > 0 && my === epoch) fetchSince(side)
        }, 1000)
      }
    )
  }

  function scheduleFlush(): void {
    if (frame !== null || frameTimer !== null) return
    if (typeof requestAnimationFrame === 'function') frame = requestAnimationFrame(flush)
    // background windows get no animation frames: a timer guarantees progress
    frameTimer = setTimeout(flush, 100)
  }

  function flush(): void {
    if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame)
    if (frameTimer !== null) clearTimeout(frameTimer)
    frame = null
    frameTimer = null
    for (const side of SIDES) {
      const c = consoles[side]
      received[side] = c.bytes
      if (c.pending.length === 0 || !c.sink) continue
      const batch = c.pending
      c.pending = []
      c.sink.write(batch)
    }
  }

  /** a new run: empty logs, counters and attached terminals */
  function reset(): void {
    epoch++
    for (const side of SIDES) {
      const sink = consoles[side].sink
      consoles[side] = newState()
      consoles[side].sink = sink
      received[side] = 0
      lost[side] = 0
      sink?.reset()
    }
  }

  /** a ConsolePane attaches; it first receives the whole log held so far */
  function attach(side: Side, sink: ConsoleSink): () => void {
    const c = consoles[side]
    c.sink = sink
    c.pending = []
    if (c.chunks.length > 0) sink.write([...c.chunks])
    return () => {
      if (c.sink === sink) c.sink = null
      // anything pending is in c.chunks: a later attach replays it
      consoles[side].pending = []
    }
  }

  /** the whole console log held in memory (latin1) */
  function text(side: Side): string {
    return consoles[side].chunks.map((ch) => ch.data).join('')
  }
  function chunks(side: Side): ConsoleChunk[] {
    return [...consoles[side].chunks]
  }
  function trimmed(side: Side): number {
    return consoles[side].trimmed
  }

  /** clears the local log only (the service keeps its stream) */
  function clear(side: Side): void {
    const c = consoles[side]
    c.trimmed += c.chunks.reduce((n, ch) => n + ch.data.length, 0)
    c.chunks = []
    c.pending = []
  }

  return { received, written, lost, bind, ingest, flush, reset, attach, text, chunks, trimmed, clear }
})
