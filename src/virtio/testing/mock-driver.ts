// Driver-side split-queue builder for tests (in the spirit of rust-vmm's MockSplitQueue and
// Firecracker's VirtQueue test helper): lays out a ring in shm, scatters descriptors and buffers at
// seeded random gaps so a device cannot get away with assuming contiguous memory, publishes chains
// to the avail ring and reads the used ring back. A test tool: misuse throws.

import type { ShmAccess } from '../../sim/shm'
import { VRING_DESC_F, VQ_RING_DESC_CHAIN_END } from '../mmio'
import { popUsed } from '../chain'
import {
  DESC_SIZE,
  addrOf,
  availIdx,
  checkRing,
  readDesc,
  ringAt,
  ringSizes,
  setAvailIdx,
  setAvailRing,
  usedIdx,
  writeDesc,
  type Addr64,
  type Desc,
  type RingAddr,
  type UsedElem
} from '../ring'

/** mulberry32: tiny deterministic PRNG, returns floats in [0, 1) */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface MockBuf {
  len: number
  /** device-writable (VRING_DESC_F_WRITE) */
  write?: boolean
  /** initial contents (readable buffers default to PRNG bytes, writable ones to zero) */
  data?: ArrayLike<number>
}

export interface MockQueueOpts {
  /** shm offset of the ring; legacy contiguous layout (vring_init) */
  base: number
  num: number
  /** used-ring alignment (QueueAlign), default 4096 */
  align?: number
  /** driver VA of shm offset 0 (desc.addr = driverBase + off), default 0xAFA00000 */
  driverBase?: number
  seed?: number
  /** where buffers and indirect tables go; default from the ring's end to the end of shm */
  bufArea?: { off: number; len: number }
}

export interface AddChainOpts {
  /** largest random gap between buffers, bytes (default 64) */
  maxGap?: number
  /** pick descriptor indices at random instead of lowest-free-first (default true) */
  scatter?: boolean
  /** put the chain in an indirect table (virtio 1.2 §2.7.5.3) */
  indirect?: boolean
  /** make it available right away (default true) */
  publish?: boolean
}

export interface AddedChain {
  head: number
  /** descriptor indices of the chain in the queue's table, in chain order */
  descs: number[]
  /** shm ranges of the buffers, in chain order */
  bufs: { off: number; len: number; write: boolean }[]
  /** shm offset of the indirect table, when indirect */
  tableOff?: number
}

export class MockSplitQueue {
  readonly ring: RingAddr
  readonly driverBase: number
  private readonly rnd: () => number
  private free: number[]
  private cursor: number
  private readonly areaEnd: number
  private readonly chains = new Map<number, AddedChain>()
  /** driver's used consumer index (free-running u16) */
  lastUsed = 0

  constructor(
    readonly shm: ShmAccess,
    opts: MockQueueOpts
  ) {
    const align = opts.align ?? 4096
    this.ring = ringAt(opts.base, opts.num, align)
    const c = checkRing(this.ring, shm.size)
    if (!c.ok) throw c.error
    this.driverBase = opts.driverBase ?? 0xafa00000
    this.rnd = mulberry32(opts.seed ?? 1)
    const end = this.ring.usedOff + ringSizes(opts.num).used
    const area = opts.bufArea ?? { off: end, len: shm.size - end }
    this.cursor = area.off
    this.areaEnd = area.off + area.len
    this.free = Array.from({ length: opts.num }, (_, i) => i)
  }

  get num(): number {
    return this.ring.num
  }
  get freeCount(): number {
    return this.free.length
  }
  get availIdx(): number {
    return availIdx(this.shm, this.ring)
  }
  get usedIdx(): number {
    return usedIdx(this.shm, this.ring)
  }

  /** desc.addr the driver publishes for shm offset `off` */
  addr(off: number): Addr64 {
    return addrOf(BigInt(this.driverBase) + BigInt(off))
  }

  private rand(n: number): number {
    return Math.floor(this.rnd() * n)
  }

  /** reserve `len` bytes after a random gap of 0..maxGap bytes, aligned to `al` */
  private place(len: number, maxGap: number, al = 1): number {
    let off = this.cursor + this.rand(maxGap + 1)
    off = Math.ceil(off / al) * al
    if (off + len > this.areaEnd) throw new RangeError(`mock buffer area exhausted (need ${len} bytes at ${off})`)
    this.cursor = off + len
    return off
  }

  private fillBuf(b: MockBuf, off: number): void {
    for (let k = 0; k < b.len; k++) {
      const v = b.data ? (b.data[k] ?? 0) : b.write ? 0 : this.rand(256)
      this.shm.w8(off + k, v)
    }
  }

  /** Seed driver's initial free chain: desc[i].next = i + 1, last = 0x8000 (docs/wire-protocol.md#vring-layout) */
  seedInit(): void {
    for (let i = 0; i < this.num; i++)
      writeDesc(this.shm, this.ring, i, { addr: { lo: 0, hi: 0 }, len: 0, flags: 0, next: i + 1 < this.num ? i + 1 : VQ_RING_DESC_CHAIN_END })
  }

  addChain(buffers: MockBuf[], opts: AddChainOpts = {}): AddedChain {
    if (buffers.length === 0) throw new RangeError('empty chain')
    const maxGap = opts.maxGap ?? 64
    const need = opts.indirect ? 1 : buffers.length
    if (need > this.free.length) throw new RangeError(`need ${need} descriptors, ${this.free.length} free`)
    const take = (): number => {
      const k = opts.scatter === false ? 0 : this.rand(this.free.length)
      return this.free.splice(k, 1)[0]!
    }
    const bufs = buffers.map((b) => {
      const off = this.place(b.len, maxGap)
      this.fillBuf(b, off)
      return { off, len: b.len, write: !!b.write }
    })
    const descOf = (b: { off: number; len: number; write: boolean }, next: number | null): Desc => ({
      addr: this.addr(b.off),
      len: b.len,
      flags: (next === null ? 0 : VRING_DESC_F.NEXT) | (b.write ? VRING_DESC_F.WRITE : 0),
      next: next ?? 0
    })

    let added: AddedChain
    if (opts.indirect) {
      const tLen = DESC_SIZE * bufs.length
      const tableOff = this.place(tLen, maxGap, DESC_SIZE)
      const t: RingAddr = { descOff: tableOff, availOff: 0, usedOff: 0, num: bufs.length }
      bufs.forEach((b, k) => writeDesc(this.shm, t, k, descOf(b, k + 1 < bufs.length ? k + 1 : null)))
      const head = take()
      writeDesc(this.shm, this.ring, head, { addr: this.addr(tableOff), len: tLen, flags: VRING_DESC_F.INDIRECT, next: 0 })
      added = { head, descs: [head], bufs, tableOff }
    } else {
      const descs = bufs.map(() => take())
      bufs.forEach((b, k) => writeDesc(this.shm, this.ring, descs[k]!, descOf(b, k + 1 < descs.length ? descs[k + 1]! : null)))
      added = { head: descs[0]!, descs, bufs }
    }
    this.chains.set(added.head, added)
    if (opts.publish !== false) this.publish(added.head)
    return added
  }

  /** avail.ring[avail.idx % num] = head, then avail.idx += 1 (virtio 1.2 §2.7.13) */
  publish(head: number): void {
    const idx = this.availIdx
    setAvailRing(this.shm, this.ring, idx % this.num, head)
    setAvailIdx(this.shm, this.ring, idx + 1)
  }

  /** raw poke of a descriptor, for hostile-ring tests */
  pokeDesc(i: number, d: Partial<Desc>): void {
    writeDesc(this.shm, this.ring, i, { ...readDesc(this.shm, this.ring, i), ...d })
  }

  /** Used elements since the last call, validated (id outstanding, len <= writable bytes);
   *  their descriptors go back to the free list. Throws VirtioError on a bad used ring. */
  readUsed(): UsedElem[] {
    const out: UsedElem[] = []
    for (;;) {
      const p = popUsed(this.shm, this.ring, this.lastUsed, (id) => {
        const c = this.chains.get(id)
        return c ? c.bufs.reduce((s, b) => s + (b.write ? b.len : 0), 0) : null
      })
      if (!p.ok) throw p.error
      if (p.value === null) return out
      const c = this.chains.get(p.value.id)!
      this.chains.delete(p.value.id)
      this.free.push(...c.descs)
      this.lastUsed = p.value.lastUsed
      out.push({ id: p.value.id, len: p.value.len })
    }
  }

  /** the chain posted under `head`, while outstanding */
  chain(head: number): AddedChain | undefined {
    return this.chains.get(head)
  }
}
