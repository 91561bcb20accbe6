// Browser-mode host: serves the built renderer (out/renderer) and bridges a WebSocket at /rpc to
// a LabApi service. Same contract and same validation (./validate) as the Electron IPC path.
//
// Wire format (JSON text frames):
//   client -> host  {"id": number, "method": LabMethod, "params": unknown[]}
//   host -> client  {"id": number, "result": unknown} | {"id": number|null, "error": {"message": string}}
//   host -> client  {"event": LabEvent}            (pushed to every client)
//
// Security: loopback by default. Any other bind address needs an access token, which is checked
// on every HTTP request (the page and its assets) and on the WebSocket upgrade, given either as
// ?token=… or as the HttpOnly cookie set when the page was opened with a valid ?token=….
// The WebSocket upgrade also checks Origin (cross-site WebSocket hijacking) and, on a tokenless
// loopback host, Host (DNS rebinding).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { promises as fsp } from 'node:fs'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { isIP } from 'node:net'
import { timingSafeEqual, createHash } from 'node:crypto'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import type { LabApi, LabEvent } from '../shared/contract'
import { dispatch } from './validate'

// ---- shared web policy (also used by the Electron shell) --------------------------------------

/**
 * Content-Security-Policy of the renderer, sent by this host and by the Electron shell.
 * style-src needs 'unsafe-inline' because xterm.js injects <style> elements at runtime.
 * connect-src 'self' covers ws://<same host:port>/rpc (CSP3 'self' matches ws: for http: pages).
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Headers sent with every response of the renderer (pages, assets and errors alike). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()'
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Maps a URL pathname ('/', '/assets/x.js', percent-encoded) to a file inside rootDir, or null
 * when it is malformed or would leave rootDir. '/' maps to index.html. Does not touch the disk.
 */
export function resolveStaticPath(rootDir: string, pathname: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  if (!decoded.startsWith('/')) return null
  if (decoded.split('/').some((seg) => seg === '..')) return null
  if (decoded.endsWith('/')) decoded += 'index.html'
  const root = resolve(rootDir)
  const file = resolve(root, '.' + decoded)
  const rel = relative(root, file)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return file
}

/** Reads a static file for `pathname`, refusing anything outside rootDir (also via symlinks). */
export async function readStaticFile(
  rootDir: string,
  pathname: string
): Promise<{ file: string; body: Buffer; type: string } | null> {
  const file = resolveStaticPath(rootDir, pathname)
  if (!file) return null
  try {
    const [realRoot, realFile] = await Promise.all([fsp.realpath(rootDir), fsp.realpath(file)])
    if (!realFile.startsWith(realRoot + sep)) return null
    const st = await fsp.stat(realFile)
    if (!st.isFile()) return null
    return { file: realFile, body: await fsp.readFile(realFile), type: contentTypeFor(realFile) }
  } catch {
    return null
  }
}

// ---- addresses and tokens ----------------------------------------------------------------------

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and 'localhost'. '0.0.0.0' and '::' are NOT loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h)
  return false
}

function hostnameOfHostHeader(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null
  try {
    return new URL(`http://${hostHeader}`).hostname
  } catch {
    return null
  }
}

const TOKEN_COOKIE = 'virtio_lab_token'

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false
  return timingSafeEqual(digest(expected), digest(given))
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

// ---- event channel with backpressure -----------------------------------------------------------

/** The part of a WebSocket the event channel needs (a fake in tests). */
export interface EventSink {
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: string): void
}

export interface BackpressureOptions {
  /** above this many buffered bytes, snapshot events are coalesced (latest kept) */
  highWater: number
  /** a held snapshot goes out once the buffer is at or below this */
  lowWater: number
  /** a client this far behind is disconnected (it can catch up with consoleSince/getTrace) */
  maxBuffered: number
  /** how often a held snapshot retries, ms */
  retryMs: number
}

export const DEFAULT_BACKPRESSURE: BackpressureOptions = {
  highWater: 1 << 20,
  lowWater: 256 << 10,
  maxBuffered: 128 << 20,
  retryMs: 25
}

/**
 * Per-client event pump. Snapshots are state: when the client is slow only the latest one is
 * kept. Console and trace events are data: they are always sent, never dropped or reordered
 * among themselves. A 'reset' first flushes a held snapshot so order across a reset is kept.
 */
export class EventChannel {
  private held: string | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private closed = false
  /** snapshot events replaced by a newer one before they were sent */
  coalesced = 0
  sent = 0

  constructor(
    private readonly sink: EventSink,
    private readonly opts: BackpressureOptions = DEFAULT_BACKPRESSURE,
    private readonly onOverflow: () => void = () => {}
  ) {}

  push(e: LabEvent): void {
    if (this.closed || this.sink.readyState !== WebSocket.OPEN) return
    const msg = JSON.stringify({ event: e })
    if (e.type === 'snapshot') {
      if (this.held !== null) {
        this.held = msg
        this.coalesced++
      } else if (this.sink.bufferedAmount > this.opts.highWater) {
        this.held = msg
        this.schedule()
      } else {
        this.write(msg)
      }
      return
    }
    if (e.type === 'reset' && this.held !== null) this.flushHeld()
    this.write(msg)
    if (this.sink.bufferedAmount > this.opts.maxBuffered) this.onOverflow()
  }

  /** true while a snapshot waits for the client to catch up */
  get holding(): boolean {
    return this.held !== null
  }

  close(): void {
    this.closed = true
    this.held = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private write(msg: string): void {
    this.sink.send(msg)
    this.sent++
  }

  private flushHeld(): void {
    const msg = this.held
    this.held = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (msg !== null) this.write(msg)
  }

  private schedule(): void {
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.closed || this.held === null) return
      if (this.sink.readyState !== WebSocket.OPEN) return this.close()
      if (this.sink.bufferedAmount <= this.opts.lowWater) this.flushHeld()
      else this.schedule()
    }, this.opts.retryMs)
    this.timer.unref?.()
  }
}

// ---- host --------------------------------------------------------------------------------------

export interface HostOptions {
  service: LabApi
  port: number
  host: string
  token?: string
  /** the built renderer, normally out/renderer */
  rendererDir: string
  /** extra Origins allowed to open /rpc besides the page's own (e.g. a Vite dev server) */
  allowedOrigins?: string[]
  backpressure?: Partial<BackpressureOptions>
}

export interface HostHandle {
  /** the URL to open (with ?token=… when a token is set) */
  url: string
  port: number
  close(): Promise<void>
}

const MAX_PAYLOAD = 1 << 20
const MAX_IN_FLIGHT = 64
const HEARTBEAT_MS = 30_000

function formatUrlHost(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, '$1')
  if (h === '0.0.0.0' || h === '') return '127.0.0.1'
  if (h === '::') return '[::1]'
  return isIP(h) === 6 ? `[${h}]` : h
}

function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message
  return typeof err === 'string' && err ? err : 'internal error'
}

export async function startHost(opts: HostOptions): Promise<HostHandle> {
  const { service, host } = opts
  const token = opts.token === undefined || opts.token === '' ? undefined : opts.token
  const loopback = isLoopbackHost(host)
  if (!loopback && token === undefined) {
    throw new Error(
      `refusing to listen on ${host}: a non-loopback address needs an access token (pass a token, or bind to 127.0.0.1)`
    )
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`invalid port ${String(opts.port)} (expected an integer 0..65535; 0 = any free port)`)
  }
  const rendererDir = resolve(opts.rendererDir)
  const bp: BackpressureOptions = { ...DEFAULT_BACKPRESSURE, ...opts.backpressure }
  const allowedOrigins = new Set((opts.allowedOrigins ?? []).map((o) => o.toLowerCase()))

  /** token from ?token= or the cookie; null when none given */
  const presentedToken = (req: IncomingMessage, url: URL): string | null =>
    url.searchParams.get('token') ?? cookieValue(req, TOKEN_COOKIE)

  const authorized = (req: IncomingMessage, url: URL): boolean =>
    token === undefined || tokenMatches(token, presentedToken(req, url))

  /** DNS rebinding guard: a tokenless loopback host only answers to loopback Host names. */
  const hostHeaderOk = (req: IncomingMessage): boolean => {
    if (token !== undefined || !loopback) return true
    const name = hostnameOfHostHeader(req.headers.host)
    return name !== null && isLoopbackHost(name)
  }

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}, head = false): void => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-cache',
      ...extra
    })
    res.end(head ? undefined : body)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const head = req.method === 'HEAD'
      if (req.method !== 'GET' && !head) {
        return send(res, 405, 'method not allowed\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' })
      }
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://host.invalid')
      } catch {
        return send(res, 400, 'bad request\n', 'text/plain; charset=utf-8', {}, head)
      }
      if (!hostHeaderOk(req)) return send(res, 421, 'misdirected request\n', 'text/plain; charset=utf-8', {}, head)
      if (!authorized(req, url)) {
        return send(
          res,
          401,
          'access token required: open the URL the host printed (…/?token=…)\n',
          'text/plain; charset=utf-8',
          {},
          head
        )
      }
      const extra: Record<string, string> = {}
      if (token !== undefined && url.searchParams.has('token')) {
        extra['Set-Cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`
      }
      const found = await readStaticFile(rendererDir, url.pathname)
      if (!found) {
        // browsers ask for /favicon.ico on their own; don't log a 404 in every page's console
        if (url.pathname === '/favicon.ico') {
          res.writeHead(204, { ...SECURITY_HEADERS, ...extra })
          return res.end()
        }
        return send(res, 404, 'not found\n', 'text/plain; charset=utf-8', extra, head)
      }
      send(res, 200, found.body, found.type, extra, head)
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'internal error\n', 'text/plain; charset=utf-8')
      else res.destroy(err instanceof Error ? err : undefined)
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, clientTracking: true })

  const refuseUpgrade = (socket: Duplex, status: number, text: string): void => {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`
    )
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://host.invalid')
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request')
    }
    if (url.pathname !== '/rpc') return refuseUpgrade(socket, 404, 'Not Found')
    if (!hostHeaderOk(req)) return refuseUpgrade(socket, 421, 'Misdirected Request')
    const origin = req.headers.origin
    if (origin !== undefined) {
      const own = `http://${req.headers.host ?? ''}`.toLowerCase()
      if (origin.toLowerCase() !== own && !allowedOrigins.has(origin.toLowerCase())) {
        return refuseUpgrade(socket, 403, 'Forbidden')
      }
    }
    if (!authorized(req, url)) return refuseUpgrade(socket, 401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const cleanups = new Set<() => void>()

  wss.on('connection', (ws: WebSocket) => {
    let alive = true
    let inFlight = 0
    const channel = new EventChannel(ws, bp, () => {
      ws.close(1013, 'client too slow: reconnect and catch up with consoleSince/getTrace')
    })
    const unsubscribe = service.subscribe((e) => channel.push(e))
    const cleanup = (): void => {
      cleanups.delete(cleanup)
      channel.close()
      unsubscribe()
    }
    cleanups.add(cleanup)

    const reply = (msg: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
    }

    ws.on('pong', () => {
      alive = true
    })
    const beat = setInterval(() => {
      if (!alive) return ws.terminate()
      alive = false
      ws.ping()
    }, HEARTBEAT_MS)
    beat.unref()

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return reply({ id: null, error: { message: 'bad request: binary frames are not supported' } })
      let req: unknown
      try {
        req = JSON.parse(data.toString())
      } catch {
        return reply({ id: null, error: { message: 'bad request: not JSON' } })
      }
      if (req === null || typeof req !== 'object' || Array.isArray(req)) {
        return reply({ id: null, error: { message: 'bad request: expected {"id", "method", "params"}' } })
      }
      const { id, method, params } = req as { id?: unknown; method?: unknown; params?: unknown }
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
        return reply({ id: null, error: { message: 'bad request: id must be an integer' } })
      }
      if (typeof method !== 'string') return reply({ id, error: { message: 'bad request: method must be a string' } })
      if (inFlight >= MAX_IN_FLIGHT) {
        return reply({ id, error: { message: `too many requests in flight (max ${MAX_IN_FLIGHT})` } })
      }
      inFlight++
      dispatch(service, method, params ?? []).then(
        (result) => {
          inFlight--
          reply({ id, result: result === undefined ? null : result })
        },
        (err: unknown) => {
          inFlight--
          reply({ id, error: { message: errorMessage(err) } })
        }
      )
    })
    ws.on('close', () => {
      clearInterval(beat)
      cleanup()
    })
    ws.on('error', () => {
      /* 'close' follows */
    })
  })

  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${opts.port} is already in use`
          : err.code === 'EADDRNOTAVAIL'
            ? `address ${host} is not available on this machine`
            : err.message
      reject(new Error(`cannot listen on ${host}:${opts.port}: ${why}`))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolveListen()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(opts.port, host)
  })

  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : opts.port
  const url = `http://${formatUrlHost(host)}:${port}/${token !== undefined ? `?token=${encodeURIComponent(token)}` : ''}`

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    if (closing) return closing
    closing = new Promise<void>((done) => {
      for (const c of [...cleanups]) c()
      for (const ws of wss.clients) ws.close(1001, 'host shutting down')
      wss.close()
      server.close(() => done())
      server.closeAllConnections()
      // sockets that do not finish the close handshake
      const t = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
      }, 1000)
      t.unref()
    })
    return closing
  }

  return { url, port, close }
}
