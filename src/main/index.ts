// Electron shell (thin): one sandboxed window, the File/Help menus, and ipcMain handlers that pass
// 'lab:<method>' calls through the same validation as the WebSocket host (dispatch) to LabService.
// The only non-preload file that imports 'electron'; everything it uses is Electron-free and tested.

import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions
} from 'electron'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { LabService } from '../host/service'
import { dispatch } from '../host/validate'
import { RENDERER_CSP, SECURITY_HEADERS } from '../host/web/headers'
import { readStaticFile } from '../host/web/static'
import { LAB_EVENT_CHANNEL, LAB_METHODS, type LabApi, type LabEvent, type ScenarioConfig, type TraceEvent } from '../shared/contract'
import { DEFAULT_SCENARIO } from '../shared/scenario'
import { exportConsoleLogs, readTraceJsonl, writeTraceJsonl } from './exports'
import { APP_HOST, APP_INDEX_URL, APP_ORIGIN, APP_SCHEME, isAllowedExternalUrl, isTrustedOrigin } from './security'
import { fitWindowToDisplays, loadSettings, saveSettings, settingsPath, type Settings } from './settings'

const PRODUCT = 'Virtio Serial Lab'

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

// ---- links -----------------------------------------------------------------------------------

/** The only way a URL leaves the app: https to an allowlisted host, in the user's browser. */
async function safeOpenExternal(url: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url)) {
    console.warn(`[security] blocked opening ${url}`)
    return false
  }
  try {
    await shell.openExternal(url)
    return true
  } catch (err) {
    // e.g. no browser / xdg-open failure on Linux: log, don't leave an unhandled rejection
    console.warn(`[links] cannot open ${url}: ${(err as Error).message}`)
    return false
  }
}

app.on('web-contents-created', (_e, contents) => {
  // details.url: the positional url argument is deprecated (electron.d.ts, Electron 45)
  contents.on('will-navigate', (ev) => {
    ev.preventDefault()
    if (isAllowedExternalUrl(ev.url)) void safeOpenExternal(ev.url)
  })
  contents.on('will-redirect', (ev) => ev.preventDefault())
  contents.on('will-attach-webview', (ev) => ev.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void safeOpenExternal(url)
    return { action: 'deny' }
  })
})

// ---- IPC -------------------------------------------------------------------------------------

/** The sender must be the top frame of our window, showing our own origin. */
function isOurSender(event: IpcMainInvokeEvent): boolean {
  const win = mainWindow
  const frame = event.senderFrame
  if (!win || win.isDestroyed() || !frame) return false
  if (event.sender !== win.webContents) return false
  if (frame.parent !== null) return false
  return isTrustedOrigin(frame.url, allowedOrigins)
}

function registerIpc(api: LabApi): void {
  for (const method of LAB_METHODS) {
    ipcMain.handle(`lab:${method}`, (event, ...args: unknown[]) => {
      if (!isOurSender(event)) {
        throw new Error(`${method}: refused: the caller is not the lab window`)
      }
      return dispatch(api, method, args)
    })
  }
}

function forwardEvents(api: LabApi): () => void {
  return api.subscribe((e: LabEvent) => {
    if (e.type === 'reset') {
      rememberConfig(e.config)
      persistSoon()
    } else if (e.type === 'snapshot') {
      rememberConfig(e.snap.config)
    }
    const win = mainWindow
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(LAB_EVENT_CHANNEL, e)
  })
}

// ---- menu ------------------------------------------------------------------------------------

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
}

async function reportError(title: string, err: unknown): Promise<void> {
  const opts = { type: 'error' as const, title, message: title, detail: err instanceof Error ? err.message : String(err) }
  if (mainWindow && !mainWindow.isDestroyed()) await dialog.showMessageBox(mainWindow, opts)
  else await dialog.showMessageBox(opts)
}

async function info(message: string, detail: string): Promise<void> {
  const opts = { type: 'info' as const, title: PRODUCT, message, detail }
  if (mainWindow && !mainWindow.isDestroyed()) await dialog.showMessageBox(mainWindow, opts)
  else await dialog.showMessageBox(opts)
}

async function replayWithCancel(svc: LabService, events: TraceEvent[], file: string): Promise<{ ok: boolean; message: string }> {
  const win = mainWindow
  const cancel = new AbortController()
  const closeBox = new AbortController()
  if (win && !win.isDestroyed()) {
    void dialog
      .showMessageBox(win, { type: 'info', title: PRODUCT, message: `Replaying ${events.length} trace events…`, detail: file, buttons: ['Cancel'], cancelId: 0, signal: closeBox.signal })
      .then(() => {
        if (!closeBox.signal.aborted) cancel.abort() // the user pressed Cancel (or closed the box)
      })
  }
  try {
    return await svc.loadTrace(events, {
      signal: cancel.signal,
      onProgress: (p) => {
        if (win && !win.isDestroyed()) win.setProgressBar(p.fraction)
      }
    })
  } finally {
    closeBox.abort()
    if (win && !win.isDestroyed()) win.setProgressBar(-1)
  }
}

async function openTrace(): Promise<void> {
  if (!mainWindow || !service) return
  const r = await dialog.showOpenDialog(mainWindow, {
    title: 'Open trace',
    filters: [{ name: 'Trace (JSON Lines)', extensions: ['jsonl'] }, { name: 'All files', extensions: ['*'] }],
    properties: ['openFile']
  })
  const file = r.filePaths[0]
  if (r.canceled || !file) return
  try {
    const { events, errors } = await readTraceJsonl(file)
    const skipped = errors.length ? `\n${errors.length} line(s) skipped, first: ${errors[0]}` : ''
    // the service replays the trace's scenario and user actions, paused at its last event, in
    // slices (the window stays live); progress in the taskbar, a Cancel box while it runs
    const res = await replayWithCancel(service, events, file)
    await info(res.ok ? `Opened ${events.length} trace events` : 'The trace could not be replayed exactly', `${file}${skipped}\n${res.message}`)
  } catch (err) {
    await reportError('Cannot open the trace', err)
  }
}

async function saveTrace(): Promise<void> {
  if (!mainWindow || !service) return
  const name = `virtio-lab-trace-${stamp()}.jsonl`
  let defaultPath = name
  try {
    defaultPath = join(app.getPath('documents'), name) // app.getPath throws when the folder is unknown
  } catch {
    /* let the dialog pick its default folder */
  }
  const r = await dialog.showSaveDialog(mainWindow, {
    title: 'Save trace',
    defaultPath,
    filters: [{ name: 'Trace (JSON Lines)', extensions: ['jsonl'] }]
  })
  if (r.canceled || !r.filePath) return
  try {
    const n = await writeTraceJsonl(service, r.filePath)
    await info(`Saved ${n} trace events`, r.filePath)
  } catch (err) {
    await reportError('Cannot save the trace', err)
  }
}

async function exportLogs(): Promise<void> {
  if (!mainWindow || !service) return
  const r = await dialog.showOpenDialog(mainWindow, {
    title: 'Export console logs to folder',
    buttonLabel: 'Export here',
    properties: ['openDirectory', 'createDirectory', 'promptToCreate']
  })
  const dir = r.filePaths[0]
  if (r.canceled || !dir) return
  try {
    const files = await exportConsoleLogs(service, dir)
    await info('Console logs exported', files.map((f) => `${f.file} (${f.bytes} bytes)`).join('\n'))
  } catch (err) {
    await reportError('Cannot export the console logs', err)
  }
}

async function showAbout(): Promise<void> {
  let scenario = settings.scenario
  try {
    if (service) scenario = (await service.getSnapshot()).config
  } catch {
    /* keep the remembered one */
  }
  await info(
    `${PRODUCT} ${app.getVersion()}`,
    [
      `Profile: ${scenario.profile}`,
      `Scenario: ${scenario.order}, ${scenario.vectors} vectors, speed ${scenario.speed}`,
      `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`
    ].join('\n')
  )
}

/** a dock command for the renderer: a DOM event its useDockLayout listens to (no new IPC channel) */
function dockCommand(name: 'reset-layout' | 'toggle-maximize'): void {
  const win = mainWindow
  if (!win || win.isDestroyed()) return
  win.webContents.executeJavaScript(`window.dispatchEvent(new Event('virtio-lab:${name}'))`).catch(() => {
    /* the page is reloading: nothing to lay out */
  })
}

function buildMenu(): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open trace…', accelerator: 'CmdOrCtrl+O', click: () => void openTrace() },
        { label: 'Save trace…', accelerator: 'CmdOrCtrl+S', click: () => void saveTrace() },
        { label: 'Export console logs…', accelerator: 'CmdOrCtrl+E', click: () => void exportLogs() },
        { type: 'separator' },
        { role: 'quit', label: 'Quit' }
      ]
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        // the dock (docs/layout.md): the renderer owns these keys (registerAccelerator: false), the
        // menu items send it the same command
        { id: 'reset-layout', label: 'Reset layout', accelerator: 'Ctrl+Alt+0', registerAccelerator: false, click: () => dockCommand('reset-layout') },
        { id: 'toggle-maximize', label: 'Maximise / restore panel', accelerator: 'Ctrl+Alt+M', registerAccelerator: false, click: () => dockCommand('toggle-maximize') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }])
      ]
    },
    {
      role: 'help',
      label: 'Help',
      submenu: [{ label: `About ${PRODUCT}`, click: () => void showAbout() }]
    }
  ]
  return Menu.buildFromTemplate(template)
}

// ---- window ----------------------------------------------------------------------------------

function createWindow(): BrowserWindow {
  const bounds = fitWindowToDisplays(
    settings.window,
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
  const maximized = settings.window.maximized
  win.once('ready-to-show', () => {
    if (maximized) win.maximize()
    win.show()
  })
  win.on('resize', persistSoon)
  win.on('move', persistSoon)
  win.on('close', persistNow)
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  const url = devUrl ?? APP_INDEX_URL
  win.loadURL(url).catch((err: unknown) => {
    // loadURL rejects on a failed load (e.g. dev server down); Chromium's error page still shows
    console.error(`[window] cannot load ${url}: ${err instanceof Error ? err.message : String(err)}`)
  })
  return win
}

function secureSession(): void {
  const ses = session.defaultSession
  // The renderer is served by us; add the CSP to every response of our origins (app:// and the dev
  // server). Other responses of the session (DevTools, anything else) are left untouched.
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isTrustedOrigin(details.url, allowedOrigins)) {
      callback({})
      return
    }
    const headers: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) {
      if (k.toLowerCase() !== 'content-security-policy') headers[k] = v
    }
    headers['Content-Security-Policy'] = [RENDERER_CSP]
    callback({ responseHeaders: headers })
  })
  // Only copying console text, and only by our own page, is allowed; cameras, notifications,
  // serial, etc. are denied.
  const allowed = new Set(['clipboard-sanitized-write'])
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowed.has(permission) && isTrustedOrigin(details.requestingUrl, allowedOrigins))
  )
  ses.setPermissionCheckHandler(
    (_wc, permission, requestingOrigin) => allowed.has(permission) && isTrustedOrigin(requestingOrigin, allowedOrigins)
  )
  ses.setDevicePermissionHandler(() => false)

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    const found = url.host === APP_HOST ? await readStaticFile(rendererDir, url.pathname) : null
    if (!found) {
      return new Response('not found', { status: 404, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' } })
    }
    return new Response(new Uint8Array(found.body), {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': found.type }
    })
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

    secureSession()
    // First launch: the default scenario (device-first, 2 vectors, speed 1); later: the last one.
    try {
      service = new LabService(settings.scenario)
    } catch (err) {
      console.warn(`[settings] saved scenario refused by the lab (${(err as Error).message}); using the default scenario`)
      settings.scenario = structuredClone(DEFAULT_SCENARIO)
      service = new LabService(settings.scenario)
    }
    registerIpc(service)
    const unsubscribe = forwardEvents(service)
    Menu.setApplicationMenu(buildMenu())
    mainWindow = createWindow()
    service.start()
    if (loaded.firstRun) persistSoon()

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
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
