// Per-client push of LabEvents with backpressure. ws-free: it only needs the sink's buffered byte
// count and state, so tests drive it with a fake.

import type { LabEvent, TraceEvent } from '../../shared/contract'

/** WebSocket readyState OPEN (RFC 6455 / WHATWG; the same value in `ws`) */
export const WS_OPEN = 1

/** The part of a WebSocket the event channel and the RPC connection need (a fake in tests). */
export interface EventSink {
  readonly bufferedAmount: number
  /** bytes the client has not shown it consumed, when known (web/flow.ts); else bufferedAmount */
  readonly unacked?: number
  readonly readyState: number
  send(data: string): void
}

export interface BackpressureOptions {
  /** above this many buffered bytes, snapshot events are coalesced (latest kept) and trace
   *  batches are dropped from the push (the trace stays complete behind getTrace) */
  highWater: number
  /** a held snapshot goes out once the buffer is at or below this */
  lowWater: number
  /** above this many buffered bytes the client's RPC calls wait (it gets no CPU) */
  holdCalls: number
  /** a client this far behind (events and RPC replies alike) is disconnected */
  maxBuffered: number
  /** at most one snapshot and one trace batch per this many ms per client (the renderer applies
   *  one snapshot per 50 ms) */
  snapshotMinMs: number
  /** most trace events in one pushed batch; batches held back are merged, the newest kept */
  traceMax: number
  /** how often a held snapshot retries, ms */
  retryMs: number
}

/**
 * Small water marks on purpose: an RPC reply queues behind whatever is buffered for the client,
 * so the buffer is its latency. A renderer starved of CPU read ~150 KB/s: with a 1 MiB mark
 * every reply waited ~7 s behind snapshots (the e2e 10 s RPC timeouts on a busy machine); with
 * 64 KiB it waits well under a second, and the client simply gets fewer snapshots.
 */
export const DEFAULT_BACKPRESSURE: BackpressureOptions = {
  highWater: 64 << 10,
  lowWater: 16 << 10,
  holdCalls: 1 << 20,
  maxBuffered: 64 << 20,
  snapshotMinMs: 50,
  traceMax: 300,
  retryMs: 25
}

/**
 * Per-client event pump. Snapshots are state: at most one per snapshotMinMs, and when the client
 * is slow, only the latest one is kept. Console events are data: always sent, never dropped or reordered (each carries its byte
 * offset). Trace batches are a live view of a trace the client pages with getTrace: at most one
 * per snapshotMinMs (merged, the newest traceMax events kept), and a slow client skips them
 * (counted in `traceSkipped`) instead of queueing megabytes that delay its RPC replies. At max
 * speed that is ~6,000 events/s per client instead of ~18,000. A 'reset' first flushes a held
 * snapshot (order across a reset is kept) and drops held trace events of the old session.
 */
export class EventChannel {
  private held: string | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private closed = false
  private lastSnap = -Infinity
  private heldTrace: TraceEvent[] | null = null
  private lastTrace = -Infinity
  /** urgent calls of this client waiting for their reply: snapshots and trace batches wait too */
  private quiet = 0
  /** snapshot events replaced by a newer one before they were sent */
  coalesced = 0
  /** trace events not pushed because the client was behind */
  traceSkipped = 0
  sent = 0

  constructor(
    private readonly sink: EventSink,
    private readonly opts: BackpressureOptions = DEFAULT_BACKPRESSURE,
    private readonly onOverflow: () => void = () => {}
  ) {}

  /** `wire` gives the frame text; the host serialises each event once for all its clients */
  push(e: LabEvent, wire: () => string = () => JSON.stringify({ event: e })): void {
    if (this.closed || this.sink.readyState !== WS_OPEN) return
    if (e.type === 'snapshot') {
      const msg = wire()
      if (this.held !== null) {
        this.held = msg
        this.coalesced++
      } else if (this.quiet > 0 || this.backlog() > this.opts.highWater || performance.now() - this.lastSnap < this.opts.snapshotMinMs) {
        this.held = msg
        this.schedule()
      } else {
        this.writeSnap(msg)
      }
      return
    }
    if (e.type === 'trace') {
      if (this.backlog() > this.opts.highWater) {
        this.traceSkipped += e.events.length
        return
      }
      if (this.heldTrace === null && this.quiet === 0 && performance.now() - this.lastTrace >= this.opts.snapshotMinMs && e.events.length <= this.opts.traceMax) {
        this.lastTrace = performance.now()
        this.write(wire())
      } else {
        const all = this.heldTrace === null ? e.events : this.heldTrace.concat(e.events)
        const cut = Math.max(0, all.length - this.opts.traceMax)
        this.traceSkipped += cut
        this.heldTrace = cut ? all.slice(cut) : all
        this.schedule()
      }
      return
    }
    if (e.type === 'reset') {
      if (this.heldTrace) this.traceSkipped += this.heldTrace.length
      this.heldTrace = null
      if (this.held !== null) this.flushHeld()
    }
    this.write(wire())
    if (this.sink.bufferedAmount > this.opts.maxBuffered) this.onOverflow()
  }

  /** An urgent call (Pause, Step, a time-travel pick) of this client was accepted: hold snapshots
   *  and trace batches until its reply is sent, so no new frame lands between the click and the
   *  answer (#10 item 6). Console bytes still flow (never delayed, never reordered). */
  quietBegin(): void {
    this.quiet++
  }

  /** the urgent call's reply went out: what was held follows at the usual pace */
  quietEnd(): void {
    if (this.quiet === 0) return
    this.quiet--
    if (this.quiet === 0 && (this.held !== null || this.heldTrace !== null)) this.schedule()
  }

  /** true while a snapshot waits for the client to catch up */
  get holding(): boolean {
    return this.held !== null
  }

  close(): void {
    this.closed = true
    this.held = null
    this.heldTrace = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** what the client is behind by: acknowledged position when known, else this process's buffer */
  private backlog(): number {
    return this.sink.unacked ?? this.sink.bufferedAmount
  }

  private write(msg: string): void {
    this.sink.send(msg)
    this.sent++
  }

  private writeSnap(msg: string): void {
    this.lastSnap = performance.now()
    this.write(msg)
  }

  private flushHeld(): void {
    const msg = this.held
    this.held = null
    if (msg !== null) this.writeSnap(msg)
  }

  /** send what is held and due; true when something is still held */
  private flushDue(): boolean {
    if (this.quiet > 0) return true // quietEnd reschedules
    const now = performance.now()
    if (this.heldTrace !== null && this.backlog() <= this.opts.highWater && now - this.lastTrace >= this.opts.snapshotMinMs) {
      const events = this.heldTrace
      this.heldTrace = null
      this.lastTrace = now
      this.write(JSON.stringify({ event: { type: 'trace', events } }))
    }
    if (this.held !== null && this.backlog() <= this.opts.lowWater && now - this.lastSnap >= this.opts.snapshotMinMs) this.flushHeld()
    return this.held !== null || this.heldTrace !== null
  }

  private schedule(): void {
    if (this.timer || this.closed || this.quiet > 0) return
    const now = performance.now()
    const due = Math.min(
      this.held !== null ? this.lastSnap + this.opts.snapshotMinMs : Infinity,
      this.heldTrace !== null ? this.lastTrace + this.opts.snapshotMinMs : Infinity
    )
    const delay = this.backlog() > this.opts.lowWater ? this.opts.retryMs : Math.max(1, Math.ceil(due - now))
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.closed) return
      if (this.sink.readyState !== WS_OPEN) return this.close()
      if (this.flushDue()) this.schedule()
    }, delay)
    this.timer.unref?.()
  }
}
