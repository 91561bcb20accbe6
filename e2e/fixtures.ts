// Shared Playwright fixtures: `rpc` calls the lab over the WebSocket host from inside the page
// (same origin, same CSP as the renderer), and `cspViolations` collects CSP reports of the page.
import { test as base, expect, type Page } from '@playwright/test'
import type { LabApi } from '../src/shared/contract'

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

export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: async ({ page }, use) => {
    const found: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) found.push(m.text())
    })
    await use(found)
  }
})

export { expect }
