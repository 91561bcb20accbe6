// Fabrics over a real ivshmem-server (docs/ivshmem.md), for guests on the wall Clock:
//  - AttachedFabric: one IvshmemClient per local role (device, driver or both = two peers from one
//    process) on someone's server: QEMU's contrib ivshmem-server, `virtio-lab server`, another lab;
//  - HostedFabric: our IvshmemServer in process plus the same attached local peers, so QEMU VMs
//    and other lab processes can join this one.
// Remote peers (QEMU, other processes) are listed with local = false. Interrupts enter the clock
// with after(0); per vector at most one delivery is queued, later rings merge into its count,
// so a peer that floods doorbells costs bounded work per loop turn (the kernel's eventfd counter
// merges them first; `counters.merged` shows both).
//
// Main's Fabric seam is still synchronous (connect returns the Peer): the clients connect in
// open(), in start order, and connect(side) hands out the one for that side. A guest restart
// needs a new connection, so it is refused here (FabricConfigError).

import type { Clock } from '../sim/clock'
import type { TraceSink } from '../sim/trace'
import type { Side } from '../sim/types'
import type { ShmAccess } from '../sim/shm'
import { hex32 } from '../sim/fmt'
import { FabricConfigError, Peer, QEMU_DEVICE_VECTORS, type Fabric } from './fabric'
import { IvshmemClient } from './real/client'
import { IvshmemServer, type ServerOptions } from './real/server'

export type FabricKind = 'emulated' | 'attached' | 'hosted'
export type Role = Side | 'both'

export interface AttachOptions {
  socket: string
  /** local peers, in connect (= start) order */
  sides: Side[]
  clock: Clock
  trace: TraceSink
  /** shm size the lab expects (SHM_SIZE_MISMATCH otherwise) */
  size?: number
  accessor?: boolean
  timeoutMs?: number
}

export interface PeerInfo {
  id: number
  side: Side | null
  local: boolean
  vectors: number
}

export interface FabricStatus {
  state: 'up' | 'down' | 'error'
  detail: string
}

interface Local {
  side: Side
  client: IvshmemClient
  peer: Peer | null
  /** queued delivery per vector (null = none queued) and the rings merged into it */
  queued: (number | null)[]
}

export function sidesOf(role: Role, order: 'device-first' | 'driver-first' = 'device-first'): Side[] {
  if (role !== 'both') return [role]
  return order === 'driver-first' ? ['driver', 'device'] : ['device', 'driver']
}

export class AttachedFabric implements Fabric {
  kind: FabricKind = 'attached'
  readonly vectors: number
  readonly counters = { doorbells: 0, dropped: 0, merged: 0, interrupts: 0 }
  private closed = false

  protected constructor(
    readonly socket: string,
    private readonly locals: Local[],
    readonly clock: Clock,
    private readonly trace: TraceSink
  ) {
    this.vectors = locals[0]!.client.vectors
    for (const l of locals) this.wire(l)
  }

  /** connect one client per side (rejects with IvshmemError: codes in real/errors.ts) */
  static async open(o: AttachOptions): Promise<AttachedFabric> {
    return new AttachedFabric(o.socket, await connectAll(o), o.clock, o.trace)
  }

  /** every local peer maps the same memory; the first mapping serves the guests */
  get shm(): ShmAccess {
    return this.locals[0]!.client.shm
  }

  private wire(l: Local): void {
    const c = l.client
    c.on('interrupt', (vector, count) => this.onInterrupt(l, vector, count))
    c.on('peer-joined', (id) => this.trace.on && this.trace.emit('peer', undefined, { op: 'join', id, remote: !this.isLocal(id) }))
    c.on('peer-left', (id) => this.trace.on && this.trace.emit('peer', undefined, { op: 'leave', id, remote: !this.isLocal(id) }))
    c.on('server-gone', () => this.trace.on && this.trace.emit('peer', l.side, { op: 'server-gone', socket: this.socket }))
    c.on('error', (e) => this.trace.on && this.trace.emit('error', l.side, { code: e.code, message: e.message }))
  }

  private isLocal(id: number): boolean {
    return this.locals.some((l) => l.client.id === id)
  }

  private onInterrupt(l: Local, vector: number, count: number): void {
    const p = l.peer
    if (!p || !p.connected || vector >= p.vectors) return
    p.stats.received[vector]! += count
    if (count > 1) {
      p.stats.merged[vector]! += count - 1
      this.counters.merged += count - 1
    }
    const q = l.queued[vector]
    if (q !== null && q !== undefined) {
      // a delivery is already queued: merge (bounded work whatever the ring rate)
      l.queued[vector] = q + count
      p.stats.merged[vector]! += count
      this.counters.merged += count
      return
    }
    l.queued[vector] = count
    this.clock.after(0, () => {
      const n = l.queued[vector] ?? 0
      l.queued[vector] = null
      if (!p.connected || n === 0) return
      if (vector >= p.msix) {
        if (this.trace.on) this.trace.emit('irq', l.side, { to: p.id, vector, count: n, outcome: 'lost', reason: `QEMU device has vectors=${p.msix}` })
        return
      }
      this.counters.interrupts++
      p.stats.interrupts[vector]!++
      if (this.trace.on) this.trace.emit('irq', l.side, { to: p.id, vector, count: n, outcome: 'delivered' })
      p.onInterrupt?.(vector, n)
    })
    // run it now rather than on the next timer tick
    ;(this.clock as { pump?: () => number }).pump?.()
  }

  connect(side: Side | null, msix = QEMU_DEVICE_VECTORS): Peer {
    const l = this.locals.find((x) => x.side === side)
    if (!l) throw new FabricConfigError(`no ${side ?? 'anonymous'} peer attached to ${this.socket} (roles: ${this.locals.map((x) => x.side).join(', ')})`)
    if (l.peer) throw new FabricConfigError(`the ${side} peer is already in use: restarting a side needs a new connection, which an attached fabric does not make`)
    if (l.client.state !== 'ready') throw new FabricConfigError(`the ${side} peer is not connected (${l.client.lastError?.message ?? l.client.state})`)
    l.peer = new Peer(l.client.id, l.client.vectors, msix, side)
    l.queued = new Array<number | null>(l.client.vectors).fill(null)
    if (this.trace.on) this.trace.emit('peer', side ?? undefined, { op: 'join', id: l.peer.id, vectors: l.client.vectors, fabric: this.kind })
    return l.peer
  }

  disconnect(p: Peer): void {
    const l = this.locals.find((x) => x.peer === p)
    if (!l || !p.connected) return
    p.connected = false
    p.onInterrupt = null
    l.client.close()
    if (this.trace.on) this.trace.emit('peer', p.side ?? undefined, { op: 'leave', id: p.id })
  }

  doorbell(from: Peer, value: number): boolean {
    value >>>= 0
    const dest = value >>> 16
    const vector = value & 0xff // hw/misc/ivshmem.c keeps val & 0xff
    this.counters.doorbells++
    if (vector < from.vectors) from.stats.sent[vector]!++
    const l = this.locals.find((x) => x.peer === from)
    let tg = from.stats.targets.get(dest)
    if (!tg) from.stats.targets.set(dest, (tg = { sent: 0, dropped: 0, reason: null }))
    tg.sent++
    let reason: string | null = null
    if (!l || !from.connected) reason = `sender ${from.id} is disconnected`
    else if (vector >= from.msix) reason = `QEMU vectors=${from.msix}: no eventfd for vector ${vector}`
    else if (!l.client.ring(dest, vector)) reason = l.client.peers.has(dest) || dest === from.id ? `peer ${dest} has no eventfd for vector ${vector}` : `no peer ${dest}`
    if (reason !== null) {
      tg.dropped++
      tg.reason = reason
      from.stats.dropped++
      this.counters.dropped++
    }
    if (this.trace.on)
      this.trace.emit('doorbell', from.side ?? undefined, { from: from.id, to: dest, vector, value: hex32(value), outcome: reason ? 'dropped' : 'sent', ...(reason ? { reason } : {}) })
    return reason === null
  }

  /** local and remote peers known to our clients, by id */
  peerList(): PeerInfo[] {
    const out = new Map<number, PeerInfo>()
    for (const l of this.locals) {
      if (l.client.id >= 0) out.set(l.client.id, { id: l.client.id, side: l.side, local: true, vectors: l.client.vectors })
      for (const [id, p] of l.client.peers) if (!out.has(id)) out.set(id, { id, side: null, local: this.isLocal(id), vectors: p.fds.length })
    }
    return [...out.values()].sort((a, b) => a.id - b.id)
  }

  status(): FabricStatus {
    const err = this.locals.find((l) => l.client.state === 'error')
    if (err) return { state: 'error', detail: `${err.side}: ${err.client.lastError?.code}: ${err.client.lastError?.message}` }
    if (this.locals.some((l) => l.client.state === 'gone'))
      return { state: 'down', detail: `the ivshmem-server at ${this.socket} is gone: attached peers still ring each other, no joins or leaves are seen` }
    const remote = this.peerList().filter((p) => !p.local).length
    const ids = this.locals.map((l) => `${l.side} = peer ${l.client.id}`).join(', ')
    return { state: 'up', detail: `${this.kind} at ${this.socket}: ${ids}; ${remote} remote peer${remote === 1 ? '' : 's'}` }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const l of this.locals) {
      if (l.peer) l.peer.connected = false
      l.client.close()
    }
  }
}

async function connectAll(o: AttachOptions): Promise<Local[]> {
  const out: Local[] = []
  try {
    for (const side of o.sides) {
      const client = await IvshmemClient.connect(o.socket, { size: o.size, accessor: o.accessor, timeoutMs: o.timeoutMs })
      out.push({ side, client, peer: null, queued: [] })
    }
  } catch (e) {
    for (const l of out) l.client.close()
    throw e
  }
  return out
}

/** our ivshmem-server in this process, with the local peers attached to it */
export class HostedFabric extends AttachedFabric {
  static async host(o: Omit<AttachOptions, 'socket'> & { server: ServerOptions & { path: string } }): Promise<HostedFabric> {
    const server = new IvshmemServer(o.server).start()
    try {
      const f = new HostedFabric(o.server.path, await connectAll({ ...o, socket: o.server.path }), o.clock, o.trace)
      f.server = server
      f.kind = 'hosted'
      return f
    } catch (e) {
      server.close()
      throw e
    }
  }
  server!: IvshmemServer
  override close(): void {
    super.close()
    this.server.close()
  }
}
