// The driver's private OpenAMP objects that live in shared memory (Q13), stored field by field as
// the real code stores them: `struct virtqueue` (openamp/virtqueue.h at 7d50da4, AArch64 LP64
// layout) in the vring heap, and HVL's `struct vq_bounce_buf` records (virtio_mmio_hvl.h) in the
// hvl_shmem heap, chained into libmetal's circular list through a head in driver RAM.
// docs/wire-protocol.md#bounce-buffers, #vring-geometry.

import type { GuestPlatform } from '../../guest/platform'
import type { ZHeap } from '../../guest/zheap'

/** struct virtqueue field offsets (pointers 8 bytes, uint16_t 2, padded to 8) */
/** OpenAMP HVL (virtio_mmio_hvl.c): the device stores this into QueuePFN once it consumed a queue's
 *  config (docs/wire-protocol.md#pfn-ack, Q3) */
export const HVL_CFG_ACK = 0xaabbaabb

export const VQ = {
  vq_dev: 0x00,
  vq_name: 0x08,
  vq_queue_index: 0x10,
  vq_nentries: 0x12,
  callback: 0x18,
  cb_arg: 0x20,
  notify: 0x28,
  'vq_ring.num': 0x30,
  'vq_ring.desc': 0x38,
  'vq_ring.avail': 0x40,
  'vq_ring.used': 0x48,
  vq_free_cnt: 0x50,
  vq_queued_cnt: 0x52,
  shm_io: 0x58,
  vq_desc_head_idx: 0x60,
  vq_used_cons_idx: 0x62,
  vq_available_idx: 0x64,
  /** vq_descx[0]: { void *cookie; uint16_t ndescs } = 16 bytes per entry */
  vq_descx: 0x68
} as const
/** sizeof(struct virtqueue): the flexible vq_descx[] is not counted, so virtio_mmio_virtqueue_alloc's
 *  k_heap_alloc(sizeof(struct virtqueue)) leaves the 4 x 16 descx bytes past the allocation (Q13) */
export const SIZEOF_VIRTQUEUE = 0x68
export const SIZEOF_DESCX = 16

/** struct vq_bounce_buf: metal_list node { next, prev }, cookie, uint64_t addr, uint32_t len */
export const BB = { next: 0, prev: 8, cookie: 16, addr: 24, len: 32 } as const
export const SIZEOF_BOUNCE_BUF = 40

// Driver-RAM addresses the real image stores into shm. Not printed anywhere in the README; the
// device never reads them, so any image address behaves the same. [model]
/** &virtio_mmio_data_0.vdev (static struct virtio_mmio_device in .data) */
export const VDEV_VA = 0x4019b0d8
/** &virtio_mmio_data_0.bounce_buf_list: the list head the records chain through */
export const BOUNCE_LIST_VA = 0x4019b1f0
/** vmdev->shm_io: libmetal's io region of the shm device */
export const SHM_IO_VA = 0x4019b2a8
/** the "vqin" / "vqout" string literals in .rodata */
export const VQ_NAME_VA = [0x40016e30, 0x40016e38] as const
/** virtio_mmio_notify in .text (vdev->func->notify) */
export const NOTIFY_FN_VA = 0x4000a5c4

/** a 64-bit store of a guest address */
export function wPtr(p: GuestPlatform, off: number, va: number): void {
  p.w64(off, va % 2 ** 32 >>> 0, Math.floor(va / 2 ** 32))
}

interface Rec {
  rec: number // shm offset of the record
  buf: number // shm offset of the bounce buffer
  len: number
  cookie: number
}

/** vmdev->bounce_buf_list: records in list order; the head itself is in driver RAM */
export class BounceList {
  readonly recs: Rec[] = []

  constructor(
    private readonly p: GuestPlatform,
    private readonly heap: ZHeap,
    private readonly base: number
  ) {}

  private va(off: number): number {
    return this.base + off
  }
  private nodeVa(i: number): number {
    const r = this.recs[i]
    return r ? this.va(r.rec) : BOUNCE_LIST_VA
  }

  /** virtio_mmio_hvl_add_bounce_buf for a buffer outside the shm region: the bounce buffer's
   *  offset, or null when the pool is exhausted (then the real code leaves desc.addr as it was) */
  add(cookie: number, bytes: number[], orig: number): number | null {
    const p = this.p
    const buf = this.heap.alloc(bytes.length)
    if (buf === null) return null
    bytes.forEach((b, i) => p.w8(buf + i, b)) // memcpy
    const rec = this.heap.alloc(SIZEOF_BOUNCE_BUF)
    if (rec === null) {
      this.heap.free(buf)
      return null
    }
    wPtr(p, rec + BB.addr, orig)
    p.w32(rec + BB.len, bytes.length)
    wPtr(p, rec + BB.cookie, cookie)
    // metal_list_add_tail(list, node) = add_before(list): prev = list->prev; next = list;
    // list->prev = node (driver RAM); old tail->next = node (shm, unless the tail is the head)
    const tail = this.recs.length - 1
    wPtr(p, rec + BB.prev, this.nodeVa(tail))
    wPtr(p, rec + BB.next, BOUNCE_LIST_VA)
    if (tail >= 0) wPtr(p, this.recs[tail]!.rec + BB.next, this.va(rec))
    this.recs.push({ rec, buf, len: bytes.length, cookie })
    return buf
  }

  /** virtio_mmio_hvl_get_bounce_buf: the first record whose cookie matches is unlinked
   *  (metal_list_del) and both it and the buffer desc.addr names are freed. Returns the record,
   *  or null when none matches. `bufOff` is desc.addr as an shm offset (null: outside shm). */
  take(cookie: number, bufOff: number | null): { rec: Rec; bufFreed: boolean } | null {
    const p = this.p
    const i = this.recs.findIndex((r) => r.cookie === cookie)
    if (i < 0) return null
    const r = this.recs[i]!
    const prevVa = this.nodeVa(i - 1)
    const nextVa = this.nodeVa(i + 1)
    // node->next->prev = node->prev; node->prev->next = node->next; node->next = node->prev = node
    if (i + 1 < this.recs.length) wPtr(p, this.recs[i + 1]!.rec + BB.prev, prevVa)
    if (i > 0) wPtr(p, this.recs[i - 1]!.rec + BB.next, nextVa)
    wPtr(p, r.rec + BB.prev, this.va(r.rec))
    wPtr(p, r.rec + BB.next, this.va(r.rec))
    this.recs.splice(i, 1)
    this.heap.free(r.rec)
    const bufFreed = bufOff !== null && this.heap.free(bufOff)
    return { rec: r, bufFreed }
  }
}
