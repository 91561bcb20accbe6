// Browser-mode host: serves the built renderer (out/renderer) and bridges a WebSocket at /rpc to
// a LabApi service. Same contract and same validation (./validate) as the Electron IPC path.
//
// Wire format (JSON text frames):
//   client -> host  {"id": number, "method": LabMethod, "params": unknown[]}
//   host -> client  {"id": number, "result": unknown} | {"id": number|null, "error": {"message": string}}
//   host -> client  {"event": LabEvent}            (pushed to every client)
//
// The concerns live in ./web: policy (loopback, Host, Origin), auth (token, cookie), static files
// and headers (ws-free, shared with the Electron shell), the event channel (push backpressure),
// the per-client RPC connection (reply backpressure) and the fair queue (CPU budget per client).
// Security: loopback by default; any other bind address needs an access token, checked on every
// HTTP request and on the WebSocket upgrade, which also checks Origin and, on a tokenless loopback
// host, Host (DNS rebinding).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { resolve } from 'node:path'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { LabApi, LabEvent } from '../shared/contract'
import { SECURITY_HEADERS } from './web/headers'
import { readStaticFile } from './web/static'
import { formatUrlHost, hostHeaderOk, isLoopbackHost, originOk } from './web/policy'
import { TokenAuth } from './web/auth'
import { DEFAULT_BACKPRESSURE, type BackpressureOptions } from './web/event-channel'
import { FairQueue } from './web/fair-queue'
import { RpcConn, type ConnSocket, type ConnStats } from './web/rpc-conn'
import { FlowTracker } from './web/flow'

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

export interface HostStats {
  clients: number
  /** clients cut off for not reading (events + replies over maxBuffered) */
  cutOff: number
  /** the most bytes ever buffered for one client */
  peakBuffered: number
  /** RPC calls run, and the longest (ms): how long one call could delay another client */
  calls: number
  maxCallMs: number
}

export interface HostHandle {
  /** the URL to open (with ?token=… when a token is set) */
  url: string
  port: number
  stats(): HostStats
  close(): Promise<void>
}

/** largest request frame, bytes */
const MAX_PAYLOAD = 1 << 20
const HEARTBEAT_MS = 30_000
const TEXT = 'text/plain; charset=utf-8'

export async function startHost(opts: HostOptions): Promise<HostHandle> {
  const { service, host } = opts
  const auth = new TokenAuth(opts.token === undefined || opts.token === '' ? undefined : opts.token)
  const loopback = isLoopbackHost(host)
  if (!loopback && !auth.required) {
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
  const hostOk = (req: IncomingMessage): boolean => hostHeaderOk(req, auth.required, loopback)

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
      if (req.method !== 'GET' && !head) return send(res, 405, 'method not allowed\n', TEXT, { Allow: 'GET, HEAD' })
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://host.invalid')
      } catch {
        return send(res, 400, 'bad request\n', TEXT, {}, head)
      }
      if (!hostOk(req)) return send(res, 421, 'misdirected request\n', TEXT, {}, head)
      if (!auth.authorized(req, url)) {
        return send(res, 401, 'access token required: open the URL the host printed (…/?token=…)\n', TEXT, {}, head)
      }
      const extra = auth.cookieFor(url)
      const found = await readStaticFile(rendererDir, url.pathname)
      if (!found) {
        // browsers ask for /favicon.ico on their own; don't log a 404 in every page's console
        if (url.pathname === '/favicon.ico') {
          res.writeHead(204, { ...SECURITY_HEADERS, ...extra })
          return res.end()
        }
        return send(res, 404, 'not found\n', TEXT, extra, head)
      }
      send(res, 200, found.body, found.type, extra, head)
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'internal error\n', TEXT)
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
    if (!hostOk(req)) return refuseUpgrade(socket, 421, 'Misdirected Request')
    if (!originOk(req, allowedOrigins)) return refuseUpgrade(socket, 403, 'Forbidden')
    if (!auth.authorized(req, url)) return refuseUpgrade(socket, 401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const queue = new FairQueue(bp.retryMs)
  const conns = new Set<RpcConn>()
  const totals = { cutOff: 0, peakBuffered: 0 }
  // the service hands every subscriber the same event object: serialise it once for all clients
  // (lazily: a slow client that skips a trace batch costs nothing), not once per client
  const wires = new WeakMap<LabEvent, string>()
  const wireOf = (e: LabEvent) => (): string => {
    let text = wires.get(e)
    if (text === undefined) wires.set(e, (text = JSON.stringify({ event: e })))
    return text
  }
  const retire = (c: ConnStats, cut: boolean): void => {
    totals.peakBuffered = Math.max(totals.peakBuffered, c.peakBuffered)
    if (cut) totals.cutOff++
  }

  wss.on('connection', (ws: WebSocket) => {
    let alive = true
    // the client's real backlog, kernel buffers included, from pings placed in the stream
    const flow = new FlowTracker(ws)
    const sock: ConnSocket = {
      get bufferedAmount() {
        return ws.bufferedAmount
      },
      get unacked() {
        return flow.unacked
      },
      get readyState() {
        return ws.readyState
      },
      send: (data: string) => {
        ws.send(data)
        flow.onSend(data.length)
      },
      close: (code: number, reason: string) => ws.close(code, reason),
      terminate: () => ws.terminate()
    }
    const conn = new RpcConn(sock, service, queue, bp)
    conns.add(conn)
    const unsubscribe = service.subscribe((e) => conn.push(e, wireOf(e)))
    let done = false
    const cleanup = (): void => {
      if (done) return
      done = true
      conns.delete(conn)
      conn.close()
      unsubscribe()
      retire(conn.stats, conn.cutReason !== null)
    }

    ws.on('pong', (data: Buffer) => {
      alive = true
      flow.onPong(data)
    })
    const beat = setInterval(() => {
      if (!alive) return ws.terminate()
      alive = false
      ws.ping()
    }, HEARTBEAT_MS)
    beat.unref()

    ws.on('message', (data: RawData, isBinary: boolean) => conn.onMessage(isBinary ? null : data.toString()))
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
  const url = `http://${formatUrlHost(host)}:${port}/${auth.token !== undefined ? `?token=${encodeURIComponent(auth.token)}` : ''}`

  const stats = (): HostStats => {
    let peak = totals.peakBuffered
    for (const c of conns) peak = Math.max(peak, c.stats.peakBuffered)
    return { clients: conns.size, cutOff: totals.cutOff, peakBuffered: peak, calls: queue.done, maxCallMs: queue.maxJobMs }
  }

  if (process.env.VIRTIO_LAB_DEBUG_HOST) {
    const dbg = setInterval(() => {
      const b = [...wss.clients].map((w) => w.bufferedAmount)
      process.stderr.write(`host: clients ${conns.size} buffered [${b.join(',')}] calls ${queue.done} maxCall ${queue.maxJobMs.toFixed(0)}ms\n`)
    }, 1000)
    dbg.unref()
  }

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    if (closing) return closing
    closing = new Promise<void>((done) => {
      queue.close()
      for (const c of [...conns]) c.close()

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

  return { url, port, stats, close }
}
