// The driver's virtqueues: OpenAMP's struct virtqueue in the vring heap, as
// virtio_mmio_virtqueue_alloc (Zephyr drivers/virtio/virtio-mmio.c, IVSHMEM variant) and
// virtqueue_create / vq_ring_init (OpenAMP lib/virtio/virtqueue.c) store it (Q13).

import type { GuestPlatform } from '../../guest/platform'
import type { ZHeap } from '../../guest/zheap'
import { VQ_RING_DESC_CHAIN_END, vringLayout } from '../../virtio/mmio'
import { NOTIFY_FN_VA, SHM_IO_VA, SIZEOF_VIRTQUEUE, VDEV_VA, VQ, VQ_NAME_VA, wPtr } from './openamp'

export interface Vq {
  idx: number
  name: string
  num: number
  /** shm offset of this queue's struct virtqueue (vring heap) */
  off: number
  /** vq_queued_cnt, vq_descx[].cookie / .ndescs as last stored */
  queued: number
  cookies: number[]
  ndescs: number[]
  /** a vq_descx entry was ever stored (they lie past the struct's chunk) */
  descxTouched: boolean
  ringOff: number
  desc: number
  avail: number
  used: number
  free: number
  head: number
  availIdx: number
  usedCons: number
  broken: string | null
}

/** virtio_mmio_virtqueue_alloc: the struct (k_heap_alloc), the ring (aligned), zeroed, then the
 *  fields it fills in; null when the heap is exhausted (the struct is given back) */
export function virtqueueAlloc(p: GuestPlatform, heap: ZHeap, base: number, idx: number, name: string, n: number, align: number): Vq | null {
  const lay = vringLayout(n, align)
  const off = heap.alloc(SIZEOF_VIRTQUEUE)
  const ringOff = off === null ? null : heap.alignedAlloc(align, lay.size)
  if (off === null || ringOff === null) {
    if (off !== null) heap.free(off)
    return null
  }
  p.memset(ringOff, lay.size, 0)
  const va = base + ringOff
  p.w16(off + VQ.vq_nentries, n)
  wPtr(p, off + VQ['vq_ring.desc'], va + lay.desc)
  wPtr(p, off + VQ['vq_ring.avail'], va + lay.avail)
  wPtr(p, off + VQ['vq_ring.used'], va + lay.used)
  p.w16(off + VQ.vq_queued_cnt, 0)
  p.w16(off + VQ.vq_free_cnt, n)
  return {
    idx,
    name,
    num: n,
    off,
    queued: 0,
    cookies: Array<number>(n).fill(0),
    ndescs: Array<number>(n).fill(0),
    descxTouched: false,
    ringOff,
    desc: ringOff + lay.desc,
    avail: ringOff + lay.avail,
    used: ringOff + lay.used,
    free: n,
    head: 0, // vq_desc_head_idx is never initialized: the zeroed shm holds 0 there
    availIdx: 0,
    usedCons: 0,
    broken: null
  }
}

/** virtqueue_create + vq_ring_init (role forced to driver) + cb_arg, shm_io */
export function virtqueueCreate(p: GuestPlatform, vq: Vq, base: number): void {
  const o = vq.off
  const va = base + vq.ringOff
  wPtr(p, o + VQ.vq_dev, VDEV_VA)
  wPtr(p, o + VQ.vq_name, VQ_NAME_VA[vq.idx] ?? 0)
  p.w16(o + VQ.vq_queue_index, vq.idx)
  p.w16(o + VQ.vq_nentries, vq.num)
  p.w16(o + VQ.vq_free_cnt, vq.num)
  wPtr(p, o + VQ.callback, 0) // the console registers no callbacks
  wPtr(p, o + VQ.notify, NOTIFY_FN_VA)
  p.w32(o + VQ['vq_ring.num'], vq.num)
  wPtr(p, o + VQ['vq_ring.desc'], va + (vq.desc - vq.ringOff))
  wPtr(p, o + VQ['vq_ring.avail'], va + (vq.avail - vq.ringOff))
  wPtr(p, o + VQ['vq_ring.used'], va + (vq.used - vq.ringOff))
  // free chain 0 -> 1 -> ... -> END
  for (let i = 0; i < vq.num; i++) p.w16(vq.desc + 16 * i + 14, i + 1 < vq.num ? i + 1 : VQ_RING_DESC_CHAIN_END)
  wPtr(p, o + VQ.cb_arg, 0)
  wPtr(p, o + VQ.shm_io, SHM_IO_VA)
}
