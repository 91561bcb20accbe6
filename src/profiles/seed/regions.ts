// The seed layout's shm regions for the hex view and the snapshot (docs/wire-protocol.md#shm-map):
// the fixed DT regions, and, once the driver has initialized its heaps, each structure it keeps
// there: both heaps' struct z_heap and end markers, the two struct virtqueue objects (with the
// vq_descx entries past vqout's chunk, Q13), every live bounce buffer and bounce record.
// More specific regions start later than the broad one they lie in (the hex view labels a byte
// with the last region, by start, that contains it).

import { MMIO_WINDOW } from '../../virtio/mmio'
import type { DriverFirmware, ShmRegionInfo } from '../types'
import { SIZEOF_BOUNCE_BUF, SIZEOF_DESCX, SIZEOF_VIRTQUEUE } from './openamp'

export const VMRAM0_OFF = 0x000800 // OpenAMP shm I/O region base
export const HVL_HEAP_OFF = 0x080800 // vmram_ivshmem1 -> k_heap "hvl_shmem"
export const VRING_HEAP_OFF = 0x100800 // vring_ivshmem -> k_heap "vring_shmem"
export const HEAP_LEN = 0x80000

type Region = ShmRegionInfo

/** what the driver has placed in shm (shm offsets of payloads) */
export interface DriverLayout {
  zHeapLen: number
  vqs: { name: string; off: number; ringOff: number; ringLen: number; descxUsed: boolean }[]
  bounce: { rec: number; buf: number; len: number }[]
}

const HDR = 8

/** a seed driver firmware exposes its layout; any other firmware (or none) gives the fixed map */
function layoutOf(d: DriverFirmware | DriverLayout | null | undefined): DriverLayout | null {
  if (!d) return null
  if ('zHeapLen' in d) return d
  const f = (d as { layout?: () => DriverLayout | null }).layout
  return typeof f === 'function' ? f.call(d) : null
}

export function seedRegions(shmSize: number, driver?: DriverFirmware | DriverLayout | null): Region[] {
  const drv = layoutOf(driver)
  const r: Region[] = [
    { off: 0, len: MMIO_WINDOW, name: 'virtio-mmio registers', note: 'virtio_mmio@0: plain shared RAM, no trap (Q2, docs/wire-protocol.md#register-block)' },
    { off: 0x200, len: 0x600, name: 'unused', note: 'zero' },
    { off: VMRAM0_OFF, len: 0x80000, name: 'vmram_ivshmem0', note: 'OpenAMP shm I/O region base; nothing is allocated here (Q12: its length overruns shm by 0x600)' },
    { off: HVL_HEAP_OFF, len: HEAP_LEN, name: 'hvl_shmem heap', note: 'HVL bounce buffers + 40-byte bookkeeping records (Q13, Q14, docs/wire-protocol.md#bounce-buffers)' },
    { off: VRING_HEAP_OFF, len: 0x800, name: 'vring heap: driver private', note: 'heap metadata and struct virtqueue objects (Q13)' },
    { off: 0x101000, len: 0x1026, name: 'vring q0 (receiveq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: 0x103000, len: 0x1026, name: 'vring q1 (transmitq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: VRING_HEAP_OFF + HEAP_LEN, len: Math.max(0, shmSize - (VRING_HEAP_OFF + HEAP_LEN)), name: 'unused', note: 'never touched' }
  ]
  if (drv) {
    for (const [heap, name] of [
      [HVL_HEAP_OFF, 'hvl_shmem'],
      [VRING_HEAP_OFF, 'vring_shmem']
    ] as const) {
      // the broad region keeps the heap's start; struct z_heap is labelled from its second byte on
      r.push({ off: heap + 1, len: drv.zHeapLen - 1, name: `${name}: struct z_heap`, note: 'chunk 0: end_chunk @+8, avail_buckets @+12, bucket heads @+16 (Zephyr lib/os/heap.c, 64-bit layout)' })
      r.push({ off: heap + HEAP_LEN - HDR, len: HDR, name: `${name}: end marker chunk`, note: 'LEFT_SIZE, then size 0 | used' })
    }
    for (const v of drv.vqs) {
      r.push({ off: v.off - HDR, len: HDR + SIZEOF_VIRTQUEUE, name: `struct virtqueue ${v.name}`, note: 'chunk header, then vq_dev, vq_name, indices, callbacks, vq_ring, counters, shm_io, head/cons idx (openamp/virtqueue.h, AArch64)' })
      if (v.descxUsed)
        r.push({ off: v.off + SIZEOF_VIRTQUEUE, len: 4 * SIZEOF_DESCX, name: `${v.name} vq_descx[4] (overflow)`, note: 'cookie + ndescs per descriptor, past the k_heap_alloc(sizeof(struct virtqueue)) chunk: over the next chunk (Q13)' })
    }
    for (const b of drv.bounce) {
      r.push({ off: b.buf - HDR, len: HDR + b.len, name: 'bounce buffer', note: 'chunk header + the bytes copied from driver RAM; desc.addr points here (Q14)' })
      r.push({ off: b.rec - HDR, len: HDR + SIZEOF_BOUNCE_BUF, name: 'bounce record', note: 'struct vq_bounce_buf: node next/prev, cookie, addr (driver RAM), len (virtio_mmio_hvl.c)' })
    }
  }
  return r.filter((x) => x.off < shmSize && x.len > 0)
}

/** trace name of a heap byte, or null */
export function seedHeapName(off: number): string | null {
  if (off >= HVL_HEAP_OFF && off < HVL_HEAP_OFF + HEAP_LEN) return `hvl_shmem+0x${(off - HVL_HEAP_OFF).toString(16)}`
  if (off >= VRING_HEAP_OFF && off < VRING_HEAP_OFF + HEAP_LEN) return `vring_shmem+0x${(off - VRING_HEAP_OFF).toString(16)}`
  return null
}
