// Fabrics over a real ivshmem-server (docs/ivshmem.md#server-protocol), on the wall Clock:
//  - AttachedFabric: each local guest is one IvshmemClient connection to someone's server (QEMU's
//    contrib ivshmem-server, `virtio-lab server`, another lab); role both = two peers, one process;
//  - HostedFabric: our IvshmemServer in process, the local guests attached to it, so QEMU VMs and
//    other lab processes can join this one.
// connect() is asynchronous, as a real join: `ready` runs once the server gave the id (a restart
// rejoins and gets the next id). Remote peers (QEMU, other processes) are listed with local =
// false. Interrupts enter the clock with after(0); per vector at most one delivery is queued and
// later rings merge into its count, so a peer that floods doorbells costs bounded work per loop
// turn (the kernel's eventfd counter merges them first; counters.merged shows both).

import type { Clock } from '../sim/clock'
import type { TraceSink } from '../sim/trace'
import type { Side } from '../sim/types'
import type { ShmAccess } from '../sim/shm'
import { hex32 } from '../sim/fmt'
import {
  FabricError,
  QEMU_DEVICE_VECTORS,
  compactPeers,
  newPeerStats,
  type Fabric,
  type FabricCounters,
  type FabricKind,
  type FabricStatus,
  type InterruptHandler,
  type Peer,
  type PeerStats
} from './fabric'
import { IvshmemClient, type ClientOptions } from './real/client'
import { IvshmemServer, type ServerOptions } from './real/server'
import type { MappedShm } from './real/shm-access'
import { msgOf } from './real/errors'

export type Role = Side | 'both'

class RealPeer implements Peer {
  connected = true
  onInterrupt: InterruptHandler | null = null
  readonly stats: PeerStats
  /** queued delivery per vector (null = none queued) with the rings merged into it */
  readonly queued: (number | null)[]
  constructor(
    readonly id: number,
    readonly vectors: number,
    readonly msix: number,
    readonly side: Side | null,
    readonly local: boolean,
    readonly client: IvshmemClient | null
  ) {
    this.stats = newPeerStats(vectors)
    this.queued = new Array<number | null>(vectors).fill(null)
  }
}

export interface AttachOptions {
  socket: string
  clock: Clock
  /** shm size the lab expects (SHM_SIZE_MISMATCH otherwise) */
  size?: number
  /** own vectors each join waits for (the server's -n; SETUP_TIMEOUT when it gives fewer) */
  vectors?: number
  accessor?: boolean
  timeoutMs?: number
}

export class AttachedFabric implements Fabric {
  kind: FabricKind = 'attached'
  readonly vectors: number
  readonly shm: ShmAccess
  readonly counters: FabricCounters = { doorbells: 0, dropped: 0, merged: 0, interrupts: 0 }
  /** set by the session's fabric factory so our events land in its trace */
  trace: TraceSink = { on: false, emit: () => ({ i: -1, t: 0, k: 'peer' }), store: () => -1 }
  private readonly list: RealPeer[] = []
  private readonly locals = new Set<RealPeer>()
  private spare: IvshmemClient | null
  private readonly mapping: MappedShm
  private closed = false
  private lastError: string | null = null
  private serverGone = false

  protected constructor(
    readonly socket: string,
    first: IvshmemClient,
    readonly clock: Clock,
    private readonly opts: ClientOptions
  ) {
    this.vectors = first.vectors
    this.mapping = first.detachShm()
    this.shm = this.mapping.access
    this.spare = first
  }

  /** connect once (the first local peer's connection) and map the shm; rejects with an
   *  IvshmemError (codes in real/errors.ts) */
  static async open(o: AttachOptions): Promise<AttachedFabric> {
    const opts = { size: o.size, vectors: o.vectors, accessor: o.accessor, timeoutMs: o.timeoutMs }
    return new AttachedFabric(o.socket, await IvshmemClient.connect(o.socket, opts), o.clock, opts)
  }

  connect(side: Side | null, ready: (p: Peer) => void, msix = QEMU_DEVICE_VECTORS): void {
    if (this.closed) throw new FabricError('CLOSED', 'the fabric is closed')
    const spare = this.spare
    this.spare = null
    if (spare) return this.joined(spare, side, ready, msix)
    IvshmemClient.connect(this.socket, this.opts).then(
      (c) => {
        if (this.closed) return c.close()
        this.clock.after(0, () => this.joined(c, side, ready, msix))
        this.pump()
      },
      (e) => {
        this.lastError = `${side ?? 'peer'}: ${(e as { code?: string }).code ?? 'ERROR'}: ${msgOf(e)}`
        if (this.trace.on) this.trace.emit('error', side ?? undefined, { code: (e as { code?: string }).code ?? 'ATTACH', message: msgOf(e) })
      }
    )
  }

  private joined(c: IvshmemClient, side: Side | null, ready: (p: Peer) => void, msix: number): void {
    if (c.vectors !== this.vectors) this.lastError = `peer ${c.id} got ${c.vectors} vectors, the first got ${this.vectors}`
    const p = new RealPeer(c.id, c.vectors, msix, side, true, c)
    this.locals.add(p)
    this.list.push(p)
    for (const id of c.peers.keys()) this.remoteJoined(id, c.peers.get(id)!.fds.length)
    c.on('interrupt', (vector, count) => this.onInterrupt(p, vector, count))
    c.on('peer-joined', (id) => this.remoteJoined(id, this.vectors))
    c.on('peer-left', (id) => this.remoteLeft(id))
    c.on('server-gone', () => {
      this.serverGone = true
      if (this.trace.on) this.trace.emit('peer', side ?? undefined, { op: 'server-gone', socket: this.socket })
    })
    c.on('error', (e) => {
      this.lastError = `${side ?? 'peer'}: ${e.code}: ${e.message}`
      if (this.trace.on) this.trace.emit('error', side ?? undefined, { code: e.code, message: e.message })
    })
    compactPeers(this.list)
    if (this.trace.on) this.trace.emit('peer', side ?? undefined, { op: 'join', id: p.id, vectors: p.vectors, fabric: this.kind })
    ready(p)
  }

  /** a peer we do not run (QEMU, another process); our own other connections are not remote */
  private remoteJoined(id: number, vectors: number): void {
    if (this.list.some((p) => p.id === id && p.connected)) return
    this.list.push(new RealPeer(id, vectors, 0, null, false, null))
    compactPeers(this.list)
    if (this.trace.on) this.trace.emit('peer', undefined, { op: 'join', id, remote: true })
  }

  private remoteLeft(id: number): void {
    const p = this.list.find((x) => x.id === id && x.connected && !x.local)
    if (!p) return
    p.connected = false
    if (this.trace.on) this.trace.emit('peer', undefined, { op: 'leave', id, remote: true })
  }

  private pump(): void {
    // run a just-queued external event now rather than on the next timer tick
    ;(this.clock as { pump?: () => number }).pump?.()
  }

  private onInterrupt(p: RealPeer, vector: number, count: number): void {
    if (!p.connected || vector >= p.vectors) return
    p.stats.received[vector]! += count
    if (count > 1) {
      p.stats.merged[vector]! += count - 1
      this.counters.merged += count - 1
    }
    const q = p.queued[vector]
    if (q !== null && q !== undefined) {
      // a delivery is already queued: merge (bounded work whatever the ring rate)
      p.queued[vector] = q + count
      p.stats.merged[vector]! += count
      this.counters.merged += count
      return
    }
    p.queued[vector] = count
    this.clock.after(0, () => this.deliver(p, vector))
    this.pump()
  }

  private deliver(p: RealPeer, vector: number): void {
    const n = p.queued[vector] ?? 0
    p.queued[vector] = null
    if (!p.connected || n === 0) return
    if (vector >= p.msix) {
      if (this.trace.on) this.trace.emit('irq', p.side ?? undefined, { to: p.id, vector, count: n, outcome: 'lost', reason: `QEMU device has vectors=${p.msix}` })
      return
    }
    this.counters.interrupts++
    p.stats.interrupts[vector]!++
    if (this.trace.on) this.trace.emit('irq', p.side ?? undefined, { to: p.id, vector, count: n, outcome: 'delivered' })
    p.onInterrupt?.(vector, n)
  }

  disconnect(peer: Peer): void {
    const p = peer as RealPeer
    if (!this.locals.has(p) || !p.connected) return
    p.connected = false
    p.onInterrupt = null
    this.locals.delete(p)
    p.client?.close()
    if (this.trace.on) this.trace.emit('peer', p.side ?? undefined, { op: 'leave', id: p.id })
  }

  doorbell(from: Peer, value: number): boolean {
    const p = from as RealPeer
    value >>>= 0
    const dest = value >>> 16
    const vector = value & 0xff // hw/misc/ivshmem.c keeps val & 0xff
    this.counters.doorbells++
    if (vector < p.vectors) p.stats.sent[vector]!++
    let tg = p.stats.targets.get(dest)
    if (!tg) p.stats.targets.set(dest, (tg = { sent: 0, dropped: 0, reason: null }))
    tg.sent++
    let reason: string | null = null
    if (!this.locals.has(p) || !p.connected || !p.client) reason = `sender ${p.id} is disconnected`
    else if (vector >= p.msix) reason = `QEMU vectors=${p.msix}: no eventfd for vector ${vector}`
    else if (!p.client.ring(dest, vector))
      reason = p.client.peers.has(dest) || dest === p.id ? `peer ${dest} has no eventfd for vector ${vector}` : `no peer ${dest}`
    if (reason !== null) {
      tg.dropped++
      tg.reason = reason
      p.stats.dropped++
      this.counters.dropped++
    }
    if (this.trace.on)
      this.trace.emit('doorbell', p.side ?? undefined, { from: p.id, to: dest, vector, value: hex32(value), outcome: reason ? 'dropped' : 'sent', ...(reason ? { reason } : {}) })
    return reason === null
  }

  peerList(): readonly Peer[] {
    return this.list
  }

  status(): FabricStatus {
    if (this.closed) return { state: 'down', detail: `detached from ${this.socket}` }
    if (this.lastError) return { state: 'error', detail: this.lastError }
    if (this.serverGone) return { state: 'down', detail: `the ivshmem-server at ${this.socket} is gone: attached peers still ring each other, no joins or leaves are seen` }
    const mine = [...this.locals].map((p) => `${p.side ?? 'host'} = peer ${p.id}`).join(', ') || 'no local peer yet'
    const remote = this.list.filter((p) => !p.local && p.connected).length
    return { state: 'up', detail: `${this.kind} at ${this.socket}: ${mine}; ${remote} remote peer${remote === 1 ? '' : 's'}` }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const p of this.locals) {
      p.connected = false
      p.client?.close()
    }
    this.locals.clear()
    this.spare?.close()
    this.spare = null
    this.mapping.close()
  }
}

/** our ivshmem-server in this process, the local peers attached to it */
export class HostedFabric extends AttachedFabric {
  server!: IvshmemServer
  static async host(o: Omit<AttachOptions, 'socket'> & { server: ServerOptions & { path: string } }): Promise<HostedFabric> {
    const server = new IvshmemServer(o.server).start()
    try {
      const opts = { size: o.size, vectors: o.vectors, accessor: o.accessor, timeoutMs: o.timeoutMs }
      const f = new HostedFabric(o.server.path, await IvshmemClient.connect(o.server.path, opts), o.clock, opts)
      f.server = server
      f.kind = 'hosted'
      return f
    } catch (e) {
      server.close()
      throw e
    }
  }
  override close(): void {
    super.close()
    this.server.close()
  }
}
