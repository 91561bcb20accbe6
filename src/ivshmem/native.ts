// Loader of the real-ivshmem addon (native/, built by scripts/build-native.mjs). Linux only; where
// it cannot load, nativeSupport() says why and the emulated fabric is all there is.

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** a mapping of the shm fd; `size` from fstat */
export interface MapHandle {
  readonly size: number
}
/** a uv_poll watcher */
export interface PollHandle {
  readonly __poll?: never
}

export interface RecvResult {
  /** bytes read into u8[off..8); 0 = EOF */
  n: number
  /** the fd that came with these bytes, -1 if none */
  fd: number
  /** further fds in the same message, already closed */
  extra: number
  /** MSG_CTRUNC: the kernel dropped control data (fds) */
  ctrunc: boolean
}

/** The C API (native/src/*.c). Throws Error with `code` = errno name or SHM_BOUNDS / EINVAL. */
export interface IvshmemAddon {
  connect(path: string): number
  recv(fd: number, u8: Uint8Array, off: number): RecvResult | null
  send(fd: number, value: bigint | number, passFd?: number): boolean
  listen(path: string): number
  accept(fd: number): number
  close(fd: number): boolean
  memfd(size: number): number
  shmOpen(name: string, size: number): number
  shmUnlink(name: string): boolean
  fstatSize(fd: number): number
  mmap(fd: number): MapHandle
  /** zero-copy view, or null where external ArrayBuffers are banned (Electron) */
  buffer(h: MapHandle): ArrayBuffer | null
  unmap(h: MapHandle): boolean
  r8(h: MapHandle, off: number): number
  r16(h: MapHandle, off: number): number
  r32(h: MapHandle, off: number): number
  w8(h: MapHandle, off: number, v: number): void
  w16(h: MapHandle, off: number, v: number): void
  w32(h: MapHandle, off: number, v: number): void
  read(h: MapHandle, off: number, len: number): Uint8Array
  write(h: MapHandle, off: number, bytes: Uint8Array): void
  fill(h: MapHandle, off: number, len: number, v: number): void
  copy(h: MapHandle, dst: number, src: number, len: number): void
  eventfd(): number
  notify(fd: number): boolean
  drain(fd: number): number
  /** mode 0: cb(events) (1 readable, 8 hang-up, -1 error); mode 1: eventfd, cb(count) */
  poll(fd: number, mode: 0 | 1, cb: (arg: number) => void): PollHandle
  pollClose(h: PollHandle, closeFd?: boolean): boolean
  pollRef(h: PollHandle, ref: boolean): boolean
}

export const POLL_READABLE = 1
export const POLL_DISCONNECT = 8

let cached: { addon: IvshmemAddon | null; reason: string } | null = null

function candidates(): string[] {
  const out: string[] = []
  if (process.env.VIRTIO_LAB_NATIVE) out.push(process.env.VIRTIO_LAB_NATIVE)
  // src/ivshmem (tests, tsx), out/main (CLI, Electron main), app.asar.unpacked in a package
  let d = __dirname
  for (let i = 0; i < 5; i++) {
    out.push(join(d, 'native', 'build', 'Release', 'ivshmem.node'))
    d = dirname(d)
  }
  return out
}

function load(): { addon: IvshmemAddon | null; reason: string } {
  if (process.platform !== 'linux') return { addon: null, reason: `real ivshmem needs Linux (eventfd, memfd, SCM_RIGHTS); this is ${process.platform}` }
  const file = candidates().find((f) => existsSync(f))
  if (!file) return { addon: null, reason: 'the native addon is not built (run `npm run build:native`; needs a C compiler and Node headers)' }
  try {
    const m = { exports: {} as IvshmemAddon }
    process.dlopen(m, file)
    return { addon: m.exports, reason: `loaded ${file}` }
  } catch (e) {
    return { addon: null, reason: `the native addon failed to load: ${(e as Error).message.split('\n')[0]}` }
  }
}

/** whether real ivshmem (attach, host) can work in this process, and why not */
export function nativeSupport(): { ok: boolean; reason: string } {
  cached ??= load()
  return { ok: cached.addon !== null, reason: cached.reason }
}

export class NativeUnavailableError extends Error {
  readonly code = 'NATIVE_UNAVAILABLE'
  constructor(reason: string) {
    super(`real ivshmem unavailable: ${reason}`)
    this.name = 'NativeUnavailableError'
  }
}

/** the addon, or a NativeUnavailableError saying why not */
export function addon(): IvshmemAddon {
  cached ??= load()
  if (!cached.addon) throw new NativeUnavailableError(cached.reason)
  return cached.addon
}
