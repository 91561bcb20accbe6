// ipcMain wiring: 'lab:<method>' calls from our own window only, through the same validation as
// the WebSocket host (dispatch) to the service; the service's events forwarded to the window.

import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { dispatch } from '../host/validate'
import { LAB_EVENT_CHANNEL, LAB_METHODS, type LabApi, type LabEvent } from '../shared/contract'
import { isTrustedOrigin } from './security'

/** The sender must be the top frame of our window, showing our own origin. */
function isOurSender(event: IpcMainInvokeEvent, win: BrowserWindow | null, allowedOrigins: readonly string[]): boolean {
  const frame = event.senderFrame
  if (!win || win.isDestroyed() || !frame) return false
  if (event.sender !== win.webContents) return false
  if (frame.parent !== null) return false
  return isTrustedOrigin(frame.url, allowedOrigins)
}

export function registerIpc(api: LabApi, window: () => BrowserWindow | null, allowedOrigins: readonly string[]): void {
  for (const method of LAB_METHODS) {
    ipcMain.handle(`lab:${method}`, (event, ...args: unknown[]) => {
      if (!isOurSender(event, window(), allowedOrigins)) {
        throw new Error(`${method}: refused: the caller is not the lab window`)
      }
      return dispatch(api, method, args)
    })
  }
}

/** push every event to the window; `seen` sees each first (the shell remembers the scenario) */
export function forwardEvents(api: LabApi, window: () => BrowserWindow | null, seen: (e: LabEvent) => void): () => void {
  return api.subscribe((e: LabEvent) => {
    seen(e)
    const win = window()
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(LAB_EVENT_CHANNEL, e)
  })
}
