// Emulated ivshmem fabric: QEMU's contrib ivshmem-server plus the ivshmem-doorbell device, in
// process (docs/ivshmem.md#lab-model). What it models, and what the guests can observe:
//  - peer ids from an incrementing uint16 counter that skips ids in use (not lowest-free, docs/ivshmem.md#peer-ids);
//  - N vectors per peer (-n, 1..64), one eventfd each; IVPosition = own id;
//  - Doorbell = (peer << 16) | vector; QEMU keeps only the low 8 bits of the vector (docs/ivshmem.md#device) and
//    silently drops a write to an unknown peer or a vector it has no eventfd for;
//  - eventfd counter semantics: rings that arrive before the receiver reads merge into one
//    interrupt carrying a count and no sender id (docs/ivshmem.md#interrupts);
//  - joins and leaves are never told to the guests (docs/ivshmem.md#peer-changes).
// Delivery latency (Doorbell write -> eventfd readable at the peer) is explicit, on any Clock.

import type { Clock } from '../sim/clock'
import type { ShmAccess } from '../sim/shm'
import type { TraceSink } from '../sim/trace'
import type { Side } from '../sim/types'
import { hex32 } from '../sim/fmt'
import {
  checkVectors,
  compactPeers,
  FabricError,
  newPeerStats,
  QEMU_DEVICE_VECTORS,
  type Fabric,
  type FabricCounters,
  type FabricStatus,
  type InterruptHandler,
  type Peer,
  type PeerStats
} from './fabric'

/** a peer of the emulated server, with its eventfd counters */
export class EmulatedPeer implements Peer {
  connected = true
  onInterrupt: InterruptHandler | null = null
  readonly stats: PeerStats
  readonly local = true
  /** eventfd counters, one per server vector */
  readonly efd: number[]
  readonly readPending: boolean[]

  constructor(
    readonly id: number,
    readonly vectors: number,
    readonly msix: number,
    readonly side: Side | null
  ) {
    this.stats = newPeerStats(vectors)
    this.efd = new Array<number>(vectors).fill(0)
    this.readPending = new Array<boolean>(vectors).fill(false)
  }

  /** BAR0 IVPosition */
  get ivposition(): number {
    return this.id
  }
}

export interface EmulatedFabricOptions {
  shm: ShmAccess
  vectors: number
  /** Doorbell write -> eventfd signalled at the receiver, ns */
  latency: number
  clock: Clock
  trace: TraceSink
}

export class EmulatedFabric implements Fabric {
  readonly kind = 'emulated' as const
  readonly shm: ShmAccess
  readonly vectors: number
  readonly latency: number
  readonly clock: Clock
  private readonly trace: TraceSink
  private curId = 0 // uint16, ivshmem-server's cur_id
  private readonly peers = new Map<number, EmulatedPeer>()
  /** peers in join order, departed ones compacted */
  private readonly list: EmulatedPeer[] = []
  readonly counters: FabricCounters = { doorbells: 0, dropped: 0, merged: 0, interrupts: 0 }
  private closed = false

  constructor(o: EmulatedFabricOptions) {
    const err = checkVectors(o.vectors)
    if (err) throw new FabricError('CFG_VECTORS', err)
    this.shm = o.shm
    this.vectors = o.vectors
    this.latency = o.latency
    this.clock = o.clock
    this.trace = o.trace
  }

  connect(side: Side | null, ready: (p: Peer) => void, msix = QEMU_DEVICE_VECTORS): void {
    ready(this.join(side, msix))
  }

  /** connect, synchronously: a new client connection, ids as ivshmem_server_handle_new_conn assigns them */
  join(side: Side | null, msix = QEMU_DEVICE_VECTORS): EmulatedPeer {
    if (this.closed) throw new FabricError('CLOSED', 'the fabric is closed')
    let i = 0
    for (; i < 0xffff; i++) {
      if (!this.peers.has(this.curId)) break
      this.curId = (this.curId + 1) & 0xffff
    }
    if (i === 0xffff) throw new FabricError('NO_FREE_ID', 'cannot allocate new client id (all 65535 in use)')
    const id = this.curId
    this.curId = (this.curId + 1) & 0xffff
    const p = new EmulatedPeer(id, this.vectors, msix, side)
    this.peers.set(id, p)
    this.list.push(p)
    compactPeers(this.list)
    if (this.trace.on) this.trace.emit('peer', side ?? undefined, { op: 'join', id, vectors: this.vectors })
    return p
  }

  disconnect(p: Peer): void {
    if (!p.connected || this.peers.get(p.id) !== p) return
    p.connected = false
    p.onInterrupt = null
    this.peers.delete(p.id)
    if (this.trace.on) this.trace.emit('peer', p.side ?? undefined, { op: 'leave', id: p.id })
  }

  peerList(): readonly Peer[] {
    return this.list
  }

  status(): FabricStatus {
    return this.closed ? { state: 'down', detail: 'emulated server stopped' } : { state: 'up', detail: `emulated ivshmem-server, ${this.peers.size} connected` }
  }

  close(): void {
    if (this.closed) return
    for (const p of [...this.peers.values()]) this.disconnect(p)
    this.closed = true
  }

  /** A store to the sender's BAR0 Doorbell register. Returns false when the hardware drops it. */
  doorbell(from: Peer, value: number): boolean {
    value >>>= 0
    const dest = value >>> 16
    const vector = value & 0xff // hw/misc/ivshmem.c keeps val & 0xff
    const c = this.counters
    c.doorbells++
    if (vector < from.vectors) from.stats.sent[vector]!++
    const to = this.peers.get(dest)
    // the sender's QEMU holds min(-n, vectors=) eventfds per peer ("Too many eventfd received")
    let reason: string | null = null
    if (!from.connected) reason = `sender ${from.id} is disconnected`
    else if (!to) reason = `no peer ${dest}`
    else if (vector >= Math.min(to.vectors, from.msix))
      reason = `peer ${dest} has no eventfd for vector ${vector} (server -n ${to.vectors}, QEMU vectors=${from.msix})`
    let tg = from.stats.targets.get(dest)
    if (!tg) from.stats.targets.set(dest, (tg = { sent: 0, dropped: 0, reason: null }))
    tg.sent++
    if (reason !== null) {
      tg.dropped++
      tg.reason = reason
      c.dropped++
      from.stats.dropped++
      if (this.trace.on)
        this.trace.emit('doorbell', from.side ?? undefined, { from: from.id, to: dest, vector, value: hex32(value), outcome: 'dropped', reason })
      return false
    }
    if (this.trace.on)
      this.trace.emit('doorbell', from.side ?? undefined, { from: from.id, to: dest, vector, value: hex32(value), outcome: 'sent' })
    const target = to!
    const fromId = from.id
    this.clock.after(this.latency, () => this.signal(target, vector, fromId))
    return true
  }

  /** the eventfd write lands at the receiver; `from` is for the trace only: an eventfd carries a
   *  count, never a sender (docs/ivshmem.md#interrupts) */
  private signal(to: EmulatedPeer, vector: number, from: number): void {
    if (!to.connected) {
      this.counters.dropped++
      if (this.trace.on) this.trace.emit('signal', to.side ?? undefined, { from, to: to.id, vector, outcome: 'lost', reason: 'peer left before delivery' })
      return
    }
    to.stats.received[vector]!++
    const merged = to.efd[vector]! > 0
    to.efd[vector]!++
    if (merged) {
      this.counters.merged++
      to.stats.merged[vector]!++
    }
    if (this.trace.on)
      this.trace.emit('signal', to.side ?? undefined, { from, to: to.id, vector, count: to.efd[vector], merged, outcome: merged ? 'merged' : 'delivered' })
    if (!to.readPending[vector]) {
      to.readPending[vector] = true
      // the receiver's QEMU reads the eventfd; same-time arrivals scheduled before this merge in
      this.clock.after(0, () => this.read(to, vector))
    }
  }

  private read(to: EmulatedPeer, vector: number): void {
    to.readPending[vector] = false
    const count = to.efd[vector]!
    to.efd[vector] = 0
    if (!to.connected || count === 0) return
    if (vector >= to.msix) {
      // QEMU closed this eventfd at setup: nobody polls it
      if (this.trace.on)
        this.trace.emit('irq', to.side ?? undefined, { to: to.id, vector, count, outcome: 'lost', reason: `QEMU device has vectors=${to.msix}` })
      return
    }
    this.counters.interrupts++
    to.stats.interrupts[vector]!++
    if (this.trace.on) this.trace.emit('irq', to.side ?? undefined, { to: to.id, vector, count, outcome: 'delivered' })
    to.onInterrupt?.(vector, count)
  }
}
