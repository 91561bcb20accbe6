import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { WebSocket } from 'ws'
import type { LabEvent } from '../../src/shared/contract'
import { startHost, type HostHandle } from '../../src/host/ws-host'
import { EventChannel, type EventSink } from '../../src/host/web/event-channel'
import { isLoopbackHost } from '../../src/host/web/policy'
import { RENDERER_CSP } from '../../src/host/web/headers'
import { resolveStaticPath } from '../../src/host/web/static'
import { FakeLab } from './fake-lab'

let base: string
let rendererDir: string

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'vsl-host-'))
  rendererDir = join(base, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Virtio Serial Lab</title><div id="app"></div>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{}')
  writeFileSync(join(rendererDir, 'assets', 'logo.svg'), '<svg/>')
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET')
  symlinkSync(join(base, 'secret.txt'), join(rendererDir, 'assets', 'link.txt'))
})
afterAll(() => rmSync(base, { recursive: true, force: true }))

const hosts: HostHandle[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

async function start(lab = new FakeLab(), extra: { host?: string; token?: string } = {}) {
  const h = await startHost({ service: lab, port: 0, host: extra.host ?? '127.0.0.1', token: extra.token, rendererDir })
  hosts.push(h)
  return { h, lab }
}

interface Got {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** raw GET: the path goes on the wire as given (no client-side normalisation) */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('latin1')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

class Client {
  private next = 1
  private pending = new Map<number, (m: Record<string, unknown>) => void>()
  events: LabEvent[] = []
  other: Record<string, unknown>[] = []
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>
      if ('event' in m) this.events.push(m.event as LabEvent)
      else if (typeof m.id === 'number' && this.pending.has(m.id)) {
        this.pending.get(m.id)!(m)
        this.pending.delete(m.id)
      } else this.other.push(m)
    })
  }
  call(method: string, params: unknown[]): Promise<Record<string, unknown>> {
    const id = this.next++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }
  async waitFor(pred: () => boolean, ms = 2000): Promise<void> {
    const t0 = Date.now()
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error('timeout')
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.ws.once('close', () => r())
      this.ws.close()
    })
  }
}

describe('static serving', () => {
  it('serves index.html for / with the security headers', async () => {
    const { h } = await start()
    expect(h.url).toBe(`http://127.0.0.1:${h.port}/`)
    expect(h.port).toBeGreaterThan(0)
    const r = await get(h.port, '/')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(r.body).toContain('Virtio Serial Lab')
    expect(r.headers['content-security-policy']).toBe(RENDERER_CSP)
    expect(r.headers['x-content-type-options']).toBe('nosniff')
    expect(r.headers['x-frame-options']).toBe('DENY')
    expect(r.headers['referrer-policy']).toBe('no-referrer')
  })

  it('uses the right content types and 404s misses', async () => {
    const { h } = await start()
    expect((await get(h.port, '/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await get(h.port, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await get(h.port, '/assets/logo.svg')).headers['content-type']).toBe('image/svg+xml')
    expect((await get(h.port, '/index.html?x=1')).status).toBe(200)
    const miss = await get(h.port, '/nope.js')
    expect(miss.status).toBe(404)
    expect(miss.headers['content-security-policy']).toBe(RENDERER_CSP)
    expect((await get(h.port, '/assets')).status).toBe(404)
    // browsers' automatic favicon request is answered quietly
    expect((await get(h.port, '/favicon.ico')).status).toBe(204)
  })

  it('refuses path traversal, encoded or not, and symlinks out of the root', async () => {
    const { h } = await start()
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
      '//etc/passwd',
      '/assets/link.txt',
      '/%00',
      '/%E0%A4%A'
    ]) {
      const r = await get(h.port, p)
      expect([400, 404], p).toContain(r.status)
      expect(r.body, p).not.toContain('TOP SECRET')
      expect(r.body, p).not.toContain('root:')
    }
  })

  it('resolveStaticPath stays inside the root', () => {
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html')
    expect(resolveStaticPath('/srv/r', '/a/b.js')).toBe('/srv/r/a/b.js')
    expect(resolveStaticPath('/srv/r', '/../x')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/a/%2e%2e/%2e%2e/x')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/%zz')).toBeNull()
    expect(resolveStaticPath('/srv/r', 'x')).toBeNull()
  })

  it('refuses other methods and foreign Host headers on a tokenless loopback host', async () => {
    const { h } = await start()
    expect((await get(h.port, '/', { Host: `evil.example:${h.port}` })).status).toBe(421)
    expect((await get(h.port, '/', { Host: `localhost:${h.port}` })).status).toBe(200)
    const post = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: h.port, path: '/', method: 'POST' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end('x')
    })
    expect(post).toBe(405)
  })
})

describe('RPC over /rpc', () => {
  it('round-trips calls to the service', async () => {
    const { h, lab } = await start()
    const c = new Client(await connect(`ws://127.0.0.1:${h.port}/rpc`))
    const snap = await c.call('getSnapshot', [])
    expect(snap.id).toBe(1)
    expect((snap.result as { config: unknown }).config).toEqual(lab.config)
    expect(await c.call('readShm', [4, 2])).toEqual({ id: 2, result: [4, 5] })
    expect(await c.call('sendInput', ['device', 'hi'])).toEqual({ id: 3, result: null })
    expect(lab.calls.map((x) => x.method)).toEqual(['getSnapshot', 'readShm', 'sendInput'])
    await c.close()
  })

  it('answers invalid params and unknown methods with a clear error', async () => {
    const { h, lab } = await start()
    const c = new Client(await connect(`ws://127.0.0.1:${h.port}/rpc`))
    expect(await c.call('configure', [{ vectors: 65 }])).toEqual({
      id: 1,
      error: { message: 'configure: vectors must be at most 64 (got 65)' }
    })
    const unknown = await c.call('dispose', [])
    expect((unknown.error as { message: string }).message).toMatch(/^unknown method "dispose"/)
    lab.failNext = 'the lab is busy'
    expect(await c.call('getSnapshot', [])).toEqual({ id: 3, error: { message: 'the lab is busy' } })
    c.ws.send('not json')
    c.ws.send(JSON.stringify({ method: 'getSnapshot', params: [] }))
    await c.waitFor(() => c.other.length === 2)
    expect(c.other[0]).toEqual({ id: null, error: { message: 'bad request: not JSON' } })
    expect(c.other[1]).toEqual({ id: null, error: { message: 'bad request: id must be an integer' } })
    expect(lab.calls.map((x) => x.method)).toEqual(['getSnapshot'])
    await c.close()
  })

  it('pushes events to every client and unsubscribes on close', async () => {
    const { h, lab } = await start()
    const a = new Client(await connect(`ws://127.0.0.1:${h.port}/rpc`))
    const b = new Client(await connect(`ws://127.0.0.1:${h.port}/rpc`))
    await a.waitFor(() => lab.listeners.size === 2)
    lab.emit({ type: 'console', side: 'device', data: 'Hello', seq: 0 })
    lab.emit({ type: 'trace', events: [{ i: 0, t: 5, k: 'doorbell', side: 'driver' }] })
    await a.waitFor(() => a.events.length === 2 && b.events.length === 2)
    expect(a.events[0]).toEqual({ type: 'console', side: 'device', data: 'Hello', seq: 0 })
    expect(b.events[1]).toEqual({ type: 'trace', events: [{ i: 0, t: 5, k: 'doorbell', side: 'driver' }] })
    // a configure through RPC triggers a reset event for both clients
    await a.call('configure', [{ vectors: 4 }])
    await b.waitFor(() => b.events.some((e) => e.type === 'reset'))
    await a.close()
    await b.waitFor(() => lab.listeners.size === 1)
    await b.close()
    await b.waitFor(() => lab.listeners.size === 0)
  })

  it('refuses WebSocket upgrades from another origin and on other paths', async () => {
    const { h } = await start()
    await expect(connect(`ws://127.0.0.1:${h.port}/rpc`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(connect(`ws://127.0.0.1:${h.port}/other`)).rejects.toThrow('HTTP 404')
    const ok = await connect(`ws://127.0.0.1:${h.port}/rpc`, { Origin: `http://127.0.0.1:${h.port}` })
    ok.close()
  })
})

describe('tokens', () => {
  it('refuses a non-loopback bind without a token, with one clear error', async () => {
    await expect(startHost({ service: new FakeLab(), port: 0, host: '0.0.0.0', rendererDir })).rejects.toThrow(
      /^refusing to listen on 0\.0\.0\.0: a non-loopback address needs an access token/
    )
    await expect(startHost({ service: new FakeLab(), port: 0, host: '::', rendererDir, token: '' })).rejects.toThrow(
      /needs an access token/
    )
  })

  it('checks the token on the page, the assets and the WebSocket upgrade', async () => {
    const token = 's3cret-token-0123456789'
    const { h } = await start(new FakeLab(), { host: '0.0.0.0', token })
    expect(h.url).toBe(`http://127.0.0.1:${h.port}/?token=${token}`)
    expect((await get(h.port, '/')).status).toBe(401)
    expect((await get(h.port, '/?token=wrong')).status).toBe(401)
    const page = await get(h.port, `/?token=${token}`)
    expect(page.status).toBe(200)
    const cookie = String(page.headers['set-cookie']).split(';')[0]
    expect(page.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/)
    expect((await get(h.port, '/assets/app.js')).status).toBe(401)
    expect((await get(h.port, '/assets/app.js', { Cookie: cookie })).status).toBe(200)
    // Host header is not restricted when a token protects the host
    expect((await get(h.port, `/?token=${token}`, { Host: 'lab.example:1' })).status).toBe(200)

    await expect(connect(`ws://127.0.0.1:${h.port}/rpc`)).rejects.toThrow('HTTP 401')
    await expect(connect(`ws://127.0.0.1:${h.port}/rpc?token=nope`)).rejects.toThrow('HTTP 401')
    const byQuery = new Client(await connect(`ws://127.0.0.1:${h.port}/rpc?token=${token}`))
    expect((await byQuery.call('readShm', [0, 1])).result).toEqual([0])
    await byQuery.close()
    const byCookie = await connect(`ws://127.0.0.1:${h.port}/rpc`, { Cookie: cookie })
    byCookie.close()
  })

  it('enforces a token on loopback too when one is given', async () => {
    const { h } = await start(new FakeLab(), { token: 'abc' })
    expect((await get(h.port, '/')).status).toBe(401)
    expect((await get(h.port, '/?token=abc')).status).toBe(200)
    await expect(connect(`ws://127.0.0.1:${h.port}/rpc`)).rejects.toThrow('HTTP 401')
  })

  it('knows loopback addresses', () => {
    for (const x of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(x), x).toBe(true)
    for (const x of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'example.com', '']) expect(isLoopbackHost(x), x).toBe(false)
  })

  it('reports a busy port clearly', async () => {
    const { h } = await start()
    await expect(startHost({ service: new FakeLab(), port: h.port, host: '127.0.0.1', rendererDir })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${h.port}: port ${h.port} is already in use`
    )
  })
})

describe('EventChannel backpressure', () => {
  class Sink implements EventSink {
    bufferedAmount = 0
    readyState = 1
    sent: LabEvent[] = []
    send(data: string): void {
      this.sent.push((JSON.parse(data) as { event: LabEvent }).event)
    }
  }
  const snap = (seq: number) => ({ type: 'snapshot', snap: { seq } }) as unknown as LabEvent
  const con = (seq: number): LabEvent => ({ type: 'console', side: 'device', data: 'x', seq })
  const opts = { highWater: 100, lowWater: 10, holdCalls: 500, maxBuffered: 1000, snapshotMinMs: 0, traceMax: 300, retryMs: 5 }

  it('coalesces snapshots and skips trace batches while the client is slow, never console', async () => {
    const sink = new Sink()
    let overflow = 0
    const ch = new EventChannel(sink, opts, () => overflow++)
    ch.push(snap(1))
    expect(sink.sent).toHaveLength(1)
    sink.bufferedAmount = 500
    ch.push(snap(2))
    ch.push(con(0))
    ch.push(snap(3))
    ch.push({ type: 'trace', events: [{ i: 0, t: 5, k: 'doorbell' }, { i: 1, t: 6, k: 'doorbell' }] })
    ch.push(snap(4))
    ch.push(con(1))
    expect(ch.holding).toBe(true)
    // the trace stays complete behind getTrace; the skipped batch is counted
    expect(sink.sent.map((e) => e.type)).toEqual(['snapshot', 'console', 'console'])
    expect(ch.traceSkipped).toBe(2)
    expect(ch.coalesced).toBe(2)
    await new Promise((r) => setTimeout(r, 30))
    expect(sink.sent).toHaveLength(3) // still slow
    sink.bufferedAmount = 0
    await vi.waitFor(() => expect(ch.holding).toBe(false))
    expect(sink.sent.at(-1)).toEqual(snap(4))
    expect(overflow).toBe(0)
    ch.close()
  })

  it('flushes a held snapshot before a reset and flags a hopeless client', () => {
    const sink = new Sink()
    let overflow = 0
    const ch = new EventChannel(sink, opts, () => overflow++)
    sink.bufferedAmount = 500
    ch.push(snap(7))
    ch.push({ type: 'reset', config: {} as never })
    expect(sink.sent.map((e) => e.type)).toEqual(['snapshot', 'reset'])
    sink.bufferedAmount = 5000
    ch.push(con(0))
    expect(sink.sent.at(-1)).toEqual(con(0))
    expect(overflow).toBe(1)
    ch.close()
  })

  it('sends at most one snapshot per snapshotMinMs, the newest, even when the client keeps up', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    try {
      const sink = new Sink()
      const ch = new EventChannel(sink, { ...opts, snapshotMinMs: 50 })
      for (let k = 1; k <= 10; k++) ch.push(snap(k))
      ch.push(con(0)) // data is never held back
      expect(sink.sent).toEqual([snap(1), con(0)])
      vi.advanceTimersByTime(49)
      expect(sink.sent).toHaveLength(2)
      vi.advanceTimersByTime(2)
      expect(sink.sent).toEqual([snap(1), con(0), snap(10)])
      expect(ch.coalesced).toBe(8)
      ch.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('pushes at most one trace batch per snapshotMinMs: later ones merge, the newest traceMax kept', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    try {
      const sink = new Sink()
      const ch = new EventChannel(sink, { ...opts, snapshotMinMs: 50, traceMax: 4 })
      const batch = (from: number): LabEvent => ({ type: 'trace', events: [0, 1, 2].map((k) => ({ i: from + k, t: from + k, k: 'doorbell' as const })) })
      ch.push(batch(0))
      ch.push(batch(3))
      ch.push(batch(6))
      const idx = () => sink.sent.map((e) => (e.type === 'trace' ? e.events.map((x) => x.i) : e.type))
      expect(idx()).toEqual([[0, 1, 2]])
      vi.advanceTimersByTime(50)
      expect(idx()).toEqual([[0, 1, 2], [5, 6, 7, 8]])
      expect(ch.traceSkipped).toBe(2)
      // a reset drops trace events of the old session that were still held
      ch.push(batch(9))
      ch.push({ type: 'reset', config: {} as never })
      vi.advanceTimersByTime(100)
      expect(idx()).toEqual([[0, 1, 2], [5, 6, 7, 8], 'reset'])
      expect(ch.traceSkipped).toBe(5)
      ch.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('sends nothing to a closed socket', () => {
    const sink = new Sink()
    sink.readyState = 3
    const ch = new EventChannel(sink, opts)
    ch.push(con(0))
    expect(sink.sent).toHaveLength(0)
  })
})
