// The WebSocket host as a browser sees it: page, security headers, /rpc, socket-path policy,
// traversal. Browser host only: the electron project skips these (e2e/hosts.ts).
import { request as httpRequest } from 'node:http'
import { test, expect, rpcFromPage } from './fixtures'

/** raw GET so the path reaches the server un-normalised (browsers and fetch resolve '..') */
function rawGet(baseURL: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(baseURL)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

test.describe('browser host', () => {
  test.skip(({ hostKind }) => hostKind === 'electron', 'browser host only: HTTP headers, /rpc WebSocket and socket-dir policy of `virtio-lab serve`')

  test('serves the renderer with its CSP and security headers', async ({ page, cspViolations }) => {
    const res = await page.goto('/')
    expect(res?.status()).toBe(200)
    const headers = res!.headers()
    expect(headers['content-type']).toContain('text/html')
    const csp = headers['content-security-policy']
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(headers['x-content-type-options']).toBe('nosniff')
    await expect(page).toHaveTitle(/Virtio Serial Lab/)
    await page.waitForLoadState('networkidle')
    expect(cspViolations).toEqual([])
  })

  test('the page talks to /rpc over WebSocket without a token on loopback', async ({ page, cspViolations }) => {
    await page.goto('/')
    const snap = await rpcFromPage(page, 'getSnapshot', [])
    expect(snap.error).toBeUndefined()
    const s = snap.result as { seq: number; config: { profile: string; vectors: number } }
    expect(typeof s.seq).toBe('number')
    expect(s.config.profile).toBe('seed')
    const bad = await rpcFromPage(page, 'configure', [{ vectors: 65 }])
    expect(bad.error?.message).toBe('configure: vectors must be at most 64 (got 65)')
    const unknown = await rpcFromPage(page, 'dispose', [])
    expect(unknown.error?.message).toMatch(/^unknown method "dispose"/)
    expect(cspViolations).toEqual([])
  })

  test('a socket outside the allowed directories is refused next to the control, the lab unchanged', async ({ page, cspViolations }) => {
    await page.goto('/')
    await page.getByTestId('ctl-fabric').selectOption('attached')
    await page.getByTestId('ctl-socket').fill('/run/dbus/system_bus_socket')
    await page.getByTestId('ctl-apply').click()
    await expect(page.getByTestId('error-socket')).toContainText('SOCKET_NOT_ALLOWED: /run/dbus/system_bus_socket is outside the allowed directories')
    await expect(page.getByTestId('error-socket')).toContainText('--socket-dir DIR')
    const snap = await rpcFromPage(page, 'getSnapshot', [])
    expect((snap.result as { fabric: { kind: string } }).fabric.kind).toBe('emulated')
    expect(cspViolations).toEqual([])
  })

  test('path traversal gets 404', async ({ baseURL }) => {
    for (const p of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json', '/../../../../etc/passwd']) {
      const r = await rawGet(baseURL!, p)
      expect(r.status, p).toBe(404)
      expect(r.body, p).not.toContain('virtio-serial-lab')
      expect(r.body, p).not.toContain('root:')
    }
    expect((await rawGet(baseURL!, '/no-such-file.js')).status).toBe(404)
  })
})
