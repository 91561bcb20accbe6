// Sandboxed preload: exposes exactly the LabApi contract as window.labApi, and the app's file
// export as window.labFiles (LabFiles), nothing else.
// Each method is one ipcRenderer.invoke('lab:<method>', ...args); main validates (dispatch).
// Bundled as one CommonJS file (electron-vite preload format 'cjs'); only 'electron' is required.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { LAB_EVENT_CHANNEL, LAB_FILES_CHANNELS, type LabApi, type LabEvent, type LabFiles } from '../shared/contract'

/** Electron prefixes rejections with "Error invoking remote method 'lab:x': Error: "; drop it so
 * the renderer sees the same message over IPC as over the WebSocket host. */
function cleanError(err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err)
  return new Error(msg.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, ''))
}

function call<T>(method: string, ...args: unknown[]): Promise<T> {
  return (ipcRenderer.invoke(`lab:${method}`, ...args) as Promise<T>).catch((err: unknown) => {
    throw cleanError(err)
  })
}

const api: LabApi = {
  getSnapshot: () => call('getSnapshot'),
  configure: (cfg) => call('configure', cfg),
  control: (c) => call('control', c),
  sendInput: (side, data) => call('sendInput', side, data),
  getTrace: (from, count) => call('getTrace', from, count),
  snapshotAt: (i) => call('snapshotAt', i),
  readShm: (off, len) => call('readShm', off, len),
  consoleSince: (side, seq) => call('consoleSince', side, seq),
  resizeConsole: (side, cols, rows) => call('resizeConsole', side, cols, rows),
  compare: () => call('compare'),
  cancelCompare: () => call('cancelCompare'),
  exportBegin: (filter, format) => call('exportBegin', filter, format),
  exportNext: (id) => call('exportNext', id),
  exportCancel: (id) => call('exportCancel', id),
  injectFault: (kind) => call('injectFault', kind),
  subscribe(listener: (e: LabEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, e: LabEvent): void => listener(e)
    ipcRenderer.on(LAB_EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(LAB_EVENT_CHANNEL, handler)
    }
  }
}

// the app's file export: main shows the save dialog and writes the file (no path crosses here)
const files: LabFiles = {
  exportTrace: (filter, format) =>
    (ipcRenderer.invoke(LAB_FILES_CHANNELS.exportTrace, filter, format) as ReturnType<LabFiles['exportTrace']>).catch((err: unknown) => {
      throw cleanError(err)
    }),
  cancelExport: () => ipcRenderer.invoke(LAB_FILES_CHANNELS.cancelExport) as Promise<void>,
  onExportProgress(listener) {
    const handler = (_event: IpcRendererEvent, p: { scanned: number; total: number; matched: number }): void => listener(p)
    ipcRenderer.on(LAB_FILES_CHANNELS.progress, handler)
    return () => {
      ipcRenderer.removeListener(LAB_FILES_CHANNELS.progress, handler)
    }
  }
}

contextBridge.exposeInMainWorld('labApi', api)
contextBridge.exposeInMainWorld('labFiles', files)
