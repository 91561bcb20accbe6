// "Export all matching": the kept trace streamed from the service in getTrace pages of
// TRACE_CHUNK, filtered by the timeline's predicate, converted page by page (JSON Lines or CSV),
// saved as one Blob. Progress is reactive; a new run or a cancel stops it.
import { ref } from 'vue'
import type { TraceEvent } from '../../../shared/contract'
import type { TracePredicate } from '../../../shared/traceFilter'
import { TRACE_CSV_HEADER, traceToCsv, traceToJsonl } from '../format'
import { downloadBlob } from '../download'
import { TRACE_CHUNK } from './useTraceRows'

export function useTraceExport(getTrace: (from: number, count: number) => Promise<TraceEvent[]>) {
  /** 0..1 while exporting, null when idle */
  const progress = ref<number | null>(null)
  const result = ref('')
  let run = 0

  async function exportAll(fmt: 'jsonl' | 'csv', from: number, end: number, pred: TracePredicate | null): Promise<void> {
    const my = ++run
    progress.value = 0
    result.value = ''
    const parts: string[] = fmt === 'csv' ? [TRACE_CSV_HEADER + '\r\n'] : []
    let n = 0
    let firstI = -1
    let lastI = -1
    try {
      let cur = from
      while (cur < end) {
        const page = await getTrace(cur, Math.min(TRACE_CHUNK, end - cur))
        if (my !== run) return
        const evs = page.filter((e) => e.i >= cur && e.i < end)
        if (evs.length === 0) {
          cur = Math.min(end, cur + TRACE_CHUNK) // trimmed meanwhile: skip what is gone
          continue
        }
        const keep = pred ? evs.filter(pred) : evs
        if (keep.length > 0) {
          if (firstI < 0) firstI = keep[0].i
          lastI = keep[keep.length - 1].i
          n += keep.length
          parts.push(fmt === 'csv' ? traceToCsv(keep).slice(TRACE_CSV_HEADER.length + 2) : traceToJsonl(keep))
        }
        cur = evs[evs.length - 1].i + 1
        progress.value = (cur - from) / Math.max(1, end - from)
      }
      const name = `trace-${n > 0 ? `${firstI}-${lastI}` : 'empty'}${pred ? '-filtered' : ''}.${fmt}`
      downloadBlob(name, new Blob(parts, { type: fmt === 'csv' ? 'text/csv' : 'application/x-ndjson' }))
      result.value = `saved ${n} events as ${name}`
    } catch (e) {
      if (my === run) result.value = `export failed: ${e instanceof Error ? e.message : String(e)} — click again to retry`
    } finally {
      if (my === run) progress.value = null
    }
  }

  function cancel(): void {
    run++
    progress.value = null
  }

  return { progress, result, exportAll, cancel }
}
