// Zephyr's sys_heap (lib/os/heap.c, heap.h of the 2023 tree) over a region of shared memory, with
// the layout a 64-bit build uses (big heap: 8-byte chunk headers, 32-bit fields): every store the
// real allocator makes lands at the same offset, with the same value, in the same order, so the
// addresses it hands out (bounce buffers in desc.addr, the vrings, the virtqueue objects) are the
// real ones (docs/wire-protocol.md#bounce-buffers, #vring-geometry).
//
// Decisions are taken on a private mirror of the metadata, never on values read back from shm:
// shared memory is hostile (and the driver's own vq_descx overflow, Q13, writes over chunk headers).
//
// Chunk c starts at start + 8c: LEFT_SIZE (u32), SIZE_AND_USED (u32: size in 8-byte units << 1 |
// used), and, while free, FREE_PREV, FREE_NEXT (u32 chunk ids). Chunk 0 holds struct z_heap:
// chunk0_hdr[2], end_chunk @ +8, avail_buckets @ +12, buckets[i].next @ +16 + 4i. A zero-size used
// chunk at end_chunk marks the end.

import type { GuestPlatform } from './platform'

const UNIT = 8
const HDR = 8 // chunk_header_bytes on a big heap
const MIN_CHUNK = 2 // chunksz(HDR + 1)
/** CONFIG_SYS_HEAP_ALLOC_LOOPS default */
const ALLOC_LOOPS = 3
const enum F {
  LEFT_SIZE,
  SIZE_AND_USED,
  FREE_PREV,
  FREE_NEXT
}
const Z_END_CHUNK = 8
const Z_AVAIL = 12
const Z_BUCKETS = 16

const chunksz = (bytes: number): number => Math.ceil(bytes / UNIT)
const bucketIdx = (sz: number): number => 31 - Math.clz32(sz - MIN_CHUNK + 1)

export class ZHeap {
  /** chunk fields, index 4 * chunk id + field: a mirror of what was stored, so hostile shm cannot
   *  steer the allocator (a typed array: the allocator runs per transmitted byte) */
  private f = new Uint32Array(0)
  private end = 0
  private avail = 0
  private buckets: number[] = []
  /** payload offsets handed out and not freed (for validating frees) */
  private readonly live = new Set<number>()

  /**
   * @param start shm offset of the region given to k_heap_init
   * @param va    the guest VA of `start` (alignment is computed on addresses, as the C does)
   */
  constructor(
    private readonly p: GuestPlatform,
    readonly name: string,
    readonly start: number,
    readonly len: number,
    private readonly va: number = start
  ) {}

  // ---- field access: mirror + the store the C makes ----------------------------------------

  private get(c: number, f: F): number {
    return this.f[4 * c + f] ?? 0
  }
  private set(c: number, f: F, v: number): void {
    this.f[4 * c + f] = v >>> 0
    this.p.w32(this.start + UNIT * c + 4 * f, v >>> 0)
  }
  private size(c: number): number {
    return this.get(c, F.SIZE_AND_USED) >>> 1
  }
  private used(c: number): boolean {
    return (this.get(c, F.SIZE_AND_USED) & 1) === 1
  }
  private setSize(c: number, sz: number): void {
    this.set(c, F.SIZE_AND_USED, sz << 1)
  }
  private setUsed(c: number, used: boolean): void {
    const v = this.get(c, F.SIZE_AND_USED)
    this.set(c, F.SIZE_AND_USED, used ? v | 1 : v & ~1)
  }
  private setAvail(v: number): void {
    this.avail = v >>> 0
    this.p.w32(this.start + Z_AVAIL, this.avail)
  }
  private setBucket(i: number, c: number): void {
    this.buckets[i] = c
    this.p.w32(this.start + Z_BUCKETS + 4 * i, c)
  }

  // ---- sys_heap_init -----------------------------------------------------------------------

  /** k_heap_init -> sys_heap_init: header, buckets, chunk 0, the free chunk, the end marker */
  init(): void {
    const bytes = this.len - HDR // heap_footer_bytes: room for the end marker's header
    const heapSz = Math.floor((this.start + bytes) / UNIT) - Math.ceil(this.start / UNIT)
    this.f = new Uint32Array(4 * (Math.max(0, heapSz) + 1))
    this.live.clear()
    this.end = heapSz
    this.p.w32(this.start + Z_END_CHUNK, heapSz)
    this.setAvail(0)
    const nb = bucketIdx(heapSz) + 1
    const chunk0 = chunksz(16 + 4 * nb)
    this.buckets = []
    for (let i = 0; i < nb; i++) this.setBucket(i, 0)
    this.setSize(0, chunk0)
    this.set(0, F.LEFT_SIZE, 0)
    this.setUsed(0, true)
    this.setSize(chunk0, heapSz - chunk0)
    this.set(chunk0, F.LEFT_SIZE, chunk0)
    this.setSize(heapSz, 0)
    this.set(heapSz, F.LEFT_SIZE, heapSz - chunk0)
    this.setUsed(heapSz, true)
    this.freeListAdd(chunk0)
  }

  // ---- free lists --------------------------------------------------------------------------

  private freeListRemoveBidx(c: number, bi: number): void {
    if (this.get(c, F.FREE_NEXT) === c) {
      this.setAvail(this.avail & ~(1 << bi))
      this.setBucket(bi, 0)
    } else {
      const first = this.get(c, F.FREE_PREV)
      const second = this.get(c, F.FREE_NEXT)
      this.setBucket(bi, second)
      this.set(first, F.FREE_NEXT, second)
      this.set(second, F.FREE_PREV, first)
    }
  }
  private freeListRemove(c: number): void {
    if (this.size(c) !== 1) this.freeListRemoveBidx(c, bucketIdx(this.size(c)))
  }
  private freeListAdd(c: number): void {
    if (this.size(c) === 1) return // solo_free_header: too small to list
    const bi = bucketIdx(this.size(c))
    if (this.buckets[bi] === 0) {
      this.setAvail(this.avail | (1 << bi))
      this.setBucket(bi, c)
      this.set(c, F.FREE_PREV, c)
      this.set(c, F.FREE_NEXT, c)
    } else {
      const second = this.buckets[bi]!
      const first = this.get(second, F.FREE_PREV)
      this.set(c, F.FREE_PREV, first)
      this.set(c, F.FREE_NEXT, second)
      this.set(first, F.FREE_NEXT, c)
      this.set(second, F.FREE_PREV, c)
    }
  }

  private split(lc: number, rc: number): void {
    const sz0 = this.size(lc)
    const lsz = rc - lc
    const rsz = sz0 - lsz
    this.setSize(lc, lsz)
    this.setSize(rc, rsz)
    this.set(rc, F.LEFT_SIZE, lsz)
    this.set(rc + rsz, F.LEFT_SIZE, rsz)
  }
  private merge(lc: number, rc: number): void {
    const n = this.size(lc) + this.size(rc)
    this.setSize(lc, n)
    this.set(lc + n, F.LEFT_SIZE, n)
  }

  private allocChunk(sz: number): number {
    const bi = bucketIdx(sz)
    if (bi >= this.buckets.length) return 0
    if (this.buckets[bi] !== 0) {
      const first = this.buckets[bi]!
      let i = ALLOC_LOOPS
      do {
        const c = this.buckets[bi]!
        if (this.size(c) >= sz) {
          this.freeListRemoveBidx(c, bi)
          return c
        }
        this.setBucket(bi, this.get(c, F.FREE_NEXT))
      } while (--i && this.buckets[bi] !== first)
    }
    const bmask = (this.avail & ~((2 ** (bi + 1) - 1) >>> 0)) >>> 0
    if (bmask !== 0) {
      const minb = 31 - Math.clz32(bmask & -bmask)
      const c = this.buckets[minb]!
      this.freeListRemoveBidx(c, minb)
      return c
    }
    return 0
  }

  // ---- public API (k_heap_alloc / k_heap_aligned_alloc / k_heap_free) ------------------------

  /** k_heap_alloc: sys_heap_aligned_alloc(align = sizeof(void *)) = sys_heap_alloc; payload offset or null */
  alloc(bytes: number): number | null {
    if (this.end === 0 || bytes <= 0 || Math.floor(bytes / UNIT) >= this.end) return null
    const sz = chunksz(HDR + bytes)
    const c = this.allocChunk(sz)
    if (c === 0) return null
    if (this.size(c) > sz) {
      this.split(c, c + sz)
      this.freeListAdd(c + sz)
    }
    this.setUsed(c, true)
    return this.mem(c)
  }

  /** k_heap_aligned_alloc with a power-of-two align > 8: over-allocate, free the prefix and suffix */
  alignedAlloc(align: number, bytes: number): number | null {
    if (align <= HDR) return this.alloc(bytes)
    if (this.end === 0 || bytes <= 0 || Math.floor(bytes / UNIT) >= this.end) return null
    const padded = chunksz(HDR + bytes + align - HDR)
    const c0 = this.allocChunk(padded)
    if (c0 === 0) return null
    // ROUND_UP on the guest address, then back to an offset
    const va0 = this.va + (this.memOff(c0) - this.start)
    const memVa = Math.ceil(va0 / align) * align
    const mem = this.start + (memVa - this.va)
    const endOff = this.start + Math.ceil((memVa + bytes - this.va) / UNIT) * UNIT
    const c = (mem - HDR - this.start) / UNIT
    const cEnd = (endOff - this.start) / UNIT
    if (c > c0) {
      this.split(c0, c)
      this.freeListAdd(c0)
    }
    if (c + this.size(c) > cEnd) {
      this.split(c, cEnd)
      this.freeListAdd(cEnd)
    }
    this.setUsed(c, true)
    this.live.add(mem)
    return mem
  }

  /** k_heap_free; false (nothing stored) when `payload` is not a live allocation of this heap */
  free(payload: number): boolean {
    if (!this.live.delete(payload)) return false
    let c = (payload - HDR - this.start) / UNIT
    this.setUsed(c, false)
    const rc = c + this.size(c)
    if (!this.used(rc)) {
      this.freeListRemove(rc)
      this.merge(c, rc)
    }
    const lc = c - this.get(c, F.LEFT_SIZE)
    if (!this.used(lc)) {
      this.freeListRemove(lc)
      this.merge(lc, c)
      c = lc
    }
    this.freeListAdd(c)
    return true
  }

  private memOff(c: number): number {
    return this.start + UNIT * c + HDR
  }
  private mem(c: number): number {
    const off = this.memOff(c)
    this.live.add(off)
    return off
  }

  /** bytes of chunk 0 (struct z_heap and its buckets) */
  get zHeapBytes(): number {
    return UNIT * this.size(0)
  }

  /** bytes in used chunks, headers included (chunk 0 and the end marker excluded) */
  get usedBytes(): number {
    let n = 0
    for (let c = this.size(0); c < this.end; c += this.size(c)) if (this.used(c)) n += UNIT * this.size(c)
    return n
  }

  /** live allocations (payload offset, chunk bytes), for region labels */
  allocations(): { off: number; len: number }[] {
    return [...this.live].sort((a, b) => a - b).map((off) => ({ off, len: UNIT * this.size((off - HDR - this.start) / UNIT) - HDR }))
  }
}
