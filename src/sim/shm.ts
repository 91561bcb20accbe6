// Shared memory (ivshmem BAR2) as seen by the TS code: byte offsets, little-endian, bounds-checked.
// Both guests are AArch64, so every multi-byte field is LE (wire-protocol.md header).

export class ShmBoundsError extends Error {
  constructor(
    readonly off: number,
    readonly width: number,
    readonly size: number
  ) {
    super(`shm access [0x${off.toString(16)}, +${width}) outside [0, 0x${size.toString(16)})`)
    this.name = 'ShmBoundsError'
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
}

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

  constructor(size: number, buf?: ArrayBuffer) {
    if (!isPow2(size) || size > 2 ** 30) throw new RangeError(`shm size ${size} is not a power of two up to 1 GiB (QEMU's ivshmem BAR2 must be one)`)
    this.size = size
    this.buf = buf ?? new ArrayBuffer(size)
    if (this.buf.byteLength !== size) throw new RangeError('shm buffer size mismatch')
    this.u8 = new Uint8Array(this.buf)
    this.dv = new DataView(this.buf)
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
  }
  w16(off: number, v: number): void {
    this.chk(off, 2)
    this.dv.setUint16(off, v, true)
  }
  w32(off: number, v: number): void {
    this.chk(off, 4)
    this.dv.setUint32(off, v >>> 0, true)
  }
  read(off: number, len: number): Uint8Array {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    return this.u8.slice(off, off + len)
  }
  fill(off: number, len: number, v: number): void {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    this.u8.fill(v, off, off + len)
  }
  /** a byte-for-byte copy, e.g. to keep a server's shm object across a lab reset */
  clone(): Shm {
    return new Shm(this.size, this.buf.slice(0))
  }
  /** a private copy of any shm window (time travel works on one) */
  static copyOf(a: ShmAccess): Shm {
    if (a instanceof Shm) return a.clone()
    const b = a.read(0, a.size)
    return new Shm(a.size, b.buffer as ArrayBuffer)
  }
}
