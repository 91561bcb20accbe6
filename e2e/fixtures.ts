// Shared Playwright fixtures for the flows, whatever the host (e2e/hosts.ts,
// docs/architecture.md#e2e-two-hosts):
//   page          — the host's page: a Chromium page on the browser host, or the Electron app's
//                   first window (the electron project of playwright.config.ts swaps `hostPage`);
//   lab           — the LabPage page object on that page;
//   labHost       — worker-scoped, for afterAll hooks: labHost.leaveDefault();
//   electronHost  — the Electron app of this test (relaunch, menus); electron project only;
//   cspViolations — CSP reports of the page;
//   rpc helpers for the browser host's /rpc WebSocket.
// In the electron project every test skips with NO_ELECTRON_REASON where no Electron binary exists
// (an auto fixture: it runs before any other, so nothing is launched or downloaded).
import { test as base, expect, type Page } from '@playwright/test'
import type { LabApi } from '../src/shared/contract'
import { browserHostPage, electronBinary, ElectronHost, LabHost, type HostKind } from './hosts'
import { LabPage } from './pages/LabPage'

/** window as the preload leaves it (the global augmentation lives in src/preload/index.d.ts) */
export type LabWindow = Window & { labApi?: LabApi }

export interface RpcReply {
  id: number | null
  result?: unknown
  error?: { message: string }
}

/** Opens ws://<page host>/rpc from the page, sends one request, resolves with the reply. */
export async function rpcFromPage(page: Page, method: string, params: unknown[], query = ''): Promise<RpcReply> {
  return page.evaluate(
    ({ method, params, query }) =>
      new Promise<RpcReply>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/rpc${query}`)
        const timer = setTimeout(() => reject(new Error('rpc timeout')), 30_000) // a bound for a busy machine, not a speed check
        ws.onerror = () => {
          clearTimeout(timer)
          reject(new Error('websocket error'))
        }
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, method, params }))
        ws.onmessage = (m) => {
          const msg = JSON.parse(String(m.data)) as RpcReply & { event?: unknown }
          if (msg.id !== 1) return // pushed events
          clearTimeout(timer)
          ws.close()
          resolve(msg)
        }
      }),
    { method, params, query }
  )
}

export interface HostTestFixtures {
  /** the host's page before any flow touches it; an option so a project can swap the function */
  hostPage: Page
  lab: LabPage
  electronHost: ElectronHost
  cspViolations: string[]
  requireHost: void
}

export interface HostWorkerFixtures {
  /** which host this project drives (set per project in playwright.config.ts) */
  hostKind: HostKind
  labHost: LabHost
}

export const test = base.extend<HostTestFixtures, HostWorkerFixtures>({
  hostKind: ['browser', { option: true, scope: 'worker' }],
  labHost: [async ({ hostKind }, use) => use(new LabHost(hostKind)), { scope: 'worker' }],

  // first of all: an electron project without a binary skips each test with the reason
  requireHost: [
    async ({ hostKind }, use, testInfo) => {
      if (hostKind === 'electron') {
        const bin = electronBinary()
        testInfo.skip('skip' in bin, 'skip' in bin ? bin.skip : '')
      }
      await use()
    },
    { auto: true }
  ],

  hostPage: [browserHostPage, { option: true }],
  page: async ({ hostPage }, use) => use(hostPage),
  lab: async ({ page }, use) => use(new LabPage(page)),

  electronHost: async ({ hostKind }, use, testInfo) => {
    const bin = electronBinary()
    if (hostKind !== 'electron' || 'skip' in bin) {
      throw new Error(`electronHost: only in the electron project with an Electron binary (${hostKind === 'electron' && 'skip' in bin ? bin.skip : `project host is ${hostKind}`})`)
    }
    const host = new ElectronHost(bin.path)
    try {
      await use(host)
    } finally {
      await host.dispose(testInfo)
    }
  },

  cspViolations: async ({ page }, use) => {
    const found: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) found.push(m.text())
    })
    await use(found)
  }
})

export { expect }
