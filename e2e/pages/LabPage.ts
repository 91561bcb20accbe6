// Page object for the lab window (browser host or Electron: same renderer, same test ids). What
// differs between the hosts stays here (e2e/hosts.ts): opening the window, calls into the lab
// (/rpc WebSocket or the preload's window.labApi) and downloads.
import { expect, type Locator, type Page } from '@playwright/test'
import { type LabApi, type ScenarioConfig, type Side } from '../../src/shared/contract'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import { hostOf, type HostKind } from '../hosts'

/** window.__lab, the renderer's read-only test hook (src/renderer/src/main.ts) */
interface LabHookWindow {
  __lab?: {
    consoleText(side: Side): string
    consoleCounts(side: Side): { received: number; written: number }
    snapshot(): unknown
  }
}

export class LabPage {
  readonly controls: Locator
  readonly statusBar: Locator
  readonly registers: Locator
  readonly peers: Locator
  readonly vrings: Locator
  readonly shmHex: Locator
  readonly timeline: Locator
  readonly explain: Locator
  readonly banner: Locator

  /** the host that opened the page (e2e/hosts.ts) */
  readonly host: HostKind

  constructor(readonly page: Page) {
    this.host = hostOf(page)
    this.controls = page.getByTestId('controls')
    this.statusBar = page.getByTestId('status-bar')
    this.registers = page.getByTestId('register-inspector')
    this.peers = page.getByTestId('peers')
    this.vrings = page.getByTestId('vring-inspector')
    this.shmHex = page.getByTestId('shm-hex')
    this.timeline = page.getByTestId('timeline')
    this.explain = page.getByTestId('explain')
    this.banner = page.getByTestId('time-travel-banner')
  }

  /** open the app (browser: load the host's page; Electron: the window loads itself) and wait
   * until the first snapshot is shown */
  async open(): Promise<void> {
    if (this.host === 'browser') await this.page.goto('/')
    else await this.page.waitForLoadState('domcontentloaded')
    await expect(this.controls).toBeVisible()
    await expect(this.page.getByTestId('status-connection')).toContainText('open')
    await expect(this.page.getByTestId('status-time')).not.toHaveText('—')
  }

  /**
   * Put the shared lab back into a known scenario through the service (the same call the Apply
   * button makes), so specs do not depend on each other's order.
   */
  async resetScenario(cfg: Partial<ScenarioConfig> = {}): Promise<void> {
    const full: Partial<ScenarioConfig> = { ...DEFAULT_SCENARIO, ...cfg }
    const reply = await this.rpc<{ ok: boolean }>('configure', [full])
    expect(reply.error, reply.error?.message).toBeUndefined()
    expect(reply.result?.ok).toBe(true)
    // configure() starts the new scenario running, even after a pause in an earlier spec
    await expect(this.page.getByTestId('status-run')).not.toHaveText('paused')
  }

  /**
   * One call into the lab from inside the page: over the browser host's /rpc WebSocket (same
   * origin), or in Electron through the preload's window.labApi (IPC, the same validation).
   */
  async rpc<T = unknown>(method: string, params: unknown[]): Promise<{ result?: T; error?: { message: string } }> {
    if (this.host === 'electron') {
      return this.page.evaluate(
        async ({ method, params }) => {
          const api = (window as Window & { labApi?: LabApi }).labApi as unknown as Record<string, ((...a: unknown[]) => Promise<T>) | undefined> | undefined
          const fn = api?.[method]
          if (typeof fn !== 'function') return { error: { message: `unknown method "${method}" (window.labApi)` } }
          try {
            return { result: await fn(...params) }
          } catch (err) {
            return { error: { message: err instanceof Error ? err.message : String(err) } }
          }
        },
        { method, params }
      )
    }
    return this.page.evaluate(
      ({ method, params }) =>
        new Promise<{ result?: T; error?: { message: string } }>((resolve, reject) => {
          const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc${location.search}`)
          const timer = setTimeout(() => reject(new Error(`${method}: rpc timeout`)), 30_000) // a bound for a busy machine, not a speed check
          ws.onerror = () => reject(new Error(`${method}: websocket error`))
          ws.onopen = () => ws.send(JSON.stringify({ id: 1, method, params }))
          ws.onmessage = (m) => {
            const msg = JSON.parse(String(m.data)) as { id?: number }
            if (msg.id !== 1) return
            clearTimeout(timer)
            ws.close()
            resolve(msg as never)
          }
        }),
      { method, params }
    )
  }

  // ---- controls ------------------------------------------------------------------------------

  ctl(name: 'profile' | 'order' | 'vectors' | 'shm-size' | 'shm-state' | 'latency' | 'gap' | 'until' | 'speed'): Locator {
    return this.page.getByTestId(`ctl-${name}`)
  }

  error(field: string): Locator {
    return this.page.getByTestId(`error-${field}`)
  }

  async setSpeed(speed: '1' | '10' | '100' | 'max'): Promise<void> {
    await this.ctl('speed').selectOption(speed)
    await expect(this.page.getByTestId('status-speed')).toHaveText(speed === 'max' ? 'max' : `×${speed}`)
  }

  async apply(): Promise<void> {
    await this.page.getByTestId('ctl-apply').click()
  }

  async pause(): Promise<void> {
    await this.page.getByTestId('ctl-pause').click()
    await expect(this.page.getByTestId('status-run')).toHaveText('paused')
  }

  async step(): Promise<void> {
    await this.page.getByTestId('ctl-step').click()
  }

  // ---- status --------------------------------------------------------------------------------

  async statusNumber(id: 'events' | 'trace' | 'interrupts' | 'doorbells-sent'): Promise<number> {
    return Number((await this.page.getByTestId(`status-${id}`).textContent())?.trim() ?? 'NaN')
  }

  /** the status-bar value once it no longer changes (e.g. right after a pause) */
  async stableStatusNumber(id: 'events' | 'trace'): Promise<number> {
    let prev = -1
    for (let k = 0; k < 20; k++) {
      const v = await this.statusNumber(id)
      if (v === prev) return v
      prev = v
      await this.page.waitForTimeout(150)
    }
    return prev
  }

  sideState(side: Side): Locator {
    return this.page.getByTestId(`status-${side}-state`)
  }

  // ---- consoles ------------------------------------------------------------------------------

  console(side: Side): Locator {
    return this.page.getByTestId(`console-${side}`)
  }

  /** the whole console log of one side, exactly as received (window.__lab hook) */
  async consoleText(side: Side): Promise<string> {
    return this.page.evaluate((s) => (window as unknown as LabHookWindow).__lab?.consoleText(s) ?? '', side)
  }

  /** the accessible hidden mirror <pre data-testid="console-<side>-text"> (tail of the log) */
  consoleMirror(side: Side): Locator {
    return this.page.getByTestId(`console-${side}-text`)
  }

  async waitForConsole(side: Side, text: string | RegExp, timeout = 30_000): Promise<void> {
    await expect
      .poll(async () => {
        const t = await this.consoleText(side)
        return typeof text === 'string' ? t.includes(text) : text.test(t)
      }, { timeout, message: `console ${side} should contain ${String(text)}` })
      .toBe(true)
  }

  async consoleCounts(side: Side): Promise<{ rx: number; written: number }> {
    const rx = Number(await this.page.getByTestId(`console-${side}-rx`).textContent())
    const written = Number(await this.page.getByTestId(`console-${side}-written`).textContent())
    return { rx, written }
  }

  /** console bytes the service says the guest produced (status bar "<service>/<received> B") */
  async serviceConsoleBytes(side: Side): Promise<number> {
    const t = (await this.page.getByTestId(`status-${side}-bytes`).textContent()) ?? ''
    return Number(/(\d+)\s*\//.exec(t)?.[1] ?? NaN)
  }

  // ---- inspectors ----------------------------------------------------------------------------

  /** register row by offset: reg(0x40) -> [data-testid="reg-0x040"] */
  reg(off: number): Locator {
    return this.page.getByTestId('reg-0x' + off.toString(16).padStart(3, '0'))
  }

  regValue(off: number): Locator {
    return this.reg(off).getByTestId('reg-value')
  }

  ring(queue: number): Locator {
    return this.page.getByTestId(`ring-${queue}`)
  }

  descRows(queue: number): Locator {
    return this.ring(queue).locator(`[data-testid^="ring-${queue}-desc-"]`)
  }

  peerCards(): Locator {
    return this.peers.locator('[data-testid^="peer-"][class*="peer"]')
  }

  vectorRows(peerId: number): Locator {
    return this.page.locator(`[data-testid^="peer-${peerId}-vec-"]`)
  }

  timelineEvents(): Locator {
    return this.timeline.locator('[data-testid^="event-"]')
  }

  /** show only these trace kinds in the timeline */
  async onlyKinds(...kinds: string[]): Promise<void> {
    await this.page.getByTestId('timeline-kinds-none').click()
    for (const k of kinds) await this.page.getByTestId('timeline-kind-' + k).check()
  }

  /**
   * click a button that saves a Blob; returns the suggested file name and the text. Both hosts
   * report a Playwright 'download' (Electron: launched with acceptDownloads, e2e/hosts.ts, so no
   * save dialog opens).
   */
  async download(testId: string): Promise<{ name: string; text: string }> {
    const [dl] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(testId).click()])
    const stream = await dl.createReadStream()
    const parts: Buffer[] = []
    for await (const c of stream) parts.push(c as Buffer)
    return { name: dl.suggestedFilename(), text: Buffer.concat(parts).toString('utf8') }
  }

  // ---- dock (docs/layout.md) -------------------------------------------------------------------

  /** the dock's tab of a panel (id from src/renderer/src/panels.ts) */
  dockTab(id: string): Locator {
    return this.page.locator(`.dv-tab[data-tab-panel-id="${id}"]`)
  }

  /** the maximise / restore button of the group whose visible panel is `id` */
  dockMax(id: string): Locator {
    return this.page.getByTestId('dock-max-' + id)
  }

  /** the panel ids of each group, in document order (each group's tabs left to right) */
  async dockGroups(): Promise<string[][]> {
    return this.page.evaluate(() =>
      Array.from(document.querySelectorAll('[data-testid="dock"] .dv-groupview')).map((g) =>
        Array.from(g.querySelectorAll('.dv-tab')).map((t) => (t as HTMLElement).dataset.tabPanelId ?? '')
      )
    )
  }

  /** what localStorage holds for the layout (null when nothing is saved) */
  async savedLayout(): Promise<{ version: number; layout: { grid: unknown } } | null> {
    const raw = await this.page.evaluate(() => localStorage.getItem('virtio-lab.layout'))
    return raw === null ? null : JSON.parse(raw)
  }

  /** the default layout's groups (src/renderer/src/panels.ts) */
  static readonly DEFAULT_GROUPS = [['console-device'], ['console-driver'], ['registers'], ['peers'], ['vrings'], ['shm'], ['timeline'], ['explain', 'compare', 'faults']]

  shmByte(off: number): Locator {
    return this.page.getByTestId('shm-byte-' + off.toString(16))
  }

  /** <output dir>/<name>.png, or <name>-electron.png from the Electron window (both projects run the same flows) */
  async screenshot(name: string): Promise<void> {
    const file = `${name}${this.host === 'electron' ? '-electron' : ''}.png`
    await this.page.screenshot({ path: `${process.env.E2E_OUTPUT_DIR ?? 'test-results'}/${file}`, fullPage: true })
  }
}
