// IPC for the app's "export all matching" (window.labFiles, src/preload): a save dialog, then
// writeTraceExport (trace-export-file.ts) with progress to the renderer and the taskbar, and a
// cancel. One export at a time: a new one cancels the previous.

import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { LAB_FILES_CHANNELS as CH, type LabApi } from '../shared/contract'
import { writeTraceExport } from './trace-export-file'

export function registerTraceExportIpc(api: LabApi, win: () => BrowserWindow | null, trusted: (e: IpcMainInvokeEvent) => boolean): void {
  let running: AbortController | null = null
  ipcMain.handle(CH.exportTrace, async (event, filter: unknown, format: unknown) => {
    if (!trusted(event)) throw new Error('exportTrace: refused: the caller is not the lab window')
    if (typeof filter !== 'string' || filter.length > 4096) throw new Error('exportTrace: filter must be a string of at most 4096 characters')
    if (format !== 'jsonl' && format !== 'csv') throw new Error("exportTrace: format must be 'jsonl' or 'csv'")
    const w = win()
    if (!w) return { ok: false, message: 'no window' }
    const r = await dialog.showSaveDialog(w, {
      title: filter.trim() ? `Export the events matching “${filter.trim()}”` : 'Export all kept trace events',
      defaultPath: `trace${filter.trim() ? '-filtered' : ''}.${format}`,
      filters: [format === 'csv' ? { name: 'CSV', extensions: ['csv'] } : { name: 'JSON Lines', extensions: ['jsonl'] }]
    })
    if (r.canceled || !r.filePath) return { ok: false, canceled: true, message: 'export cancelled' }
    running?.abort()
    const ac = new AbortController()
    running = ac
    try {
      return await writeTraceExport(api, r.filePath, filter, format, {
        signal: ac.signal,
        onProgress: (c) => {
          if (w.isDestroyed()) return
          w.setProgressBar(c.total ? c.scanned / c.total : 1)
          w.webContents.send(CH.progress, { scanned: c.scanned, total: c.total, matched: c.matched })
        }
      })
    } finally {
      if (running === ac) running = null
      if (!w.isDestroyed()) w.setProgressBar(-1)
    }
  })
  ipcMain.handle(CH.cancelExport, async (event) => {
    if (!trusted(event)) throw new Error('cancelExport: refused: the caller is not the lab window')
    running?.abort()
  })
}
