// The two hosts a flow runs against (docs/architecture.md#e2e-two-hosts):
//   browser  — Debian's Chromium on the WebSocket host that playwright.config.ts starts (one lab,
//              shared by every test of the run: specs reset it through /rpc);
//   electron — the built app (out/main) launched by Playwright's _electron, a fresh user-data dir
//              (VIRTIO_LAB_USER_DATA) per test, its first window as the Page (one lab per test).
// The host-page functions below are fixture functions: fixtures.ts uses the browser one by default
// and the electron project of playwright.config.ts swaps in the electron one (`use: { hostPage }`).
// This file must not call test()/test.extend(): the config imports it.
import { _electron, type BrowserContext, type ElectronApplication, type Page, type TestInfo } from '@playwright/test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'
import { findElectronBinary, NO_ELECTRON_REASON } from './electron'

export type HostKind = 'browser' | 'electron'

/** which host opened a page (LabPage asks: open, rpc and downloads differ) */
const pageHosts = new WeakMap<Page, HostKind>()

export function hostOf(page: Page): HostKind {
  return pageHosts.get(page) ?? 'browser'
}

type Use<T> = (value: T) => Promise<void>

/** browser host: a new page in the test's context (what Playwright's own `page` fixture does) */
export async function browserHostPage({ context }: { context: BrowserContext }, use: Use<Page>): Promise<void> {
  const page = await context.newPage()
  pageHosts.set(page, 'browser')
  await use(page)
}

/** electron host: the first window of the app launched for this test, sized like a browser page */
export async function electronHostPage(
  { electronHost, viewport }: { electronHost: ElectronHost; viewport: { width: number; height: number } | null },
  use: Use<Page>
): Promise<void> {
  const page = await electronHost.launch()
  if (viewport) await page.setViewportSize(viewport)
  await use(page)
}

/**
 * One Electron app per test on its own user-data dir (settings, saved layout, localStorage), so
 * tests start from the first-launch state and never see each other's lab. relaunch() keeps the dir
 * (what a user's restart keeps).
 */
export class ElectronHost {
  app: ElectronApplication | null = null
  readonly userData = mkdtempSync(join(tmpdir(), 'vsl-electron-'))

  constructor(readonly executablePath: string) {}

  async launch(): Promise<Page> {
    if (this.app) throw new Error('ElectronHost.launch: the app is already running; use relaunch()')
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
    delete env.ELECTRON_RENDERER_URL // the built renderer (app://lab), never a dev server
    delete env.ELECTRON_RUN_AS_NODE
    env.VIRTIO_LAB_USER_DATA = this.userData
    this.app = await _electron.launch({
      executablePath: this.executablePath,
      // '.': package.json "main" (out/main/index.js, built by `npx electron-vite build`)
      args: ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: process.cwd(),
      env,
      // <a download> (src/renderer/src/download.ts) becomes a Playwright 'download' event, as in
      // the browser, instead of Electron's save dialog; Electron needs this said explicitly
      acceptDownloads: true
    })
    const page = await this.app.firstWindow()
    pageHosts.set(page, 'electron')
    return page
  }

  async relaunch(): Promise<Page> {
    await this.close()
    return this.launch()
  }

  /** click an application-menu item (src/main/menu.ts) by its id, or by its labels: ['File', 'Save trace…'] */
  async clickMenu(item: string | string[]): Promise<void> {
    if (!this.app) throw new Error('ElectronHost.clickMenu: the app is not running')
    const found = await this.app.evaluate(({ Menu }, item) => {
      const menu = Menu.getApplicationMenu()
      let hit: Electron.MenuItem | null | undefined
      if (typeof item === 'string') hit = menu?.getMenuItemById(item)
      else {
        let items = menu?.items ?? []
        for (const label of item) {
          hit = items.find((m) => m.label === label)
          items = hit?.submenu?.items ?? []
        }
      }
      hit?.click()
      return !!hit
    }, item)
    if (!found) throw new Error(`ElectronHost.clickMenu: no menu item ${JSON.stringify(item)}`)
  }

  /**
   * The shell's native dialogs (src/main/dialogs.ts), answered without a person: a save dialog
   * returns `save`, an open dialog `open` (both cancel when not given), and message boxes are
   * recorded (dialogMessages) and dismissed; a box with an AbortSignal (the replay's Cancel box)
   * stays up until the shell aborts it, as a person who does not press Cancel.
   */
  async answerDialogs(answers: { save?: string; open?: string[] }): Promise<void> {
    if (!this.app) throw new Error('ElectronHost.answerDialogs: the app is not running')
    await this.app.evaluate(({ dialog }, a) => {
      type Box = { message: string; detail?: string; signal?: AbortSignal }
      const seen: { message: string; detail?: string }[] = []
      ;(globalThis as { __e2eDialogs?: typeof seen }).__e2eDialogs = seen
      const d = dialog as unknown as Record<string, unknown>
      d.showSaveDialog = async () => (a.save ? { canceled: false, filePath: a.save } : { canceled: true, filePath: '' })
      d.showOpenDialog = async () => ({ canceled: !a.open, filePaths: a.open ?? [] })
      d.showMessageBox = async (...args: unknown[]) => {
        const box = args[args.length - 1] as Box
        seen.push({ message: box.message, detail: box.detail })
        const signal = box.signal
        if (signal && !signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
        return { response: 0, checkboxChecked: false }
      }
    }, answers)
  }

  /** the message boxes shown since answerDialogs() */
  async dialogMessages(): Promise<{ message: string; detail?: string }[]> {
    if (!this.app) return []
    return this.app.evaluate(() => (globalThis as { __e2eDialogs?: { message: string; detail?: string }[] }).__e2eDialogs ?? [])
  }

  async close(): Promise<void> {
    const app = this.app
    this.app = null
    await app?.close()
  }

  /** close the app, keep a screenshot of a failed test, remove the user-data dir */
  async dispose(testInfo: TestInfo): Promise<void> {
    if (this.app && testInfo.status !== testInfo.expectedStatus) {
      const win = this.app.windows()[0]
      if (win) await win.screenshot({ path: testInfo.outputPath('electron-failure.png') }).catch(() => undefined)
    }
    await this.close().catch(() => undefined)
    rmSync(this.userData, { recursive: true, force: true })
  }
}

/** the Electron binary for the electron project, or the reason every test of it skips */
export function electronBinary(): { path: string } | { skip: string } {
  const bin = findElectronBinary()
  return bin ? { path: bin.path } : { skip: NO_ELECTRON_REASON }
}

/** one JSON-RPC call to the browser host from Node (no Origin header: allowed, src/host/web/policy.ts) */
export function hostRpc(port: number, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { message: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`)
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`${method}: rpc timeout`))
    }, 30_000) // a bound for a busy machine, not a speed check
    ws.on('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`${method}: ${err.message}`))
    })
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method, params })))
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } }
      if (msg.id !== 1) return // pushed events
      clearTimeout(timer)
      ws.close()
      resolve(msg)
    })
  })
}

/** The host as a whole, for hooks that outlive one test (test.afterAll). */
export class LabHost {
  constructor(readonly kind: HostKind) {}

  /**
   * Leave the lab in its default scenario for whoever runs next. The browser host's lab is shared
   * by the whole run; each Electron test has its own app, so there is nothing to leave behind.
   */
  async leaveDefault(): Promise<void> {
    if (this.kind === 'electron') return
    const port = Number(process.env.E2E_PORT) // set by playwright.config.ts, inherited by workers
    const reply = await hostRpc(port, 'configure', [DEFAULT_SCENARIO])
    if (reply.error) throw new Error(`leaveDefault: ${reply.error.message}`)
  }
}
