// Electron shell (thin): one sandboxed window (./window), the File/Help menus (./menu, ./dialogs),
// and ipcMain handlers (./ipc) that pass 'lab:<method>' calls through the same validation as the
// WebSocket host to LabService; ./web-guard keeps the web contents in their cage. This file holds
// the app's lifecycle and the settings it remembers. Only src/main and the preload import
// 'electron'; everything they use below is Electron-free and tested.

import { app, BrowserWindow, dialog, Menu, protocol } from 'electron'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { LabService } from '../host/service'
import type { ScenarioConfig } from '../shared/contract'
import { DEFAULT_SCENARIO } from '../shared/scenario'
import { MenuActions, PRODUCT } from './dialogs'
import { forwardEvents, registerIpc } from './ipc'
import { buildMenu } from './menu'
import { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME } from './security'
import { loadSettings, saveSettings, settingsPath, type Settings } from './settings'
import { guardNavigation, secureSession } from './web-guard'
import { createWindow } from './window'

// Tests and portable setups may point userData elsewhere (must happen before 'ready', and before
// requestSingleInstanceLock, which is scoped to userData). app.setPath throws for a relative path
// or a directory that does not exist, which would kill the main process before any window.
if (process.env.VIRTIO_LAB_USER_DATA) {
  const dir = resolve(process.env.VIRTIO_LAB_USER_DATA)
  mkdirSync(dir, { recursive: true })
  app.setPath('userData', dir)
}

// Must run before 'ready': the renderer is served from app://lab, not file://.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }
])
app.enableSandbox()

const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const allowedOrigins = [APP_ORIGIN, ...(devUrl ? [devUrl] : [])]
const rendererDir = join(__dirname, '../renderer')

let mainWindow: BrowserWindow | null = null
let service: LabService | null = null
let settingsFile = ''
let settings: Settings
let saveTimer: ReturnType<typeof setTimeout> | null = null

// ---- settings --------------------------------------------------------------------------------

function persistNow(): void {
  if (saveTimer) clearTimeout(saveTimer)
  saveTimer = null
  if (mainWindow && !mainWindow.isDestroyed()) {
    const b = mainWindow.getNormalBounds()
    settings.window = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: mainWindow.isMaximized() }
  }
  try {
    saveSettings(settingsFile, settings)
  } catch (err) {
    console.warn(`[settings] cannot save ${settingsFile}: ${(err as Error).message}`)
  }
}

function persistSoon(): void {
  if (saveTimer) clearTimeout(saveTimer)
  saveTimer = setTimeout(persistNow, 1000)
  saveTimer.unref?.()
}

function rememberConfig(config: ScenarioConfig): void {
  settings.scenario = config
}

guardNavigation()

// ---- window ----------------------------------------------------------------------------------

function openWindow(): BrowserWindow {
  return createWindow(settings.window, devUrl ?? APP_INDEX_URL, {
    moved: persistSoon,
    closing: persistNow,
    closed: (win) => {
      if (mainWindow === win) mainWindow = null
    }
  })
}

// ---- lifecycle -------------------------------------------------------------------------------

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore()
      mainWindow.focus()
    }
  })

  void app.whenReady().then(() => {
    settingsFile = settingsPath(app.getPath('userData'))
    const loaded = loadSettings(settingsFile)
    settings = loaded.settings
    if (loaded.warning) console.warn(`[settings] ${loaded.warning}`)

    secureSession(allowedOrigins, rendererDir)
    // First launch: the default scenario (device-first, 2 vectors, speed 1); later: the last one.
    try {
      service = new LabService(settings.scenario)
    } catch (err) {
      console.warn(`[settings] saved scenario refused by the lab (${(err as Error).message}); using the default scenario`)
      settings.scenario = structuredClone(DEFAULT_SCENARIO)
      service = new LabService(settings.scenario)
    }
    const window = (): BrowserWindow | null => mainWindow
    registerIpc(service, window, allowedOrigins)
    const unsubscribe = forwardEvents(service, window, (e) => {
      if (e.type === 'reset') {
        rememberConfig(e.config)
        persistSoon()
      } else if (e.type === 'snapshot') {
        rememberConfig(e.snap.config)
      }
    })
    Menu.setApplicationMenu(buildMenu(new MenuActions({ window, service: () => service, scenario: () => settings.scenario })))
    mainWindow = openWindow()
    service.start()
    if (loaded.firstRun) persistSoon()

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = openWindow()
    })
    app.once('will-quit', () => {
      persistNow()
      unsubscribe()
      service?.dispose()
      service = null
    })
  }).catch((err: unknown) => {
    // Without this, a startup error is an unhandled rejection: no window, yet the process keeps
    // running and holding the single-instance lock, so every later launch silently quits.
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
    console.error(`[startup] ${detail}`)
    dialog.showErrorBox(`${PRODUCT} cannot start`, detail)
    app.exit(1)
  })

  app.on('window-all-closed', () => app.quit())
}
