// The e2e run starts its own host on a port of its own and never attaches to a server it did not
// start (issue #6: reuseExistingServer could hijack and reset a user's `npm start` on 4173).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createServer } from 'node:net'

interface Cfg {
  use: { baseURL: string }
  webServer: { command: string; url: string; reuseExistingServer: boolean }
}

async function load(): Promise<Cfg> {
  vi.resetModules()
  return (await import('../../playwright.config')).default as unknown as Cfg
}

afterEach(() => vi.unstubAllEnvs())

describe('playwright.config', () => {
  it('without E2E_PORT picks a free port (not 4173), tells the workers, and never reuses a server', async () => {
    vi.stubEnv('E2E_PORT', undefined)
    vi.stubEnv('CI', undefined)
    const cfg = await load()
    const port = Number(process.env.E2E_PORT)
    expect(Number.isInteger(port) && port > 0).toBe(true)
    expect(port).not.toBe(4173)
    expect(cfg.use.baseURL).toBe(`http://127.0.0.1:${port}`)
    expect(cfg.webServer.url).toBe(`http://127.0.0.1:${port}`)
    expect(cfg.webServer.command).toContain(`--port ${port}`)
    expect(cfg.webServer.reuseExistingServer).toBe(false)
    // the port was free: we can listen on it
    await new Promise<void>((resolve, reject) => {
      const s = createServer().once('error', reject).listen(port, '127.0.0.1', () => s.close(() => resolve()))
    })
  })

  it('honours E2E_PORT, still without reuse, and refuses a bad one', async () => {
    vi.stubEnv('E2E_PORT', '4204')
    const cfg = await load()
    expect(cfg.use.baseURL).toBe('http://127.0.0.1:4204')
    expect(cfg.webServer.reuseExistingServer).toBe(false)
    vi.stubEnv('E2E_PORT', '42x')
    await expect(load()).rejects.toThrow("E2E_PORT must be a port number 1..65535, got '42x'")
  })
})
