// ShmAccess over a GuestPlatform: the protocol code (Queue, transport) stores through the guest,
// so every store is traced and attributed to its side like the firmware's own.

import type { ShmAccess } from '../../sim/shm'
import type { GuestPlatform } from '../../guest/platform'

export function platformShm(p: GuestPlatform): ShmAccess {
  const size = p.ivshmem_get_mem().size
  return {
    size,
    r8: (o) => p.r8(o),
    r16: (o) => p.r16(o),
    r32: (o) => p.r32(o),
    w8: (o, v) => p.w8(o, v),
    w16: (o, v) => p.w16(o, v),
    w32: (o, v) => p.w32(o, v),
    read(off, len) {
      const out = new Uint8Array(len)
      for (let k = 0; k < len; k++) out[k] = p.r8(off + k)
      return out
    },
    fill: (off, len, v) => p.memset(off, len, v)
  }
}
