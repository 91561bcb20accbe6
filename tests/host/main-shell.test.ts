// The Electron shell (src/main/index.ts) against a mocked 'electron' module: the real Electron is
// never loaded (no binary here). Checks the security posture and the IPC wiring.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { LAB_EVENT_CHANNEL, LAB_FILES_CHANNELS, LAB_METHODS, type LabEvent } from '../../src/shared/contract'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'

const h = vi.hoisted(() => {
  type Fn = (...a: any[]) => any
  const state = {
    userData: '',
    setPaths: [] as [string, string][],
    documentsThrows: false,
    openExternalFails: false,
    loadFails: false,
    serviceFails: false,
    errorBoxes: [] as [string, string][],
    exitCode: null as number | null,
    privileged: [] as unknown[],
    sandboxEnabled: false,
    appHandlers: new Map<string, Fn[]>(),
    ipc: new Map<string, Fn>(),
    windows: [] as any[],
    headersHook: null as Fn | null,
    permissionRequest: null as Fn | null,
    permissionCheck: null as Fn | null,
    protocolHandlers: new Map<string, Fn>(),
    menuTemplate: null as any,
    opened: [] as string[],
    services: [] as any[],
    replays: [] as { events: unknown[]; opts: { signal?: AbortSignal } }[],
    finishReplay: null as (() => void) | null
  }
  class FakeWebContents {
    sent: [string, unknown][] = []
    handlers = new Map<string, Fn>()
    windowOpen: Fn | null = null
    mainFrame = { url: 'app://lab/index.html', parent: null }
    send(ch: string, e: unknown) {
      this.sent.push([ch, e])
    }
    isDestroyed() {
      return false
    }
    on(ev: string, fn: Fn) {
      this.handlers.set(ev, fn)
      return this
    }
    setWindowOpenHandler(fn: Fn) {
      this.windowOpen = fn
    }
  }
  class FakeWindow {
    webContents = new FakeWebContents()
    url = ''
    calls: string[] = []
    maximizedNow = false
    events = new Map<string, Fn>()
    constructor(public opts: any) {
      state.windows.push(this)
      // what Electron does for every web contents
      for (const fn of state.appHandlers.get('web-contents-created') ?? []) fn({}, this.webContents)
    }
    progress: number[] = []
    setProgressBar(p: number) {
      this.progress.push(p)
    }
    maximize() {
      this.calls.push('maximize')
    }
    show() {
      this.calls.push('show')
    }
    once(ev: string, fn: Fn) {
      this.events.set(ev, fn)
    }
    on(ev: string, fn: Fn) {
      this.events.set(ev, fn)
    }
    loadURL(u: string) {
      this.url = u
      return state.loadFails ? Promise.reject(new Error('ERR_CONNECTION_REFUSED (-102) loading ' + u)) : Promise.resolve()
    }
    isDestroyed() {
      return false
    }
    isMaximized() {
      return this.maximizedNow
    }
    getNormalBounds() {
      return { x: 1, y: 2, width: 1000, height: 700 }
    }
    static getAllWindows() {
      return state.windows
    }
  }
  return { state, FakeWindow }
})

vi.mock('electron', () => {
  const { state, FakeWindow } = h
  const on = (ev: string, fn: (...a: unknown[]) => unknown) => {
    if (!state.appHandlers.has(ev)) state.appHandlers.set(ev, [])
    state.appHandlers.get(ev)!.push(fn)
  }
  return {
    app: {
      isPackaged: true,
      setPath: (k: string, v: string) => {
        // like Electron: the path must be absolute and exist
        if (!isAbsolute(v) || !existsSync(v)) throw new Error(`setPath: ${v} must be an existing absolute path`)
        state.setPaths.push([k, v])
      },
      getPath: (k: string) => {
        if (k === 'userData') return state.userData
        if (k === 'documents' && state.documentsThrows) throw new Error("Failed to get 'documents' path")
        return '/tmp'
      },
      getVersion: () => '0.1.0',
      getAppPath: () => '/app',
      enableSandbox: () => {
        state.sandboxEnabled = true
      },
      requestSingleInstanceLock: () => true,
      on,
      once: on,
      whenReady: () => Promise.resolve(),
      quit: () => {},
      exit: (code: number) => {
        state.exitCode = code
      }
    },
    BrowserWindow: FakeWindow,
    dialog: {
      showMessageBox: vi.fn(),
      showOpenDialog: vi.fn(),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
      showErrorBox: (title: string, content: string) => state.errorBoxes.push([title, content])
    },
    ipcMain: { handle: (ch: string, fn: (...a: unknown[]) => unknown) => state.ipc.set(ch, fn) },
    Menu: { buildFromTemplate: (t: unknown) => ((state.menuTemplate = t), t), setApplicationMenu: () => {} },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s),
      handle: (scheme: string, fn: (...a: unknown[]) => unknown) => state.protocolHandlers.set(scheme, fn)
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: (...a: unknown[]) => unknown) => (state.headersHook = fn) },
        setPermissionRequestHandler: (fn: (...a: unknown[]) => unknown) => (state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: (...a: unknown[]) => unknown) => (state.permissionCheck = fn),
        setDevicePermissionHandler: () => {}
      }
    },
    shell: {
      openExternal: async (u: string) => {
        if (state.openExternalFails) throw new Error('Failed to open: xdg-open not found')
        state.opened.push(u)
      }
    }
  }
})

vi.mock('../../src/host/service', async () => {
  const { FakeLab } = await import('./fake-lab')
  class LabService extends FakeLab {
    started = false
    constructor(cfg: object) {
      if (h.state.serviceFails) throw new Error('lab: cannot allocate shared memory')
      super()
      this.config = { ...this.config, ...cfg }
      h.state.services.push(this)
    }
    start() {
      this.started = true
    }
    dispose() {}
    /** a replay that reports half-way progress, then waits for its signal or finishes on demand */
    loadTrace(events: unknown[], opts: { signal?: AbortSignal; onProgress?: (p: { t: number; end: number; fraction: number }) => void }) {
      h.state.replays.push({ events, opts })
      opts.onProgress?.({ t: 1, end: 2, fraction: 0.5 })
      return new Promise((resolve) => {
        const cancelled = () => resolve({ ok: false, message: 'replay cancelled at t = 0.000 s of 0.000 s; the previous session is unchanged' })
        if (opts.signal?.aborted) return cancelled()
        opts.signal?.addEventListener('abort', cancelled)
        h.state.finishReplay = () => resolve({ ok: true, message: 'replayed to 0.000 s: all 1 events match the file' })
      })
    }
  }
  return { LabService }
})

const { state } = h
let win: InstanceType<typeof h.FakeWindow>

let customUserData = ''
beforeAll(async () => {
  state.userData = mkdtempSync(join(tmpdir(), 'vsl-main-'))
  // a portable profile that does not exist yet (Electron's setPath would throw for it)
  customUserData = join(state.userData, 'portable', 'profile')
  process.env.VIRTIO_LAB_USER_DATA = customUserData
  await import('../../src/main/index')
  delete process.env.VIRTIO_LAB_USER_DATA
  await new Promise((r) => setTimeout(r, 10))
  win = state.windows[0]
})
afterAll(() => rmSync(state.userData, { recursive: true, force: true }))

describe('Electron shell (mocked electron)', () => {
  it('creates a sandboxed, isolated window served from app://lab', () => {
    expect(state.sandboxEnabled).toBe(true)
    expect(state.privileged).toHaveLength(1)
    const { scheme, privileges } = state.privileged[0] as { scheme: string; privileges: Record<string, boolean> }
    expect(scheme).toBe('app')
    // ES module scripts (type=module crossorigin) need a standard + secure scheme; same-origin only,
    // so neither corsEnabled (lets other origins read it) nor bypassCSP (exempts it from the CSP)
    expect(privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true })
    expect(privileges.bypassCSP).toBeFalsy()
    expect(privileges.corsEnabled).toBeFalsy()
    expect(win.opts.show).toBe(false)
    expect(win.opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false
    })
    expect(win.opts.webPreferences.preload).toMatch(/preload[\\/]index\.js$/)
    expect(win.url).toBe('app://lab/index.html')
    expect(win.events.has('ready-to-show')).toBe(true)
  })

  it('creates a missing VIRTIO_LAB_USER_DATA directory and passes an absolute path to setPath', () => {
    expect(existsSync(customUserData)).toBe(true)
    expect(state.setPaths).toEqual([['userData', customUserData]])
  })

  it('starts the default scenario on first launch', () => {
    expect(state.services).toHaveLength(1)
    expect(state.services[0].started).toBe(true)
    expect(state.services[0].config).toMatchObject({ order: 'device-first', vectors: 2, speed: 1 })
  })

  it('registers one handler per LabMethod that checks the sender, then validates', async () => {
    expect([...state.ipc.keys()].sort()).toEqual([...LAB_METHODS.map((m) => `lab:${m}`), 'files:exportTrace', 'files:cancelExport'].sort())
    const ok = { sender: win.webContents, senderFrame: { url: 'app://lab/index.html', parent: null } }
    const snap = (await state.ipc.get('lab:getSnapshot')!(ok)) as { config: unknown }
    expect(snap.config).toBeTruthy()
    await expect(state.ipc.get('lab:configure')!(ok, { vectors: 65 })).rejects.toThrow(
      'configure: vectors must be at most 64 (got 65)'
    )
    const foreign = [
      { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: win.webContents, senderFrame: { url: 'app://lab/index.html', parent: {} } },
      { sender: win.webContents, senderFrame: null },
      { sender: {}, senderFrame: { url: 'app://lab/index.html', parent: null } },
      { sender: win.webContents, senderFrame: { url: 'file:///work/main/out/renderer/index.html', parent: null } }
    ]
    for (const ev of foreign) {
      expect(() => state.ipc.get('lab:getSnapshot')!(ev)).toThrow(/refused: the caller is not the lab window/)
    }
  })

  it('pushes LabEvents on the event channel', () => {
    const ev: LabEvent = { type: 'console', side: 'device', data: 'x', seq: 0 }
    state.services[0].emit(ev)
    expect(win.webContents.sent.at(-1)).toEqual([LAB_EVENT_CHANNEL, ev])
  })

  it('denies navigation, new windows and permissions; opens only allowlisted links', async () => {
    // Electron 45: the URL is details.url on the event; the positional argument is deprecated
    const prevent = vi.fn()
    win.webContents.handlers.get('will-navigate')!({ preventDefault: prevent, url: 'https://evil.example/' })
    expect(prevent).toHaveBeenCalled()
    const prevent2 = vi.fn()
    win.webContents.handlers.get('will-navigate')!({ preventDefault: prevent2, url: 'https://github.com/zephyrproject-rtos/zephyr' })
    expect(prevent2).toHaveBeenCalled()
    expect(win.webContents.windowOpen!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(win.webContents.windowOpen!({ url: 'https://docs.oasis-open.org/virtio/' })).toEqual({ action: 'deny' })
    await new Promise((r) => setTimeout(r, 0))
    expect(state.opened).toEqual(['https://github.com/zephyrproject-rtos/zephyr', 'https://docs.oasis-open.org/virtio/'])
    const cb = vi.fn()
    state.permissionRequest!({}, 'media', cb, { requestingUrl: 'app://lab/index.html' })
    expect(cb).toHaveBeenCalledWith(false)
    expect(state.permissionCheck!({}, 'geolocation', 'app://lab', {})).toBe(false)
  })

  it('allows clipboard writes only to our own page', () => {
    const ours = vi.fn()
    state.permissionRequest!({}, 'clipboard-sanitized-write', ours, { requestingUrl: 'app://lab/index.html' })
    expect(ours).toHaveBeenCalledWith(true)
    const theirs = vi.fn()
    state.permissionRequest!({}, 'clipboard-sanitized-write', theirs, { requestingUrl: 'https://evil.example/' })
    expect(theirs).toHaveBeenCalledWith(false)
    expect(state.permissionCheck!(null, 'clipboard-sanitized-write', 'app://lab', {})).toBe(true)
    expect(state.permissionCheck!(null, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false)
  })

  it('a failing shell.openExternal is logged, not an unhandled rejection', async () => {
    state.openExternalFails = true
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      expect(win.webContents.windowOpen!({ url: 'https://www.qemu.org/docs/' })).toEqual({ action: 'deny' })
      await new Promise((r) => setTimeout(r, 0))
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('cannot open https://www.qemu.org/docs/'))
    } finally {
      state.openExternalFails = false
      warn.mockRestore()
    }
  })

  it('adds the CSP to the responses of our origin, and leaves other responses alone', () => {
    const cb = vi.fn()
    state.headersHook!(
      { url: 'app://lab/assets/index.js', responseHeaders: { 'content-security-policy': ['x'], 'X-Other': ['1'] } },
      cb
    )
    const headers = cb.mock.calls[0][0].responseHeaders
    expect(headers['Content-Security-Policy'][0]).toContain("default-src 'self'")
    expect(headers['content-security-policy']).toBeUndefined()
    expect(headers['X-Other']).toEqual(['1'])
    for (const url of ['devtools://devtools/bundled/devtools_app.html', 'https://example.com/']) {
      const other = vi.fn()
      state.headersHook!({ url, responseHeaders: { 'X-Other': ['1'] } }, other)
      expect(other, url).toHaveBeenCalledWith({})
    }
  })

  it('serves the renderer over app://lab with a content type and the security headers', async () => {
    const handler = state.protocolHandlers.get('app')!
    // under vitest __dirname is src/main, so the renderer dir is src/renderer (its index.html)
    for (const u of ['app://lab/index.html', 'app://lab/']) {
      const res = (await handler({ url: u, method: 'GET' })) as Response
      expect(res.status, u).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await res.text()).toContain('<div id="app"></div>')
    }
  })

  it('serves app:// from the renderer dir only', async () => {
    const handler = state.protocolHandlers.get('app')!
    for (const u of ['app://lab/../../package.json', 'app://lab/%2e%2e/%2e%2e/package.json', 'app://other/index.html', 'app://lab/nope.js']) {
      const res = (await handler({ url: u })) as Response
      expect(res.status, u).toBe(404)
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    }
  })

  it('has the File and Help menus', () => {
    const labels = (state.menuTemplate as { label?: string; submenu?: { label?: string; role?: string }[] }[]).map((m) => m.label)
    expect(labels).toContain('File')
    expect(labels).toContain('Help')
    const file = state.menuTemplate.find((m: { label?: string }) => m.label === 'File').submenu.map((i: { label?: string }) => i.label)
    expect(file).toEqual(['Open trace…', 'Save trace…', 'Export console logs…', 'Log consoles to file…', undefined, 'Quit'])
    const help = state.menuTemplate.find((m: { label?: string }) => m.label === 'Help').submenu.map((i: { label?: string }) => i.label)
    expect(help).toEqual(['About Virtio Serial Lab'])
  })
  it('Log consoles to file…: a save dialog per side, the file shown as a checked item, a click stops it', async () => {
    const { dialog } = await import('electron')
    const dir = mkdtempSync(join(tmpdir(), 'vsl-log-'))
    const fileMenu = () => state.menuTemplate.find((m: { label?: string }) => m.label === 'File').submenu as { label?: string; checked?: boolean; click?: () => void }[]
    vi.mocked(dialog.showSaveDialog)
      .mockResolvedValueOnce({ canceled: false, filePath: join(dir, 'dev.log') })
      .mockResolvedValueOnce({ canceled: true, filePath: '' }) // instance_2: left as it is
    fileMenu().find((i) => i.label === 'Log consoles to file…')!.click!()
    await vi.waitFor(() => expect(fileMenu().some((i) => i.label?.startsWith('Logging instance_1'))).toBe(true))
    const item = fileMenu().find((i) => i.label?.startsWith('Logging instance_1'))!
    expect(item.label).toBe(`Logging instance_1 → ${join(dir, 'dev.log')}`)
    expect(item.checked).toBe(true)
    expect(fileMenu().some((i) => i.label?.includes('instance_2'))).toBe(false)
    expect(readFileSync(join(dir, 'dev.log'), 'utf8')).toMatch(/^── instance_1 log opened .*, virtio-lab app, profile seed ──\n/)
    item.click!()
    expect(fileMenu().some((i) => i.label?.startsWith('Logging'))).toBe(false)
    rmSync(dir, { recursive: true, force: true })
  })

  it('files:exportTrace: a save dialog, then the service export written by main; foreign callers refused', async () => {
    const { dialog } = await import('electron')
    const ok = { sender: win.webContents, senderFrame: { url: 'app://lab/index.html', parent: null } }
    const foreign = { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null } }
    const h = state.ipc.get(LAB_FILES_CHANNELS.exportTrace)!
    await expect(h(foreign, '', 'csv')).rejects.toThrow('exportTrace: refused')
    await expect(h(ok, '', 'xml')).rejects.toThrow("format must be 'jsonl' or 'csv'")
    await expect(h(ok, '', 'csv')).resolves.toEqual({ ok: false, canceled: true, message: 'export cancelled' }) // the dialog's default: cancel
    const dir = mkdtempSync(join(tmpdir(), 'vsl-exp-'))
    vi.mocked(dialog.showSaveDialog).mockResolvedValueOnce({ canceled: false, filePath: join(dir, 't.csv') })
    const r = (await h(ok, '', 'csv')) as { ok: boolean; message: string }
    expect(r.ok).toBe(true)
    expect(readFileSync(join(dir, 't.csv'), 'utf8').split('\r\n')[0]).toBe('i,t_ns,kind,side,summary')
    await expect(state.ipc.get(LAB_FILES_CHANNELS.cancelExport)!(foreign)).rejects.toThrow('cancelExport: refused')
    rmSync(dir, { recursive: true, force: true })
  })

  it('Save trace… still opens the dialog when the documents folder is unknown', async () => {
    const { dialog } = await import('electron')
    state.documentsThrows = true
    try {
      const file = state.menuTemplate.find((m: { label?: string }) => m.label === 'File').submenu
      file.find((i: { label?: string }) => i.label === 'Save trace…').click()
      await vi.waitFor(() => expect(dialog.showSaveDialog).toHaveBeenCalled())
      const opts = vi.mocked(dialog.showSaveDialog).mock.calls.at(-1)!.at(-1) as { defaultPath: string }
      expect(opts.defaultPath).toMatch(/^virtio-lab-trace-[\d-T]+\.jsonl$/)
    } finally {
      state.documentsThrows = false
    }
  })

  it('Open trace… replays with a Cancel box and taskbar progress; Cancel aborts the replay', async () => {
    const { dialog } = await import('electron')
    const dir = mkdtempSync(join(tmpdir(), 'vsl-open-'))
    const file = join(dir, 't.jsonl')
    writeFileSync(file, '{"i":0,"t":0,"k":"guest","op":"scenario","config":{}}\n')
    vi.mocked(dialog.showOpenDialog).mockResolvedValue({ canceled: false, filePaths: [file] } as never)
    const open = () => state.menuTemplate.find((m: { label?: string }) => m.label === 'File').submenu.find((i: { label?: string }) => i.label === 'Open trace…').click()
    try {
      // 1. the user presses Cancel: the box resolves at once, the replay's signal aborts
      vi.mocked(dialog.showMessageBox).mockResolvedValue({ response: 0, checkboxChecked: false })
      win.progress.length = 0
      open()
      await vi.waitFor(() => expect(state.replays).toHaveLength(1))
      const box = vi.mocked(dialog.showMessageBox).mock.calls.find((c) => (c.at(-1) as { buttons?: string[] }).buttons?.[0] === 'Cancel')!.at(-1) as { signal: AbortSignal; message: string }
      expect(box.message).toBe('Replaying 1 trace events…')
      await vi.waitFor(() => expect(state.replays[0]!.opts.signal!.aborted).toBe(true))
      await vi.waitFor(() => expect(win.progress).toEqual([0.5, -1]))
      // 2. a replay that finishes closes its Cancel box (signal) without cancelling itself
      vi.mocked(dialog.showMessageBox).mockReset()
      let boxSignal: AbortSignal | undefined
      vi.mocked(dialog.showMessageBox).mockImplementation(((_w: unknown, o: { signal?: AbortSignal }) =>
        new Promise((resolve) => {
          if (!o.signal) return resolve({ response: 0, checkboxChecked: false })
          boxSignal = o.signal
          o.signal.addEventListener('abort', () => resolve({ response: 0, checkboxChecked: false }))
        })) as never)
      open()
      await vi.waitFor(() => expect(state.replays).toHaveLength(2))
      await vi.waitFor(() => expect(state.finishReplay).not.toBeNull())
      state.finishReplay!()
      await vi.waitFor(() => expect(boxSignal?.aborted).toBe(true))
      expect(state.replays[1]!.opts.signal!.aborted).toBe(false)
    } finally {
      vi.mocked(dialog.showMessageBox).mockReset()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // keep last: replaces the main window
  it('restores a maximized window only when it is ready to show (maximize() would show it early)', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    state.loadFails = true
    try {
      win.maximizedNow = true
      win.events.get('close')!({}) // persists { maximized: true }
      win.events.get('closed')!()
      state.windows.length = 0
      for (const fn of state.appHandlers.get('activate') ?? []) fn({}, false)
      const again = state.windows[0]
      expect(again).toBeDefined()
      expect(again.calls).toEqual([]) // still hidden
      again.events.get('ready-to-show')!()
      expect(again.calls).toEqual(['maximize', 'show'])
      // a failed load is logged, not an unhandled rejection
      await new Promise((r) => setTimeout(r, 0))
      expect(err).toHaveBeenCalledWith(expect.stringContaining('cannot load app://lab/index.html'))
    } finally {
      state.loadFails = false
      err.mockRestore()
    }
  })
})

describe('Electron shell, a later launch', () => {
  it('starts the scenario saved by the previous run, not the default', async () => {
    const saved = { ...DEFAULT_SCENARIO, order: 'driver-first', vectors: 4, speed: 10, latency: 50_000 }
    const dir = mkdtempSync(join(tmpdir(), 'vsl-main-saved-'))
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, window: { width: 1000, height: 700, maximized: false }, scenario: saved }))
    const before = { userData: state.userData, services: state.services.length }
    state.userData = dir
    try {
      vi.resetModules()
      await import('../../src/main/index')
      await vi.waitFor(() => expect(state.services.length).toBe(before.services + 1))
      const svc = state.services.at(-1)
      expect(svc.config).toEqual(saved)
      expect(svc.started).toBe(true)
    } finally {
      state.userData = before.userData
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('Electron shell startup failure', () => {
  it('shows an error box and exits instead of lingering without a window', async () => {
    state.serviceFails = true
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      vi.resetModules()
      await import('../../src/main/index')
      await vi.waitFor(() => expect(state.exitCode).toBe(1))
      expect(state.errorBoxes).toHaveLength(1)
      expect(state.errorBoxes[0][0]).toBe('Virtio Serial Lab cannot start')
      expect(state.errorBoxes[0][1]).toContain('cannot allocate shared memory')
    } finally {
      state.serviceFails = false
      warn.mockRestore()
      err.mockRestore()
    }
  })
})
