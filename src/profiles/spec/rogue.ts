// Driver-side ring faults (docs/spec-profile.md §7): the driver lays one corrupt chain on
// transmitq, makes it available and notifies, as a buggy or hostile driver would. Each kind has
// the device error code it must produce.

import { VRING_DESC_F } from '../../virtio/mmio'
import { addrOf, ringOff, type RingAddr } from '../../virtio/ring'
import type { ShmAccess } from '../../sim/shm'
import type { VirtioErrorCode } from '../../virtio/errors'

export const RING_FAULTS = {
  'bad-head': 'InvalidDescriptorIndex',
  'next-out-of-range': 'InvalidDescriptorIndex',
  'desc-loop': 'DescriptorChainOverflow',
  'avail-jump': 'InvalidAvailRingIndex',
  'len-beyond-shm': 'AddressOutOfRange',
  'zero-len': 'ZeroLengthBuffer',
  'tx-write-flag': 'InvalidBufferDirection'
} as const satisfies Record<string, VirtioErrorCode>
export type RingFault = keyof typeof RING_FAULTS

/** lay the corrupt chain using free descriptors `d0`, `d1` and the buffer at `bufOff`; returns
 *  the new avail.idx to publish */
export function layRogue(kind: RingFault, shm: ShmAccess, r: RingAddr, availIdx: number, d0: number, d1: number, base: number, bufOff: number): number {
  const desc = (i: number, off: number, len: number, flags: number, next: number) => {
    const o = ringOff.desc(r, i)
    const a = addrOf(base + off)
    shm.w32(o, a.lo)
    shm.w32(o + 4, a.hi)
    shm.w32(o + 8, len)
    shm.w16(o + 12, flags)
    shm.w16(o + 14, next)
  }
  let head = d0
  switch (kind) {
    case 'bad-head':
      head = r.num + 3
      break
    case 'next-out-of-range':
      desc(d0, bufOff, 1, VRING_DESC_F.NEXT, r.num + 5)
      break
    case 'desc-loop':
      desc(d0, bufOff, 1, VRING_DESC_F.NEXT, d1)
      desc(d1, bufOff, 1, VRING_DESC_F.NEXT, d0)
      break
    case 'avail-jump':
      desc(d0, bufOff, 1, 0, 0)
      shm.w16(ringOff.availRing(r, availIdx % r.num), d0)
      return (availIdx + r.num + 5) & 0xffff
    case 'len-beyond-shm':
      desc(d0, bufOff, shm.size, 0, 0)
      break
    case 'zero-len':
      desc(d0, bufOff, 0, 0, 0)
      break
    case 'tx-write-flag':
      desc(d0, bufOff, 8, VRING_DESC_F.WRITE, 0)
      break
  }
  shm.w16(ringOff.availRing(r, availIdx % r.num), head)
  return (availIdx + 1) & 0xffff
}
