// The two ShmAccess implementations over a real mapping (docs/ivshmem.md#electron-cage):
//  - zero copy: the `Shm` class over the addon's external ArrayBuffer (Node: CLI, browser host);
//  - accessor: every access is a bounds-checked addon call (Electron, where V8's memory cage bans
//    external ArrayBuffers). Chosen at run time; VIRTIO_LAB_SHM_ACCESS=accessor forces the second
//    under Node so the tests run both.

import { Shm, ShmBoundsError, inBounds, isPow2, type ShmAccess } from '../../sim/shm'
import type { IvshmemAddon, MapHandle } from '../native'
import { IvshmemError } from './errors'

export type ShmAccessKind = 'zero-copy' | 'accessor'

export interface MappedShm {
  readonly access: ShmAccess
  readonly kind: ShmAccessKind
  /** munmap; every view handed out is detached (length 0) */
  close(): void
}

export class AccessorShm implements ShmAccess {
  readonly size: number
  constructor(
    private readonly a: IvshmemAddon,
    private readonly h: MapHandle
  ) {
    this.size = h.size
  }
  private chk(off: number, w: number): void {
    if ((off | 0) !== off || off < 0 || off > this.size - w) throw new ShmBoundsError(off, w, this.size)
  }
  r8(off: number): number {
    this.chk(off, 1)
    return this.a.r8(this.h, off)
  }
  r16(off: number): number {
    this.chk(off, 2)
    return this.a.r16(this.h, off)
  }
  r32(off: number): number {
    this.chk(off, 4)
    return this.a.r32(this.h, off)
  }
  w8(off: number, v: number): void {
    this.chk(off, 1)
    this.a.w8(this.h, off, v & 0xff)
  }
  w16(off: number, v: number): void {
    this.chk(off, 2)
    this.a.w16(this.h, off, v & 0xffff)
  }
  w32(off: number, v: number): void {
    this.chk(off, 4)
    this.a.w32(this.h, off, v >>> 0)
  }
  read(off: number, len: number): Uint8Array {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    return this.a.read(this.h, off, len)
  }
  write(off: number, bytes: Uint8Array): void {
    if (!inBounds(off, bytes.length, this.size)) throw new ShmBoundsError(off, bytes.length, this.size)
    this.a.write(this.h, off, bytes)
  }
  fill(off: number, len: number, v: number): void {
    if (!inBounds(off, len, this.size)) throw new ShmBoundsError(off, len, this.size)
    this.a.fill(this.h, off, len, v)
  }
}

export function forcedAccessor(): boolean {
  return process.env.VIRTIO_LAB_SHM_ACCESS === 'accessor'
}

/** map an shm fd (the fd may be closed afterwards) */
export function mapShm(a: IvshmemAddon, fd: number, opts: { accessor?: boolean } = {}): MappedShm {
  const size = a.fstatSize(fd)
  if (!isPow2(size) || size > 2 ** 30)
    throw new IvshmemError('SHM_SIZE', `shared memory of ${size} bytes is not a power of two up to 1 GiB (QEMU's BAR2 must be one)`)
  const h = a.mmap(fd)
  const close = () => void a.unmap(h)
  const ab = opts.accessor || forcedAccessor() ? null : a.buffer(h)
  if (ab) return { access: new Shm(size, ab), kind: 'zero-copy', close }
  return { access: new AccessorShm(a, h), kind: 'accessor', close }
}
