// Shared memory (ivshmem BAR2) as seen by the TS code: byte offsets, little-endian, bounds-checked.
// Both guests are AArch64, so every multi-byte field is LE (wire-protocol.md header).

import { SimError } from './errors'

export class ShmBoundsError extends SimError {
  override name = 'ShmBoundsError'
  constructor(
    readonly off: number,
    readonly width: number,
    readonly size: number
  ) {
    super('SHM_BOUNDS', `shm access [0x${off.toString(16)}, +${width}) outside [0, 0x${size.toString(16)})`)
  }
}

/** Raw access to one shared-memory window. Implemented over an ArrayBuffer (emulated fabric) or,
 *  later, over a native mapping with copy semantics (attached fabric inside Electron). */
export interface ShmAccess {
  readonly size: number
  r8(off: number): number
  r16(off: number): number
  r32(off: number): number
  w8(off: number, v: number): void
  w16(off: number, v: number): void
  w32(off: number, v: number): void
  /** copy of [off, off + len) */
  read(off: number, len: number): Uint8Array
  fill(off: number, len: number, v: number): void
  /** ranges inside [off, off + len) that may hold non-zero bytes (all else is zero), when the
   *  implementation tracks it; lets a traced memset save O(touched) bytes, not O(len) (#11) */
  touched?(off: number, len: number): [number, number][]
}

/** dirty-page granularity of Shm.touched */
export const PAGE_SHIFT = 12

/** n is 2^k for some k >= 0 (exact for every safe integer) */
export function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n
}

/** true when [off, off + len) lies inside a window of `size` bytes (overflow-safe on doubles). */
export function inBounds(off: number, len: number, size: number): boolean {
  return Number.isInteger(off) && Number.isInteger(len) && off >= 0 && len >= 0 && off <= size && len <= size - off
}

export class Shm implements ShmAccess {
  readonly size: number
  readonly buf: ArrayBuffer
  readonly u8: Uint8Array
  private readonly dv: DataView
  /** 1 = the page may hold non-zero bytes (written since creation, or content given) */
  private readonly dirty: Uint8Array

  constructor(size: number, buf?: ArrayBuffer) {
    if (!isPow2(size) || size > 2 ** 30) throw new SimError('SHM_SIZE', `shm size ${size} is not a power of two up to 1 GiB (QEMU's ivshmem BAR2 must be one)`)
    this.size = size
    this.buf = buf ?? new ArrayBuffer(size)
    if (this.buf.byteLength !== size) throw new SimError('SHM_SIZE', `shm buffer of ${this.buf.byteLength} bytes for a ${size}-byte shm`)
    this.u8 = new Uint8Array(this.buf)
    this.dv = new DataView(this.buf)
    this.dirty = new Uint8Array(Math.max(1, size >>> PAGE_SHIFT)).fill(buf ? 1 : 0)
  }

  private chk(off: number, w: number): void {
    // (off | 0) === off rejects fractions, NaN and anything >= 2^31; size <= 1 GiB
    if ((off | 0) !== off || off < 0 || off > this.size - w) throw new ShmBoundsError(off, w, this.size)
  }
  r8(off: number): number {
    this.chk(off, 1)
    return this.u8[off]!
  }
  r16(off: number): number {
    this.chk(off, 2)
    return this.dv.getUint16(off, true)
  }
  r32(off: number): number {
    this.chk(off, 4)
    return this.dv.getUint32(off, true)
  }
  w8(off: number, v: number): void {
    this.chk(off, 1)
    this.u8[off] = v
    this.dirty[off >>> PAGE_SHIFT] = 1
  }
  w16(off: number, v: number): void {
    this.chk(off, 2)
    this.dv.setUint16(off, v, true)
    this.dirty[off >>> PAGE_SHIFT] = this.dirty[(off + 1) >>> PAGE_SHIFT] = 1
  }
  w32(off: number, v: number): void {
    this.chk(off, 4)
    this.dv.setUint32(off, v >>> 0, true)
    this.dirty[off >>> PAGE_SHIFT] = this.dirty[(off + 3) >>> PAGE_SHIFT] = 1
  }
  read(off: number, len: number): Uint8Array {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    return this.u8.slice(off, off + len)
  }
  fill(off: number, len: number, v: number): void {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    this.u8.fill(v, off, off + len)
    if (len === 0) return
    const a = off >>> PAGE_SHIFT
    const b = (off + len - 1) >>> PAGE_SHIFT
    if (v & 0xff) this.dirty.fill(1, a, b + 1)
    else {
      // whole pages zeroed become clean; partly zeroed edge pages keep their state
      const first = off === a << PAGE_SHIFT ? a : a + 1
      const last = off + len === (b + 1) << PAGE_SHIFT ? b : b - 1
      if (last >= first) this.dirty.fill(0, first, last + 1)
    }
  }
  touched(off: number, len: number): [number, number][] {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    const out: [number, number][] = []
    const end = off + len
    for (let p = off >>> PAGE_SHIFT; len > 0 && p <= (end - 1) >>> PAGE_SHIFT; p++) {
      if (!this.dirty[p]) continue
      const a = Math.max(off, p << PAGE_SHIFT)
      const b = Math.min(end, (p + 1) << PAGE_SHIFT)
      const last = out[out.length - 1]
      if (last && last[0] + last[1] === a) last[1] += b - a
      else out.push([a, b - a])
    }
    return out
  }
  /** a byte-for-byte copy, e.g. to keep a server's shm object across a lab reset */
  clone(): Shm {
    const c = new Shm(this.size, this.buf.slice(0))
    c.dirty.set(this.dirty)
    return c
  }
  /** a private copy of any shm window (time travel works on one) */
  static copyOf(a: ShmAccess): Shm {
    if (a instanceof Shm) return a.clone()
    const b = a.read(0, a.size)
    return new Shm(a.size, b.buffer as ArrayBuffer)
  }
}
