// The lab window: sandboxed, context-isolated, its bounds from the settings (fitted to the
// displays there are now), shown on its first paint.

import { app, BrowserWindow, screen } from 'electron'
import { join } from 'node:path'
import { PRODUCT } from './dialogs'
import { fitWindowToDisplays, type Settings } from './settings'

export interface WindowHooks {
  /** bounds changed: save soon */
  moved(): void
  /** closing: save now */
  closing(): void
  closed(win: BrowserWindow): void
}

export function createWindow(saved: Settings['window'], url: string, hooks: WindowHooks): BrowserWindow {
  const bounds = fitWindowToDisplays(
    saved,
    screen.getAllDisplays().map((d) => d.workArea)
  )
  const win = new BrowserWindow({
    title: PRODUCT,
    ...bounds,
    minWidth: 800,
    minHeight: 560,
    show: false,
    backgroundColor: '#0f172a',
    autoHideMenuBar: false,
    ...(process.platform === 'linux' && !app.isPackaged ? { icon: join(app.getAppPath(), 'build/icon.png') } : {}),
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true
    }
  })
  // maximize() also shows a hidden window (electron.d.ts), so it waits for the first paint too
  const maximized = saved.maximized
  win.once('ready-to-show', () => {
    if (maximized) win.maximize()
    win.show()
  })
  win.on('resize', hooks.moved)
  win.on('move', hooks.moved)
  win.on('close', hooks.closing)
  win.on('closed', () => hooks.closed(win))
  win.loadURL(url).catch((err: unknown) => {
    // loadURL rejects on a failed load (e.g. dev server down); Chromium's error page still shows
    console.error(`[window] cannot load ${url}: ${err instanceof Error ? err.message : String(err)}`)
  })
  return win
}
