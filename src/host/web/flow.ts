// How far behind a WebSocket client really is. `bufferedAmount` only counts bytes still in this
// process; the kernel's socket buffers on both ends (several MiB on loopback) and the browser's
// own queue hide the rest, so a CPU-starved page could be ~10 MiB (a minute at ~150 KB/s) behind
// while bufferedAmount said 0. A ping is answered only once the client's WebSocket stack has read
// everything sent before it (RFC 6455 §5.5.2-3; browsers read as the page consumes), so a ping
// after the data and its pong give an acknowledged position in the byte stream.

export interface PingSocket {
  readonly bufferedAmount: number
  ping(data: Buffer): void
}

export class FlowTracker {
  private sent = 0
  private acked = 0
  private seq = 0
  /** the outstanding ping: its sequence number and the stream position it follows */
  private outstanding: { seq: number; at: number } | null = null

  constructor(
    private readonly ws: PingSocket,
    /** send a ping once this many bytes went out unacknowledged */
    private readonly every = 16 << 10
  ) {}

  /** bytes sent that the client has not shown it consumed (≥ bufferedAmount) */
  get unacked(): number {
    return Math.max(this.sent - this.acked, this.ws.bufferedAmount)
  }

  /** call after each send of `bytes` */
  onSend(bytes: number): void {
    this.sent += bytes
    this.maybePing()
  }

  /** call with each pong's payload */
  onPong(data: Buffer): void {
    if (!this.outstanding || data.length !== 4 || data.readUInt32BE(0) !== this.outstanding.seq) return
    this.acked = this.outstanding.at
    this.outstanding = null
    this.maybePing()
  }

  private maybePing(): void {
    if (this.outstanding || this.sent - this.acked < this.every) return
    this.seq = (this.seq + 1) >>> 0
    const b = Buffer.alloc(4)
    b.writeUInt32BE(this.seq, 0)
    this.outstanding = { seq: this.seq, at: this.sent }
    try {
      this.ws.ping(b)
    } catch {
      /* closed: nothing more will be sent */
    }
  }
}
