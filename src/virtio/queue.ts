// Device-side split virtqueue (virtio 1.2 §2.7), after rust-vmm virtio-queue's `Queue`: it owns
// its indices (free-running next_avail / next_used, §2.7.6, §2.7.8), rejects invalid settings
// (§4.2.3.2: size, addresses, ready), validates every chain through chain.ts (TTL = queue size,
// §2.7.5.2) and, once a chain or ring is bad, stays poisoned until reset (§2.1.2 NEEDS_RESET).
// Nothing here throws on ring contents: errors are VirtioError values with stable codes.

import type { ShmAccess } from '../sim/shm'
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY } from './mmio'
import { err, ok, type Result, type VirtioError } from './errors'
import { popAvail, type DescChain } from './chain'
import { MAX_QUEUE_SIZE, checkRing, ringFromAddrs, ringOff, setUsedElem, setUsedIdx, type Addr64, type RingAddr } from './ring'
import { isPow2 } from './fmt'

export type RingPart = 'desc' | 'driver' | 'device'
const OK: Result<void> = ok(undefined)

/** vring_need_event (virtio 1.2 §2.7.10): has `event` been crossed moving from `old` to `now`? */
export function needEvent(event: number, now: number, old: number): boolean {
  return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff)
}

export class Queue {
  /** QueueNum (defaults to QueueNumMax, §4.2.3.2) */
  size: number
  ready = false
  readonly addr: Record<RingPart, Addr64> = { desc: { lo: 0, hi: 0 }, driver: { lo: 0, hi: 0 }, device: { lo: 0, hi: 0 } }
  /** free-running u16 indices owned by the device */
  nextAvail = 0
  nextUsed = 0
  /** VIRTIO_F_EVENT_IDX / VIRTIO_F_RING_INDIRECT_DESC negotiated (set at FEATURES_OK) */
  eventIdx = false
  indirect = false
  /** the first error seen on this queue; the queue refuses work until reset */
  poisoned: VirtioError | null = null
  /** shm offsets of the three parts, valid while ready */
  ring: RingAddr | null = null
  /** next_used when the driver was last interrupted (EVENT_IDX bookkeeping) */
  private signalled = 0

  constructor(
    readonly index: number,
    readonly maxSize: number
  ) {
    if (!isPow2(maxSize) || maxSize > MAX_QUEUE_SIZE) throw new RangeError(`QueueNumMax ${maxSize} is not a power of two <= 32768`)
    this.size = maxSize
  }

  reset(): void {
    this.size = this.maxSize
    this.ready = false
    for (const p of ['desc', 'driver', 'device'] as const) this.addr[p] = { lo: 0, hi: 0 }
    this.nextAvail = this.nextUsed = this.signalled = 0
    this.eventIdx = this.indirect = false
    this.poisoned = null
    this.ring = null
  }

  /** QueueNum: a power of two in 1..QueueNumMax, written only while not ready (§2.7, §4.2.3.2) */
  setSize(n: number): Result<void> {
    if (this.ready) return err('InvalidQueueSetting', `queue ${this.index}: QueueNum written while QueueReady = 1`, { queue: this.index, num: n })
    if (!isPow2(n) || n > this.maxSize)
      return err('InvalidQueueSize', `queue ${this.index}: QueueNum ${n} is not a power of two in 1..QueueNumMax ${this.maxSize}`, {
        queue: this.index,
        num: n,
        max: this.maxSize
      })
    this.size = n
    return ok(undefined)
  }

  /** one 32-bit half of QueueDesc/Driver/Device (§4.2.2); only while not ready */
  setAddr(part: RingPart, high: boolean, v: number): Result<void> {
    if (this.ready) return err('InvalidQueueSetting', `queue ${this.index}: Queue${part} written while QueueReady = 1`, { queue: this.index, part })
    const a = this.addr[part]
    this.addr[part] = high ? { lo: a.lo, hi: v >>> 0 } : { lo: v >>> 0, hi: a.hi }
    return ok(undefined)
  }

  /** QueueReady. 1 checks the ring against shm (placement, alignment §2.7.2); 0 stops the queue. */
  setReady(on: boolean, shmSize: number, driverBase: number): Result<void> {
    if (!on) {
      this.ready = false
      this.ring = null
      return ok(undefined)
    }
    if (this.ready) return ok(undefined)
    const r = ringFromAddrs(this.addr.desc, this.addr.driver, this.addr.device, this.size, driverBase)
    if (r === null)
      return err('RingOutOfBounds', `queue ${this.index}: a ring address is below the shm base or not addressable`, { queue: this.index })
    const c = checkRing(r, shmSize)
    if (!c.ok) {
      c.error.values.queue = this.index
      return c
    }
    this.ring = r
    this.ready = true
    this.nextAvail = this.nextUsed = this.signalled = 0
    return ok(undefined)
  }

  private usable(): Result<RingAddr> {
    if (this.poisoned) return err('QueuePoisoned', `queue ${this.index} is poisoned by ${this.poisoned.code}; reset the device`, { queue: this.index })
    if (!this.ready || !this.ring) return err('QueueNotReady', `queue ${this.index} is not ready`, { queue: this.index })
    return ok(this.ring)
  }

  /** poison on the first error; the error is returned for the caller to report */
  private fail<T>(r: { ok: false; error: VirtioError }): Result<T> {
    r.error.values.queue = this.index
    this.poisoned ??= r.error
    return r
  }

  /** the next available chain (validated) or null; advances next_avail only on success */
  pop(shm: ShmAccess, driverBase: number): Result<DescChain | null> {
    const u = this.usable()
    if (!u.ok) return u
    const p = popAvail(shm, u.value, this.nextAvail, driverBase, { indirect: this.indirect, ringChecked: true })
    if (!p.ok) return this.fail(p)
    if (p.value === null) return ok(null)
    this.nextAvail = p.value.nextAvail
    return ok(p.value.chain)
  }

  /** used element (head, bytes written) then used.idx (§2.7.8.2) */
  push(shm: ShmAccess, head: number, len: number): Result<void> {
    const u = this.usable()
    if (!u.ok) return u
    const r = u.value
    if (!Number.isInteger(head) || head < 0 || head >= r.num)
      return this.fail(err('InvalidDescriptorIndex', `used id ${head} >= queue size ${r.num}`, { id: head, num: r.num }))
    // element, then index (§2.7.8.2); the ring was checked at QueueReady
    setUsedElem(shm, r, this.nextUsed % r.num, { id: head, len: len >>> 0 })
    this.nextUsed = (this.nextUsed + 1) & 0xffff
    setUsedIdx(shm, r, this.nextUsed)
    return OK
  }

  /** after pushing used entries: must the driver be interrupted? (§2.7.7 NO_INTERRUPT, §2.7.10 used_event) */
  needsInterrupt(shm: ShmAccess): boolean {
    const r = this.ring
    if (!r || !this.ready) return false
    const old = this.signalled
    if (old === this.nextUsed) return false
    this.signalled = this.nextUsed
    if (this.eventIdx) return needEvent(shm.r16(ringOff.usedEvent(r)), this.nextUsed, old)
    return (shm.r16(ringOff.availFlags(r)) & VRING_AVAIL_F_NO_INTERRUPT) === 0
  }

  /** ask to be notified of the next chain: avail_event = next_avail (EVENT_IDX) or clear NO_NOTIFY */
  enableNotify(shm: ShmAccess, w16: (off: number, v: number) => void = (o, v) => shm.w16(o, v)): void {
    const r = this.ring
    if (!r || !this.ready) return
    if (this.eventIdx) w16(ringOff.availEvent(r), this.nextAvail)
    else if (shm.r16(ringOff.usedFlags(r)) & VRING_USED_F_NO_NOTIFY) w16(ringOff.usedFlags(r), 0)
  }
}

// ---- chain payloads ---------------------------------------------------------------------------

/** the chain's device-readable bytes, in order (bounded by the chain, which lies inside shm) */
export function readChain(shm: ShmAccess, c: DescChain, max = Infinity): Uint8Array {
  const out = new Uint8Array(Math.min(c.readLen, max))
  readChainInto(shm, c, out)
  return out
}

/** copy the chain's device-readable bytes into `dst` (no allocation over an in-process Shm);
 *  returns the bytes copied */
export function readChainInto(shm: ShmAccess, c: DescChain, dst: Uint8Array): number {
  const u8 = (shm as { u8?: unknown }).u8 instanceof Uint8Array ? (shm as unknown as { u8: Uint8Array }).u8 : null
  let n = 0
  for (const b of c.bufs) {
    if (b.write || n >= dst.length) continue
    const k = Math.min(b.len, dst.length - n)
    dst.set(u8 ? u8.subarray(b.off, b.off + k) : shm.read(b.off, k), n)
    n += k
  }
  return n
}

/** fill the chain's device-writable buffers with `data`; returns the bytes written (used.len) */
export function writeChain(data: ArrayLike<number>, c: DescChain, w8: (off: number, v: number) => void): number {
  let n = 0
  for (const b of c.bufs) {
    if (!b.write) continue
    for (let k = 0; k < b.len && n < data.length; k++) w8(b.off + k, data[n++]! & 0xff)
    if (n >= data.length) break
  }
  return n
}
