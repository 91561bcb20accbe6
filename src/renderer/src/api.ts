// Transport: the Electron preload's window.labApi when present, else a WebSocket JSON-RPC client
// to the browser host at /rpc. Both implement LabApi exactly (src/shared/contract.ts).
//
// Wire format (WebSocket):
//   request  {"id": number, "method": LabMethod, "params": unknown[]}   (positional arguments)
//   response {"id", "result"} | {"id", "error": {"message": string}}
//   push     {"event": LabEvent}
import type { ConsoleMark, LabApi, LabEvent, LabMethod, LabSnapshot, Side } from '../../shared/contract'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** LabApi plus connection status, implemented by the WebSocket client only. */
export interface LabApiWithStatus extends LabApi {
  onConnection(cb: (state: ConnectionState, detail: string) => void): () => void
  close(): void
}

export function hasConnectionStatus(api: LabApi): api is LabApiWithStatus {
  return typeof (api as Partial<LabApiWithStatus>).onConnection === 'function'
}

let cached: LabApi | null = null

export function getApi(): LabApi {
  if (cached) return cached
  if (typeof window !== 'undefined' && window.labApi) cached = plainData(window.labApi)
  else cached = createWsApi(defaultRpcUrl())
  return cached
}

/** Electron's contextBridge and IPC structured-clone every argument, and a Vue reactive proxy
 *  cannot be cloned ("An object could not be cloned"): hand the preload plain JSON data only. */
export function plainData(api: LabApi): LabApi {
  const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T
  return {
    getSnapshot: () => api.getSnapshot(),
    configure: (cfg) => api.configure(plain(cfg)),
    control: (c) => api.control(plain(c)),
    sendInput: (side, data) => api.sendInput(side, String(data)),
    getTrace: (from, count) => api.getTrace(from, count),
    snapshotAt: (i) => api.snapshotAt(i),
    readShm: (off, len) => api.readShm(off, len),
    consoleSince: (side, seq) => api.consoleSince(side, seq),
    resizeConsole: (side, cols, rows) => api.resizeConsole(side, cols, rows),
    compare: () => api.compare(),
    cancelCompare: () => api.cancelCompare(),
    subscribe: (l) => api.subscribe(l),
    exportBegin: (filter, format) => api.exportBegin(String(filter), format),
    exportNext: (id) => api.exportNext(id),
    exportCancel: (id) => api.exportCancel(id),
    injectFault: (kind) => api.injectFault(String(kind) as typeof kind)
  }
}

/** for tests */
export function setApiForTests(api: LabApi | null): void {
  cached = api
}

export function defaultRpcUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'> = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  const token = new URLSearchParams(loc.search).get('token')
  return `${scheme}://${loc.host}/rpc` + (token ? `?token=${encodeURIComponent(token)}` : '')
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
  msg: string
  sent: boolean
}

/** calls the user waits on with the pointer on the button (#10 item 6): while one is answered,
 *  pushed trace batches and snapshots that arrive are kept unparsed and handled after its reply */
const URGENT: ReadonlySet<string> = new Set(['control', 'snapshotAt'])
/** pushed frames that may wait for an urgent reply: state (snapshots, older than the reply's) and
 *  the live trace view; console bytes and resets are handled in order as always */
const DEFERRABLE = ['{"event":{"type":"trace"', '{"event":{"type":"snapshot"']
/** at most this many frames wait; beyond, they are handled at once */
const DEFER_MAX = 256

export interface WsOptions {
  /** WebSocket constructor (injectable for tests) */
  WebSocketImpl?: typeof WebSocket
  /** first reconnect delay, ms (doubles up to maxBackoff) */
  backoff?: number
  maxBackoff?: number
  /** per-request timeout, ms (0 = none) */
  timeout?: number
}

export function createWsApi(url: string, opts: WsOptions = {}): LabApiWithStatus {
  const WS = opts.WebSocketImpl ?? WebSocket
  const firstBackoff = opts.backoff ?? 250
  const maxBackoff = opts.maxBackoff ?? 5000
  const timeout = opts.timeout ?? 30_000
  const listeners = new Set<(e: LabEvent) => void>()
  const statusListeners = new Set<(s: ConnectionState, d: string) => void>()
  const pending = new Map<number, Pending>()
  /** next console byte offset per side seen by this client (for catch-up after reconnect) */
  const lastSeq: Record<Side, number> = { device: 0, driver: 0 }
  let nextId = 1
  let ws: WebSocket | null = null
  let state: ConnectionState = 'connecting'
  let everOpened = false
  let delay = firstBackoff
  let closedByUser = false
  let timer: ReturnType<typeof setTimeout> | null = null
  /** urgent calls sent and not answered, and the pushed frames kept back meanwhile */
  let urgent = 0
  let deferred: string[] = []
  /** deferred[0 .. staleUpTo) came before a Pause/Step/... reply: their snapshots are older than
   *  the one it carried (applying them after it would show the run going again) */
  let staleUpTo = 0
  let flushTimer: ReturnType<typeof setTimeout> | null = null

  function setState(s: ConnectionState, detail = ''): void {
    state = s
    for (const l of statusListeners) l(s, detail)
  }

  function emit(e: LabEvent): void {
    if (e.type === 'console') lastSeq[e.side] = Math.max(lastSeq[e.side], e.seq + e.data.length)
    else if (e.type === 'reset') {
      lastSeq.device = 0
      lastSeq.driver = 0
    }
    for (const l of [...listeners]) {
      try {
        l(e)
      } catch (err) {
        console.error('lab listener failed', err)
      }
    }
  }

  function connect(): void {
    setState(everOpened ? 'reconnecting' : 'connecting')
    let sock: WebSocket
    try {
      sock = new WS(url)
    } catch (err) {
      scheduleReconnect(String(err))
      return
    }
    ws = sock
    sock.onopen = () => {
      const wasReconnect = everOpened
      everOpened = true
      delay = firstBackoff
      setState('open')
      for (const p of pending.values()) {
        if (!p.sent) {
          sock.send(p.msg)
          p.sent = true
        }
      }
      if (wasReconnect) void catchUp()
    }
    sock.onmessage = (ev: MessageEvent) => {
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data)
      // a CPU-starved page reads frames one task each: behind ~8 parsed and applied frames a Pause
      // reply waited ~240 ms; kept unparsed, they cost nothing until the reply is shown
      const deferrable = DEFERRABLE.some((p) => text.startsWith(p))
      if (deferrable && (urgent > 0 || deferred.length > 0)) {
        // later ones queue behind those kept back (the trace stays in order)
        if (deferred.length < DEFER_MAX) return void deferred.push(text)
        flushDeferred()
      }
      // a new run: the kept-back frames are the old run's view (the host drops its held ones too)
      if (deferred.length && text.startsWith('{"event":{"type":"reset"')) deferred = []
      staleUpTo = Math.min(staleUpTo, deferred.length)
      handle(text)
    }
    sock.onclose = (ev: CloseEvent) => {
      if (ws !== sock) return
      ws = null
      // requests already on the wire may or may not have run: fail them rather than replay them
      for (const [id, p] of pending) {
        if (p.sent) {
          pending.delete(id)
          p.reject(new Error('connection lost'))
        }
      }
      if (closedByUser) setState('closed')
      else scheduleReconnect(`closed (${ev.code})`)
    }
    sock.onerror = () => {
      /* onclose follows */
    }
  }

  /** one frame from the host: a pushed event or the reply to a call */
  function handle(text: string): void {
    let msg: { id?: number; result?: unknown; error?: { message?: string }; event?: LabEvent }
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (msg.event) {
      emit(msg.event)
      return
    }
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.error) p.reject(new Error(msg.error.message ?? 'remote error'))
      else p.resolve(msg.result)
    }
  }

  function flushDeferred(): void {
    const frames = deferred
    const stale = staleUpTo
    deferred = []
    staleUpTo = 0
    frames.forEach((f, k) => {
      if (k < stale && f.startsWith('{"event":{"type":"snapshot"')) return
      handle(f)
    })
  }

  /** an urgent call settled: the frames kept back follow in a new task, after its reply is shown;
   *  `answered`: a control call's reply carried the current snapshot */
  function urgentDone(answered: boolean): void {
    if (answered) staleUpTo = deferred.length
    urgent = Math.max(0, urgent - 1)
    if (urgent > 0 || !deferred.length || flushTimer) return
    flushTimer = setTimeout(() => {
      flushTimer = null
      if (urgent === 0) flushDeferred()
    }, 0)
  }

  function scheduleReconnect(detail: string): void {
    setState('reconnecting', detail)
    const wait = delay + Math.floor(Math.random() * (delay / 4))
    delay = Math.min(maxBackoff, delay * 2)
    timer = setTimeout(() => {
      timer = null
      if (!closedByUser) connect()
    }, wait)
  }

  /** after a reconnect: fetch what was missed (console bytes, current snapshot) */
  async function catchUp(): Promise<void> {
    try {
      const snap = await call<LabSnapshot>('getSnapshot', [])
      emit({ type: 'snapshot', snap })
      for (const side of ['device', 'driver'] as const) {
        const from = lastSeq[side]
        const r = await call<{ data: string; seq: number; marks?: ConsoleMark[] }>('consoleSince', [side, from])
        if (r.data.length > 0 || r.marks?.length) emit({ type: 'console', side, data: r.data, seq: consoleStart(r, from), marks: r.marks })
      }
    } catch (err) {
      console.warn('lab catch-up after reconnect failed', err)
    }
  }

  function call<T>(method: LabMethod, params: unknown[]): Promise<T> {
    const id = nextId++
    const msg = JSON.stringify({ id, method, params })
    const hurry = URGENT.has(method)
    if (hurry) urgent++
    const settled = new Promise<T>((resolve, reject) => {
      const p: Pending = { resolve: resolve as (v: unknown) => void, reject, msg, sent: false }
      pending.set(id, p)
      if (ws && ws.readyState === 1 /* OPEN */) {
        ws.send(msg)
        p.sent = true
      }
      // compare() runs two whole labs in slices: it ends by itself or by cancelCompare()
      if (timeout > 0 && method !== 'compare') {
        setTimeout(() => {
          if (pending.get(id) === p) {
            pending.delete(id)
            reject(new Error(`${method}: timed out after ${timeout} ms`))
          }
        }, timeout)
      }
    })
    if (hurry)
      settled.then(
        () => urgentDone(method === 'control'),
        () => urgentDone(false)
      )
    return settled
  }

  connect()

  return {
    getSnapshot: () => call('getSnapshot', []),
    configure: (cfg) => call('configure', [cfg]),
    control: (c) => call('control', [c]),
    sendInput: (side, data) => call('sendInput', [side, data]),
    getTrace: (from, count) => call('getTrace', [from, count]),
    snapshotAt: (i) => call('snapshotAt', [i]),
    readShm: (off, len) => call('readShm', [off, len]),
    consoleSince: (side, seq) => call('consoleSince', [side, seq]),
    resizeConsole: (side, cols, rows) => call('resizeConsole', [side, cols, rows]),
    compare: () => call('compare', []),
    cancelCompare: () => call('cancelCompare', []),
    exportBegin: (filter, format) => call('exportBegin', [filter, format]),
    exportNext: (id) => call('exportNext', [id]),
    exportCancel: (id) => call('exportCancel', [id]),
    injectFault: (kind) => call('injectFault', [kind]),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onConnection(cb) {
      statusListeners.add(cb)
      cb(state, '')
      return () => statusListeners.delete(cb)
    },
    close() {
      closedByUser = true
      if (timer) clearTimeout(timer)
      if (flushTimer) clearTimeout(flushTimer)
      ws?.close()
      setState('closed')
    }
  }
}

/**
 * Byte offset of data[0] in a consoleSince answer. The contract says consoleSince returns
 * "bytes since seq"; the answer's seq is the offset of data[0] (like the console event). Be
 * tolerant of a service that answers with the *end* offset instead.
 */
export function consoleStart(r: { data: string; seq: number }, requested: number): number {
  if (r.seq === requested) return requested
  if (r.data.length > 0 && r.seq === requested + r.data.length) return requested
  return r.seq
}
