// The timeline's rows over the whole kept trace, for a virtual list (docs/timeline.md):
// - unfiltered, row r is trace event firstKept + r; events load in blocks of BLOCK with getTrace
//   (the pushed tail answers the newest ones), a bounded cache keeps the recent blocks;
// - filtered, the kept trace is scanned in the background (TRACE_CHUNK per getTrace, at most
//   SCAN_SLICE events between yields) and row r is the r-th matching event; new events extend it.
// Every answer is checked against the run it was asked for (epoch) and the generation of the
// filter: a reset or a new filter drops whatever is still in flight.
import { computed, ref, shallowRef, triggerRef, type Ref } from 'vue'
import type { TraceEvent } from '../../../shared/contract'
import type { TracePredicate } from '../../../shared/traceFilter'

/** rows fetched per getTrace in unfiltered mode */
export const BLOCK = 500
/** blocks kept in the cache */
export const BLOCK_CACHE = 64
/** largest getTrace page the service answers */
export const TRACE_CHUNK = 5000
/** events scanned before the filter scan yields to the page */
export const SCAN_SLICE = 20_000
/** matching events kept (oldest dropped first); the service keeps 200 000 events by default */
export const MATCH_CAP = 200_000

export interface TraceSource {
  getTrace(from: number, count: number): Promise<TraceEvent[]>
  /** the pushed tail (contiguous, newest last) */
  tail(): readonly TraceEvent[]
  /** one past the newest event known */
  end(): number
  /** oldest event the service says it keeps (0 if it does not say) */
  first(): number
  /** bumps on every reset of the lab */
  epoch(): number
}

export function useTraceRows(src: TraceSource, pred: Ref<TracePredicate | null>) {
  const firstKept = ref(0)
  /** filtered: the matching events, ascending */
  const matches = shallowRef<TraceEvent[]>([])
  /** filtered: trace indices [scanStart, scanTo) have been scanned */
  const scanTo = ref(0)
  const scanStart = ref(0)
  const scanning = ref(false)
  const error = ref('')
  /** bumps when a block arrives (rows re-read the cache) */
  const loaded = ref(0)
  /** end() as of the last refresh (bounded work: rows only change on refresh) */
  const end = ref(0)

  /** block number -> its events (a partial block: the newest events, or a trimmed front) */
  const blocks = new Map<number, TraceEvent[]>()
  const inFlight = new Set<number>()
  let gen = 0
  let epoch = src.epoch()

  const filtered = computed(() => pred.value !== null)
  const rowCount = computed(() => (filtered.value ? matches.value.length : Math.max(0, end.value - firstKept.value)))

  function learnFirst(i: number): void {
    if (i > firstKept.value) firstKept.value = Math.min(i, end.value)
  }

  /** the event shown in row r, or null while it loads */
  function rowAt(r: number): TraceEvent | null {
    void loaded.value
    if (filtered.value) return matches.value[r] ?? null
    const i = firstKept.value + r
    return eventAt(i)
  }

  function eventAt(i: number): TraceEvent | null {
    const tail = src.tail()
    if (tail.length > 0 && i >= tail[0].i && i <= tail[tail.length - 1].i) return tail[i - tail[0].i]
    const b = blocks.get(Math.floor(i / BLOCK))
    if (!b || b.length === 0) return null
    const k = i - b[0].i
    return b[k]?.i === i ? b[k] : null
  }

  /** trace index of row r (unfiltered: known without loading) */
  function indexOf(r: number): number | null {
    if (filtered.value) return matches.value[r]?.i ?? null
    return r >= 0 && r < rowCount.value ? firstKept.value + r : null
  }

  /** the row showing trace index i, else the row where it would be (insertion point) */
  function rowOf(i: number): { row: number; exact: boolean } {
    if (!filtered.value) return { row: i - firstKept.value, exact: i >= firstKept.value && i < end.value }
    const m = matches.value
    let lo = 0
    let hi = m.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (m[mid].i < i) lo = mid + 1
      else hi = mid
    }
    return { row: lo, exact: m[lo]?.i === i }
  }

  /** unfiltered: load the blocks rows [a, b) need */
  function ensure(a: number, b: number): void {
    if (filtered.value || b <= a) return
    const first = firstKept.value + Math.max(0, a)
    const last = firstKept.value + Math.min(rowCount.value, b) - 1
    const tail = src.tail()
    const t0 = tail.length > 0 ? tail[0].i : Infinity
    const t1 = tail.length > 0 ? tail[tail.length - 1].i : -Infinity
    for (let blk = Math.floor(first / BLOCK); blk <= Math.floor(last / BLOCK); blk++) {
      const from = blk * BLOCK
      // the rows of this block in view; the pushed tail answers the newest ones
      const needA = Math.max(from, first)
      const needB = Math.min(from + BLOCK, last + 1)
      if (needA >= t0 && needB - 1 <= t1) continue
      const to = Math.min(end.value, from + BLOCK, from < t0 ? t0 : Infinity)
      const have = blocks.get(blk)
      if (inFlight.has(blk) || to <= from || (have && have.length > 0 && have[have.length - 1].i >= to - 1)) continue
      void loadBlock(blk, from, to)
    }
  }

  async function loadBlock(blk: number, from: number, to: number): Promise<void> {
    const my = gen
    inFlight.add(blk)
    try {
      const got = await src.getTrace(from, to - from)
      if (my !== gen) return
      const evs = got.filter((e) => e.i >= from && e.i < to)
      if (evs.length === 0) {
        // nothing kept in [from, to) although to <= end: the service trims only the front
        if (to <= end.value) learnFirst(to)
        return
      }
      if (evs[0].i > from) learnFirst(evs[0].i)
      blocks.delete(blk) // re-insert: the map's order is the eviction order
      blocks.set(blk, evs)
      while (blocks.size > BLOCK_CACHE) blocks.delete(blocks.keys().next().value as number)
      loaded.value++
    } catch (e) {
      if (my === gen) error.value = e instanceof Error ? e.message : String(e)
    } finally {
      inFlight.delete(blk)
    }
  }

  /** filtered: scan [scanTo, end) in the background, appending matches */
  async function scan(): Promise<void> {
    const p = pred.value
    if (!p || scanning.value) return
    const my = gen
    scanning.value = true
    try {
      let budget = SCAN_SLICE
      while (scanTo.value < end.value && my === gen) {
        if (budget <= 0) {
          await new Promise((r) => setTimeout(r, 0)) // let the page paint between slices
          if (my !== gen) return
          budget = SCAN_SLICE
        }
        const from = Math.max(scanTo.value, firstKept.value)
        const tail = src.tail()
        let chunk: TraceEvent[]
        let to: number
        if (tail.length > 0 && from >= tail[0].i && from <= tail[tail.length - 1].i) {
          chunk = tail.slice(from - tail[0].i)
          to = chunk[chunk.length - 1].i + 1
        } else {
          to = Math.min(end.value, from + TRACE_CHUNK, tail.length > 0 && from < tail[0].i ? tail[0].i : Infinity)
          chunk = (await src.getTrace(from, to - from)).filter((e) => e.i >= from && e.i < to)
          if (my !== gen) return
          if (chunk.length === 0) {
            learnFirst(to)
          } else if (chunk[0].i > from) learnFirst(chunk[0].i)
        }
        const add = chunk.filter(p)
        if (add.length > 0) {
          let m = matches.value.concat(add)
          if (m.length > MATCH_CAP) m = m.slice(m.length - MATCH_CAP)
          matches.value = m
        }
        scanTo.value = Math.max(scanTo.value, to)
        budget -= to - from
      }
    } catch (e) {
      if (my === gen) error.value = e instanceof Error ? e.message : String(e)
    } finally {
      if (my === gen) scanning.value = false
    }
  }

  /** take the newest end and first from the source; returns rows dropped at the front */
  function refresh(): number {
    if (src.epoch() !== epoch) {
      reset()
      return 0
    }
    const firstBefore = firstKept.value
    end.value = Math.max(end.value, src.end())
    learnFirst(src.first())
    let dropped: number
    if (filtered.value) {
      const m = matches.value
      let k = 0
      while (k < m.length && m[k].i < firstKept.value) k++
      if (k > 0) matches.value = m.slice(k)
      dropped = k
      void scan()
    } else {
      dropped = firstKept.value - firstBefore
    }
    error.value = ''
    return dropped
  }

  /** a new run or a new filter: everything cached is dropped */
  function restart(): void {
    gen++
    blocks.clear()
    inFlight.clear()
    matches.value = []
    scanStart.value = firstKept.value
    scanTo.value = firstKept.value
    scanning.value = false
    error.value = ''
    loaded.value++
    triggerRef(matches)
    if (pred.value) void scan()
  }

  function reset(): void {
    epoch = src.epoch()
    firstKept.value = 0
    end.value = Math.max(0, src.end())
    learnFirst(src.first())
    restart()
  }

  reset()

  return { firstKept, end, matches, scanTo, scanStart, scanning, error, filtered, rowCount, rowAt, eventAt, indexOf, rowOf, ensure, refresh, restart, reset }
}
