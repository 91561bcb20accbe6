// "Export all matching": the service filters and formats the kept trace and streams it in bounded
// chunks (LabApi exportBegin / exportNext, src/shared/traceExport.ts); the page never pages or
// filters the trace itself. In the app (window.labFiles) main writes the file the user picks; in
// the browser host the chunks become one Blob download. Progress is reactive; cancel stops the
// service's export too.
import { ref } from 'vue'
import type { LabApi, LabFiles, TraceExportFormat } from '../../../shared/contract'
import { downloadBlob } from '../download'

type ExportApi = Pick<LabApi, 'exportBegin' | 'exportNext' | 'exportCancel'>

export function useTraceExport(api: () => ExportApi, files: () => LabFiles | undefined = () => window.labFiles) {
  /** 0..1 while exporting, null when idle */
  const progress = ref<number | null>(null)
  const result = ref('')
  let run = 0
  let openId: number | null = null

  async function exportAll(fmt: TraceExportFormat, filter: string): Promise<void> {
    const my = ++run
    progress.value = 0
    result.value = ''
    try {
      const f = files()
      if (f) {
        const off = f.onExportProgress((p) => {
          if (my === run) progress.value = p.total ? p.scanned / p.total : 1
        })
        try {
          const r = await f.exportTrace(filter, fmt)
          if (my === run) result.value = r.message
        } finally {
          off()
        }
        return
      }
      const a = api()
      const b = await a.exportBegin(filter, fmt)
      if (my !== run) return void a.exportCancel(b.id).catch(() => {})
      openId = b.id
      const parts: string[] = []
      for (;;) {
        const c = await a.exportNext(b.id)
        if (my !== run) return
        if (c.data) parts.push(c.data)
        progress.value = c.total ? c.scanned / c.total : 1
        if (!c.done) continue
        openId = null
        const name = `trace-${c.firstMatch !== null ? `${c.firstMatch}-${c.lastMatch}` : 'empty'}${filter.trim() ? '-filtered' : ''}.${fmt}`
        downloadBlob(name, new Blob(parts, { type: fmt === 'csv' ? 'text/csv' : 'application/x-ndjson' }))
        const skipped = c.skipped ? ` (${c.skipped} dropped by the trace ring while exporting)` : ''
        result.value = `saved ${c.matched} events as ${name}${skipped}`
        return
      }
    } catch (e) {
      if (my === run) result.value = `export failed: ${e instanceof Error ? e.message : String(e)} — click again to retry`
    } finally {
      if (my === run) progress.value = null
    }
  }

  function cancel(): void {
    run++
    progress.value = null
    const id = openId
    openId = null
    if (id !== null) void api().exportCancel(id).catch(() => {})
    void files()?.cancelExport()
  }

  return { progress, result, exportAll, cancel }
}
