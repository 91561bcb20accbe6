// The seed's shared-memory map (docs/wire-protocol.md#shm-map, #vring-layout, #bounce-buffers) and the names of its heap bytes.

import { MMIO_WINDOW } from '../../virtio/mmio'
import type { ShmRegionInfo } from '../types'
import { HEAP_LEN, HVL_HEAP_OFF, VMRAM0_OFF, VRING_HEAP_OFF } from './driver_side_demo'

export function seedRegions(shmSize: number): ShmRegionInfo[] {
  const r: ShmRegionInfo[] = [
    { off: 0, len: MMIO_WINDOW, name: 'virtio-mmio registers', note: 'virtio_mmio@0: plain shared RAM, no trap (Q2, docs/wire-protocol.md#register-block)' },
    { off: 0x200, len: 0x600, name: 'unused', note: 'zero' },
    { off: VMRAM0_OFF, len: 0x80000, name: 'vmram_ivshmem0', note: "OpenAMP shm I/O region base; nothing is allocated here (Q12: its length overruns shm by 0x600)" },
    { off: HVL_HEAP_OFF, len: HEAP_LEN, name: 'hvl_shmem heap', note: 'HVL bounce buffers + 40-byte bookkeeping records (Q13, Q14, docs/wire-protocol.md#bounce-buffers)' },
    { off: VRING_HEAP_OFF, len: 0x800, name: 'vring heap: driver private', note: 'heap metadata and struct virtqueue objects (Q13)' },
    { off: 0x101000, len: 0x1026, name: 'vring q0 (receiveq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: 0x103000, len: 0x1026, name: 'vring q1 (transmitq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: VRING_HEAP_OFF + HEAP_LEN, len: Math.max(0, shmSize - (VRING_HEAP_OFF + HEAP_LEN)), name: 'unused', note: 'never touched' }
  ]
  return r.filter((x) => x.off < shmSize && x.len > 0)
}

/** trace name of a heap byte, or null */
export function seedHeapName(off: number): string | null {
  if (off >= HVL_HEAP_OFF && off < HVL_HEAP_OFF + HEAP_LEN) return `hvl_shmem+0x${(off - HVL_HEAP_OFF).toString(16)}`
  if (off >= VRING_HEAP_OFF && off < VRING_HEAP_OFF + HEAP_LEN) return `vring_shmem+0x${(off - VRING_HEAP_OFF).toString(16)}`
  return null
}
