// The app's "export all matching": main pulls the service's streamed export (exportBegin /
// exportNext) and writes each chunk straight to the file the user chose, so neither process
// holds the export in memory. Electron-free (tested with real files); trace-export-ipc.ts wires
// it to a save dialog and the renderer.

import { open } from 'node:fs/promises'
import type { LabApi, TraceExportChunk, TraceExportFormat } from '../shared/contract'

export interface TraceExportResult {
  ok: boolean
  /** 'saved 1234 events (5 dropped by the trace ring while exporting)', or why not */
  message: string
  matched: number
  skipped: number
}

export async function writeTraceExport(
  api: Pick<LabApi, 'exportBegin' | 'exportNext' | 'exportCancel'>,
  path: string,
  filter: string,
  format: TraceExportFormat,
  opts: { signal?: AbortSignal; onProgress?: (c: TraceExportChunk) => void } = {}
): Promise<TraceExportResult> {
  const b = await api.exportBegin(filter, format) // a bad filter throws before a file is made
  let file
  try {
    file = await open(path, 'w')
  } catch (e) {
    await api.exportCancel(b.id)
    return { ok: false, message: `cannot write '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, matched: 0, skipped: 0 }
  }
  let last: TraceExportChunk | null = null
  try {
    for (;;) {
      if (opts.signal?.aborted) {
        await api.exportCancel(b.id)
        return { ok: false, message: `export cancelled: '${path}' holds the first ${last?.matched ?? 0} matching events`, matched: last?.matched ?? 0, skipped: last?.skipped ?? 0 }
      }
      const c = await api.exportNext(b.id)
      if (c.data) await file.write(c.data, null, 'utf8')
      last = c
      opts.onProgress?.(c)
      if (c.done) break
    }
  } catch (e) {
    await api.exportCancel(b.id).catch(() => {})
    return { ok: false, message: `export failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, matched: last?.matched ?? 0, skipped: last?.skipped ?? 0 }
  } finally {
    await file.close()
  }
  const skipped = last.skipped ? ` (${last.skipped} dropped by the trace ring while exporting)` : ''
  return { ok: true, message: `saved ${last.matched} events to ${path}${skipped}`, matched: last.matched, skipped: last.skipped }
}
