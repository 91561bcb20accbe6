// Emulated ivshmem fabric: QEMU's contrib ivshmem-server plus the ivshmem-doorbell device, in
// process (ivshmem.md §1). What it models, and what the guests can observe:
//  - peer ids from an incrementing uint16 counter that skips ids in use (not lowest-free, §1.3);
//  - N vectors per peer (-n, 1..64), one eventfd each; IVPosition = own id;
//  - Doorbell = (peer << 16) | vector; QEMU keeps only the low 8 bits of the vector (§1.6) and
//    silently drops a write to an unknown peer or a vector it has no eventfd for;
//  - eventfd counter semantics: rings that arrive before the receiver reads merge into one
//    interrupt carrying a count and no sender id (§3 pitfall 6);
//  - joins and leaves are never told to the guests (§1.7).
// Delivery latency (Doorbell write -> eventfd readable at the peer) is explicit and virtual.

import type { Clock } from '../sim/clock'
import type { TraceSink } from '../sim/trace'
import type { Side } from '../sim/types'
import { hex32 } from '../sim/fmt'
import type { Shm } from '../sim/shm'

export const IVSHMEM_MAX_VECTORS = 64 // IVSHMEM_SERVER_MAX_VECTORS
/** Zephyr's qemu.cmake: -device ivshmem-doorbell,vectors=2 (CONFIG_IVSHMEM_MSI_X_VECTORS) */
export const QEMU_DEVICE_VECTORS = 2

export type InterruptHandler = (vector: number, count: number) => void

export interface PeerStats {
  sent: number[]
  received: number[]
  merged: number[]
  interrupts: number[]
  dropped: number
  /** doorbells by destination id: what this peer rang, and what became of it */
  targets: Map<number, { sent: number; dropped: number; reason: string | null }>
}

/** One connection to the server: a QEMU ivshmem-doorbell device (or a host process). */
export class Peer {
  connected = true
  onInterrupt: InterruptHandler | null = null
  readonly stats: PeerStats
  /** eventfd counters, one per server vector */
  readonly efd: number[]
  readonly readPending: boolean[]

  constructor(
    readonly id: number,
    /** server vectors (-n): eventfds this peer owns */
    readonly vectors: number,
    /** MSI-X vectors of this peer's QEMU device (vectors=): it keeps at most this many eventfds per peer */
    readonly msix: number,
    readonly side: Side | null
  ) {
    this.stats = {
      sent: new Array<number>(vectors).fill(0),
      received: new Array<number>(vectors).fill(0),
      merged: new Array<number>(vectors).fill(0),
      interrupts: new Array<number>(vectors).fill(0),
      dropped: 0,
      targets: new Map()
    }
    this.efd = new Array<number>(vectors).fill(0)
    this.readPending = new Array<boolean>(vectors).fill(false)
  }

  /** BAR0 IVPosition */
  get ivposition(): number {
    return this.id
  }
}

export interface FabricOptions {
  shm: Shm
  vectors: number
  /** Doorbell write -> eventfd signalled at the receiver, ns */
  latency: number
  sched: Clock
  trace: TraceSink
}

export class FabricConfigError extends Error {
  constructor(msg: string) {
    super(msg)
    this.name = 'FabricConfigError'
  }
}

export function checkVectors(n: number): string | null {
  if (!Number.isInteger(n) || n < 1 || n > IVSHMEM_MAX_VECTORS)
    return `vectors must be an integer 1..${IVSHMEM_MAX_VECTORS} (ivshmem-server -n), got ${n}`
  return null
}

/** What a guest's ivshmem-doorbell device needs from a fabric. The emulated fabric below
 *  implements it in process; an attached fabric (a real ivshmem-server reached through a native
 *  addon: SCM_RIGHTS, eventfd, mmap) implements the same with wall-clock delivery. */
export interface Fabric {
  readonly vectors: number
  connect(side: Side | null, msix?: number): Peer
  disconnect(p: Peer): void
  /** a store to the sender's BAR0 Doorbell; false when the hardware drops it */
  doorbell(from: Peer, value: number): boolean
}

export class EmulatedFabric implements Fabric {
  readonly shm: Shm
  readonly vectors: number
  readonly latency: number
  private readonly sched: Clock
  private readonly trace: TraceSink
  private curId = 0 // uint16, ivshmem-server's cur_id
  private readonly peers = new Map<number, Peer>()
  /** every peer that ever joined, in join order (for the BAR0 view) */
  readonly history: Peer[] = []
  doorbells = 0
  dropped = 0
  merged = 0
  interrupts = 0

  constructor(o: FabricOptions) {
    const err = checkVectors(o.vectors)
    if (err) throw new FabricConfigError(err)
    this.shm = o.shm
    this.vectors = o.vectors
    this.latency = o.latency
    this.sched = o.sched
    this.trace = o.trace
  }

  /** a new client connection; ids as ivshmem_server_handle_new_conn assigns them */
  connect(side: Side | null, msix = QEMU_DEVICE_VECTORS): Peer {
    let i = 0
    for (; i < 0xffff; i++) {
      if (!this.peers.has(this.curId)) break
      this.curId = (this.curId + 1) & 0xffff
    }
    if (i === 0xffff) throw new FabricConfigError('cannot allocate new client id (all 65535 in use)')
    const id = this.curId
    this.curId = (this.curId + 1) & 0xffff
    const p = new Peer(id, this.vectors, msix, side)
    this.peers.set(id, p)
    this.history.push(p)
    if (this.trace.on) this.trace.emit('peer', side ?? undefined, { op: 'join', id, vectors: this.vectors })
    return p
  }

  disconnect(p: Peer): void {
    if (!p.connected) return
    p.connected = false
    p.onInterrupt = null
    this.peers.delete(p.id)
    if (this.trace.on) this.trace.emit('peer', p.side ?? undefined, { op: 'leave', id: p.id })
  }

  peer(id: number): Peer | undefined {
    return this.peers.get(id)
  }

  get connected(): Peer[] {
    return [...this.peers.values()]
  }

  /** A store to the sender's BAR0 Doorbell register. Returns false when the hardware drops it. */
  doorbell(from: Peer, value: number): boolean {
    value >>>= 0
    const dest = value >>> 16
    const vector = value & 0xff // hw/misc/ivshmem.c keeps val & 0xff
    this.doorbells++
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
      this.dropped++
      from.stats.dropped++
      if (this.trace.on)
        this.trace.emit('doorbell', from.side ?? undefined, { from: from.id, to: dest, vector, value: hex32(value), outcome: 'dropped', reason })
      return false
    }
    if (this.trace.on)
      this.trace.emit('doorbell', from.side ?? undefined, { from: from.id, to: dest, vector, value: hex32(value), outcome: 'sent' })
    const target = to!
    const fromId = from.id
    this.sched.after(this.latency, () => this.signal(target, vector, fromId))
    return true
  }

  /** the eventfd write lands at the receiver */
  /** `from` is for the trace only: an eventfd carries a count, never a sender (§3 pitfall 6) */
  private signal(to: Peer, vector: number, from: number): void {
    if (!to.connected) {
      this.dropped++
      if (this.trace.on) this.trace.emit('signal', to.side ?? undefined, { from, to: to.id, vector, outcome: 'lost', reason: 'peer left before delivery' })
      return
    }
    to.stats.received[vector]!++
    const merged = to.efd[vector]! > 0
    to.efd[vector]!++
    if (merged) {
      this.merged++
      to.stats.merged[vector]!++
    }
    if (this.trace.on)
      this.trace.emit('signal', to.side ?? undefined, { from, to: to.id, vector, count: to.efd[vector], merged, outcome: merged ? 'merged' : 'delivered' })
    if (!to.readPending[vector]) {
      to.readPending[vector] = true
      // the receiver's QEMU reads the eventfd; same-time arrivals scheduled before this merge in
      this.sched.after(0, () => this.read(to, vector))
    }
  }

  private read(to: Peer, vector: number): void {
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
    this.interrupts++
    to.stats.interrupts[vector]!++
    if (this.trace.on) this.trace.emit('irq', to.side ?? undefined, { to: to.id, vector, count, outcome: 'delivered' })
    to.onInterrupt?.(vector, count)
  }
}
