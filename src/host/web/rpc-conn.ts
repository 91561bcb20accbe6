// One WebSocket client of the host: parses its JSON-RPC frames, queues its calls on the shared
// FairQueue (CPU budget), sends replies and pushed events, and cuts it off when it stops reading.
//
// Memory bound per client (#11 item 4): everything sent to it — pushed events and RPC replies —
// counts toward the socket's buffered bytes. While they exceed `holdCalls` its calls wait (it gets
// no CPU); once they exceed `maxBuffered` the host closes it with a reason that says so.

import type { LabApi, LabEvent } from '../../shared/contract'
import { dispatch } from '../validate'
import { EventChannel, WS_OPEN, type BackpressureOptions, type EventSink } from './event-channel'
import type { FairQueue, QueueClient } from './fair-queue'

/** calls the user waits on with the pointer still on the button (#10 item 6): Pause/Step/Resume
 *  and time-travel picks run before queued trace pages and shm reads (web/fair-queue.ts) */
const URGENT: ReadonlySet<string> = new Set(['control', 'snapshotAt'])

/** calls of one client accepted but not answered yet */
export const MAX_IN_FLIGHT = 64

/** WebSocket close code 1008 (policy violation, RFC 6455 §7.4.1) with the reason text */
export const CLOSE_NOT_READING = 1008

export interface ConnSocket extends EventSink {
  close(code: number, reason: string): void
  terminate(): void
}

export interface ConnStats {
  /** the most bytes ever waiting in this client's send buffer */
  peakBuffered: number
  replies: number
  refused: number
}

function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message
  return typeof err === 'string' && err ? err : 'internal error'
}

export class RpcConn implements QueueClient {
  private inFlight = 0
  private closed = false
  private cutTimer: ReturnType<typeof setTimeout> | null = null
  readonly channel: EventChannel
  readonly stats: ConnStats = { peakBuffered: 0, replies: 0, refused: 0 }
  /** set when the host cut the client off: the close reason */
  cutReason: string | null = null

  constructor(
    private readonly ws: ConnSocket,
    private readonly service: LabApi,
    private readonly queue: FairQueue,
    private readonly bp: BackpressureOptions
  ) {
    this.channel = new EventChannel(ws, bp, () => this.overflow())
  }

  ready(): boolean {
    return !this.closed && this.ws.bufferedAmount <= this.bp.holdCalls
  }

  push(e: LabEvent, wire?: () => string): void {
    this.channel.push(e, wire)
    this.note()
  }

  /** a text or binary frame from the client */
  onMessage(text: string | null): void {
    if (this.closed) return
    if (text === null) return this.reply({ id: null, error: { message: 'bad request: binary frames are not supported' } })
    let req: unknown
    try {
      req = JSON.parse(text)
    } catch {
      return this.reply({ id: null, error: { message: 'bad request: not JSON' } })
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      return this.reply({ id: null, error: { message: 'bad request: expected {"id", "method", "params"}' } })
    }
    const { id, method, params } = req as { id?: unknown; method?: unknown; params?: unknown }
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      return this.reply({ id: null, error: { message: 'bad request: id must be an integer' } })
    }
    if (typeof method !== 'string') return this.reply({ id, error: { message: 'bad request: method must be a string' } })
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.stats.refused++
      return this.reply({ id, error: { message: `too many requests in flight (max ${MAX_IN_FLIGHT})` } })
    }
    this.inFlight++
    const urgent = URGENT.has(method)
    if (urgent) this.channel.quietBegin()
    const job = async (): Promise<void> => {
      if (this.closed) return
      try {
        const result = await dispatch(this.service, method, params ?? [])
        this.reply({ id, result: result === undefined ? null : result })
      } catch (err) {
        this.reply({ id, error: { message: errorMessage(err) } })
      } finally {
        this.inFlight--
        if (urgent) this.channel.quietEnd()
      }
    }
    this.queue.add(this, job, urgent)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.channel.close()
    this.queue.remove(this)
    if (this.cutTimer) clearTimeout(this.cutTimer)
    this.cutTimer = null
  }

  private reply(msg: unknown): void {
    if (this.closed || this.ws.readyState !== WS_OPEN) return
    this.ws.send(JSON.stringify(msg))
    this.stats.replies++
    this.note()
  }

  private note(): void {
    const b = this.ws.bufferedAmount
    if (b > this.stats.peakBuffered) this.stats.peakBuffered = b
    if (b > this.bp.maxBuffered) this.overflow()
  }

  /** the client is not reading: say why, and drop it even if it never reads the close frame */
  private overflow(): void {
    if (this.cutReason !== null) return
    const size = (n: number): string => (n >= 2 ** 20 ? `${Math.round(n / 2 ** 20)} MiB` : `${Math.round(n / 1024)} KiB`)
    // a close reason is at most 123 bytes (RFC 6455 §5.5)
    this.cutReason = `client not reading: over ${size(this.bp.maxBuffered)} unsent; reconnect, catch up with consoleSince/getTrace`
    this.ws.close(CLOSE_NOT_READING, this.cutReason)
    this.close()
    this.cutTimer = setTimeout(() => this.ws.terminate(), 1000)
    this.cutTimer.unref?.()
  }
}
