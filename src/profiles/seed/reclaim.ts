// virtqueue_get_buffer as the seed driver runs it (OpenAMP lib/virtio/virtqueue.c at 7d50da4, with
// the HVL bounce buffers): reclaim one used buffer, free its chain (vq_ring_free_chain), copy the
// bounce byte back and free it (docs/wire-protocol.md#driver-tx). Values read from shm are
// validated; where the real code would index past its table, loop, or corrupt its heap, the lab
// reports it and `broken` stops the virtqueue.

import { VRING_DESC_F } from '../../virtio/mmio'
import { hex64 } from '../../virtio/fmt'
import type { GuestPlatform } from '../../guest/platform'
import { SIZEOF_DESCX, VQ, wPtr, type BounceList } from './openamp'
import type { Vq } from './virtqueue'

export function virtqueueGetBuffer(
  p: GuestPlatform,
  vq: Vq,
  bounce: BounceList | null,
  mem: { base: number; size: number },
  broken: (vq: Vq, code: string, msg: string) => void
): void {
  const usedIdx = p.r16(vq.used + 2)
  if (vq.usedCons === usedIdx) return
  const pending = (usedIdx - vq.usedCons) & 0xffff
  if (pending > vq.num) {
    broken(vq, 'InvalidUsedRingIndex', `used.idx jumped from ${vq.usedCons} to ${usedIdx} (more than ${vq.num} entries)`)
    return
  }
  const slot = vq.usedCons & (vq.num - 1)
  const id = p.r32(vq.used + 4 + 8 * slot)
  const len = p.r32(vq.used + 8 + 8 * slot)
  if (id >= vq.num) {
    broken(vq, 'InvalidUsedId', `used.ring[${slot}].id = ${id} is not below QueueNum ${vq.num}`)
    return
  }
  vq.usedCons = (vq.usedCons + 1) & 0xffff
  p.w16(vq.off + VQ.vq_used_cons_idx, vq.usedCons)
  // vq_ring_free_chain: free count += ndescs, ndescs--, push back on the free list
  const dx = vq.off + VQ.vq_descx + SIZEOF_DESCX * id
  vq.free = Math.min(vq.num, vq.free + vq.ndescs[id]!)
  p.w16(vq.off + VQ.vq_free_cnt, vq.free)
  vq.ndescs[id] = (vq.ndescs[id]! - 1) & 0xffff
  p.w16(dx + 8, vq.ndescs[id]!)
  // vq_ring_free_chain follows NEXT; VQ_RING_ASSERT_VALID_IDX is empty without VQUEUE_DEBUG,
  // so the real code walks past the table or round a loop for ever: the lab stops there
  let last = id
  for (let hops = 0; p.r16(vq.desc + 16 * last + 12) & VRING_DESC_F.NEXT; hops++) {
    const nx = p.r16(vq.desc + 16 * last + 14)
    if (nx >= vq.num) return void broken(vq, 'InvalidDescriptorIndex', `freeing chain ${id}: desc[${last}].next = ${nx} is not below QueueNum ${vq.num} (vq_ring_free_chain would walk past the table)`)
    if (hops >= vq.num) return void broken(vq, 'DescriptorChainOverflow', `freeing chain ${id}: more than ${vq.num} descriptors, a loop (vq_ring_free_chain would spin for ever)`)
    last = nx
  }
  p.w16(vq.desc + 16 * last + 14, vq.head)
  vq.head = id
  p.w16(vq.off + VQ.vq_desc_head_idx, id)
  // virtio_mmio_hvl_get_bounce_buf: first record whose cookie matches (Q15); copy desc.len bytes
  // back to driver RAM, unlink, free the record and the buffer desc.addr names
  const dlen = p.r32(vq.desc + 16 * id + 8)
  const lo = p.r32(vq.desc + 16 * id)
  const hi = p.r32(vq.desc + 16 * id + 4)
  const rel = hi * 2 ** 32 + lo - mem.base
  const took = bounce?.take(vq.cookies[id]!, rel >= 0 && rel < mem.size ? rel : null)
  if (took) {
    if (dlen > took.rec.len) p.event('error', { code: 'InvalidUsedLen', where: 'reclaim', message: `desc[${id}].len = ${dlen} exceeds its ${took.rec.len}-byte bounce buffer; copy clipped` })
    if (!took.bufFreed) p.event('error', { code: 'BOUNCE_NOT_LIVE', where: 'reclaim', message: `desc[${id}].addr ${hex64(lo, hi)} is not a live bounce buffer; not freed (the real code would corrupt its heap)` })
  }
  wPtr(p, dx, 0) // vq_descx[id].cookie = NULL
  vq.cookies[id] = 0
  p.event('reclaim', { queue: vq.idx, id, len, usedCons: vq.usedCons })
}
