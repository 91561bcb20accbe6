// Driver side of a split virtqueue (virtio 1.2 §2.7.13 supplying buffers, §2.7.14 used
// buffers), over ShmAccess so a firmware's stores stay traced. It keeps its own shadow of
// avail.idx and the free list, and checks every used element like Linux's hardened virtio_ring:
// id < size and outstanding, len <= the chain's device-writable bytes (InvalidUsedId /
// InvalidUsedLen). Never throws on ring contents.

import type { ShmAccess } from '../sim/shm'
import { VRING_DESC_F, VRING_USED_F_NO_NOTIFY, VRING_AVAIL_F_NO_INTERRUPT } from './mmio'
import { popUsed } from './chain'
import { addrOf, ringOff, type RingAddr } from './ring'
import { needEvent } from './queue'
import type { Result } from './errors'

export interface DBuf {
  off: number
  len: number
  write: boolean
}
export interface UsedChain {
  id: number
  len: number
  bufs: DBuf[]
}

export class DriverQueue {
  private free: number[]
  private readonly out = new Map<number, { descs: number[]; bufs: DBuf[]; writable: number }>()
  availIdx = 0
  lastUsed = 0
  /** avail.idx at the last notification (EVENT_IDX, §2.7.10) */
  private kicked = 0

  constructor(
    private readonly shm: ShmAccess,
    readonly ring: RingAddr,
    private readonly driverBase: number,
    readonly eventIdx: boolean
  ) {
    this.free = Array.from({ length: ring.num }, (_, i) => ring.num - 1 - i)
    const s = shm
    s.w16(ringOff.availFlags(ring), 0)
    s.w16(ringOff.availIdx(ring), 0)
    s.w16(ringOff.usedEvent(ring), 0)
  }

  get freeCount(): number {
    return this.free.length
  }
  get outstanding(): number {
    return this.out.size
  }
  /** the descriptor indices of an outstanding chain (fault injection, inspectors) */
  descsOf(head: number): readonly number[] | undefined {
    return this.out.get(head)?.descs
  }

  /** the descriptor indices the next add() of `n` buffers will take, in chain order */
  peek(n: number): number[] {
    const f = this.free
    return f.slice(Math.max(0, f.length - n)).reverse()
  }

  /** lay a chain (readable buffers first, §2.7.4.2) and make it available; null when full */
  add(bufs: DBuf[]): number | null {
    if (bufs.length === 0 || bufs.length > this.free.length) return null
    const s = this.shm
    const r = this.ring
    const descs = bufs.map(() => this.free.pop()!)
    bufs.forEach((b, k) => {
      const o = ringOff.desc(r, descs[k]!)
      const a = addrOf(BigInt(this.driverBase) + BigInt(b.off))
      s.w32(o, a.lo)
      s.w32(o + 4, a.hi)
      s.w32(o + 8, b.len)
      const more = k + 1 < descs.length
      s.w16(o + 12, (more ? VRING_DESC_F.NEXT : 0) | (b.write ? VRING_DESC_F.WRITE : 0))
      s.w16(o + 14, more ? descs[k + 1]! : 0)
    })
    const head = descs[0]!
    this.out.set(head, { descs, bufs, writable: bufs.reduce((n, b) => n + (b.write ? b.len : 0), 0) })
    // ring entry, then the index (§2.7.13.2, §2.7.13.3)
    s.w16(ringOff.availRing(r, this.availIdx % r.num), head)
    this.availIdx = (this.availIdx + 1) & 0xffff
    s.w16(ringOff.availIdx(r), this.availIdx)
    return head
  }

  /** must the device be notified of what was added since the last notification? (§2.7.10) */
  shouldNotify(): boolean {
    const old = this.kicked
    if (old === this.availIdx) return false
    this.kicked = this.availIdx
    if (this.eventIdx) return needEvent(this.shm.r16(ringOff.availEvent(this.ring)), this.availIdx, old)
    return (this.shm.r16(ringOff.usedFlags(this.ring)) & VRING_USED_F_NO_NOTIFY) === 0
  }

  /** next used chain, checked; its descriptors return to the free list */
  pop(): Result<UsedChain | null> {
    const p = popUsed(this.shm, this.ring, this.lastUsed, (id) => this.out.get(id)?.writable ?? null)
    if (!p.ok || p.value === null) return p as Result<null>
    const c = this.out.get(p.value.id)!
    this.out.delete(p.value.id)
    this.free.push(...c.descs)
    this.lastUsed = p.value.lastUsed
    return { ok: true, value: { id: p.value.id, len: p.value.len, bufs: c.bufs } }
  }

  /** ask for an interrupt at the next used buffer (used_event = last_used, or clear NO_INTERRUPT) */
  enableInterrupts(): void {
    if (this.eventIdx) this.shm.w16(ringOff.usedEvent(this.ring), this.lastUsed)
    else this.shm.w16(ringOff.availFlags(this.ring), 0)
  }
  /** suppress interrupts (used while draining; VRING_AVAIL_F_NO_INTERRUPT is only a hint, §2.7.7) */
  disableInterrupts(): void {
    if (!this.eventIdx) this.shm.w16(ringOff.availFlags(this.ring), VRING_AVAIL_F_NO_INTERRUPT)
  }
}
