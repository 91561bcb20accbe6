// The Electron shell (src/main/index.ts) against a mocked 'electron' module: the real Electron is
// never loaded (no binary here). Checks the security posture and the IPC wiring.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LAB_EVENT_CHANNEL, LAB_METHODS, type LabEvent } from '../../src/shared/contract'

const h = vi.hoisted(() => {
  type Fn = (...a: any[]) => any
  const state = {
    userData: '',
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
    services: [] as any[]
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
    events = new Map<string, Fn>()
    constructor(public opts: any) {
      state.windows.push(this)
      // what Electron does for every web contents
      for (const fn of state.appHandlers.get('web-contents-created') ?? []) fn({}, this.webContents)
    }
    maximize() {}
    once(ev: string, fn: Fn) {
      this.events.set(ev, fn)
    }
    on(ev: string, fn: Fn) {
      this.events.set(ev, fn)
    }
    loadURL(u: string) {
      this.url = u
      return Promise.resolve()
    }
    isDestroyed() {
      return false
    }
    isMaximized() {
      return false
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
      setPath: () => {},
      getPath: (k: string) => (k === 'userData' ? state.userData : '/tmp'),
      getVersion: () => '0.1.0',
      getAppPath: () => '/app',
      enableSandbox: () => {
        state.sandboxEnabled = true
      },
      requestSingleInstanceLock: () => true,
      on,
      once: on,
      whenReady: () => Promise.resolve(),
      quit: () => {}
    },
    BrowserWindow: FakeWindow,
    dialog: { showMessageBox: vi.fn(), showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
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
    shell: { openExternal: async (u: string) => void state.opened.push(u) }
  }
})

vi.mock('../../src/host/service', async () => {
  const { FakeLab } = await import('./fake-lab')
  class LabService extends FakeLab {
    started = false
    constructor(cfg: object) {
      super()
      this.config = { ...this.config, ...cfg }
      h.state.services.push(this)
    }
    start() {
      this.started = true
    }
    dispose() {}
  }
  return { LabService }
})

const { state } = h
let win: InstanceType<typeof h.FakeWindow>

beforeAll(async () => {
  state.userData = mkdtempSync(join(tmpdir(), 'vsl-main-'))
  await import('../../src/main/index')
  await new Promise((r) => setTimeout(r, 10))
  win = state.windows[0]
})
afterAll(() => rmSync(state.userData, { recursive: true, force: true }))

describe('Electron shell (mocked electron)', () => {
  it('creates a sandboxed, isolated window served from app://lab', () => {
    expect(state.sandboxEnabled).toBe(true)
    expect(state.privileged).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })
    ])
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

  it('starts the default scenario on first launch', () => {
    expect(state.services).toHaveLength(1)
    expect(state.services[0].started).toBe(true)
    expect(state.services[0].config).toMatchObject({ order: 'device-first', vectors: 2, speed: 1 })
  })

  it('registers one handler per LabMethod that checks the sender, then validates', async () => {
    expect([...state.ipc.keys()].sort()).toEqual(LAB_METHODS.map((m) => `lab:${m}`).sort())
    const ok = { sender: win.webContents, senderFrame: { url: 'app://lab/index.html', parent: null } }
    const snap = (await state.ipc.get('lab:getSnapshot')!(ok)) as { config: unknown }
    expect(snap.config).toBeTruthy()
    await expect(state.ipc.get('lab:configure')!(ok, { vectors: 65 })).rejects.toThrow(
      'configure: vectors must be an integer 1..64 (got 65)'
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
    const prevent = vi.fn()
    win.webContents.handlers.get('will-navigate')!({ preventDefault: prevent }, 'https://evil.example/')
    expect(prevent).toHaveBeenCalled()
    expect(win.webContents.windowOpen!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(win.webContents.windowOpen!({ url: 'https://docs.oasis-open.org/virtio/' })).toEqual({ action: 'deny' })
    await new Promise((r) => setTimeout(r, 0))
    expect(state.opened).toEqual(['https://docs.oasis-open.org/virtio/'])
    const cb = vi.fn()
    state.permissionRequest!({}, 'media', cb)
    expect(cb).toHaveBeenCalledWith(false)
    expect(state.permissionCheck!({}, 'geolocation')).toBe(false)
  })

  it('adds the CSP to every response', () => {
    const cb = vi.fn()
    state.headersHook!({ responseHeaders: { 'content-security-policy': ['x'], 'X-Other': ['1'] } }, cb)
    const headers = cb.mock.calls[0][0].responseHeaders
    expect(headers['Content-Security-Policy'][0]).toContain("default-src 'self'")
    expect(headers['content-security-policy']).toBeUndefined()
    expect(headers['X-Other']).toEqual(['1'])
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
    expect(file).toEqual(['Open trace…', 'Save trace…', 'Export console logs…', undefined, 'Quit'])
    const help = state.menuTemplate.find((m: { label?: string }) => m.label === 'Help').submenu.map((i: { label?: string }) => i.label)
    expect(help).toEqual(['About Virtio Serial Lab'])
  })
})
