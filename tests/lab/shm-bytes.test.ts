// The driver's own stores into shared memory, byte for byte (issue #8, "the driver's own stores"):
// Zephyr's sys_heap metadata for both k_heaps (64-bit layout: 8-byte chunk headers, 32-bit fields),
// the two struct virtqueue objects with the fields OpenAMP stores (0x68 bytes each on AArch64) and
// the vq_descx stores that land past the allocation, and the HVL bounce records in list order.
// Expected values are worked out by hand from lib/os/heap.c and openamp/virtqueue.h (see comments),
// not taken from the implementation.
import { describe, expect, it } from 'vitest'
import { MS, runLab } from '../helpers'
import type { DriverSideDemo } from '../../src/profiles/seed/driver_side_demo'
import { seedRegions } from '../../src/profiles/seed/regions'
import { BOUNCE_LIST_VA, NOTIFY_FN_VA, SHM_IO_VA, VDEV_VA, VQ_NAME_VA } from '../../src/profiles/seed/openamp'

const BASE = 0xafa00000
const TXPOLL_VA = 0x4019b129

describe('driver-private bytes in shm after two Hello bytes', () => {
  // first byte at driver uptime 8012 ms (9.012 s), the second at 9.030 s, the third at 9.050 s
  const { s, ev } = runLab({ order: 'device-first' }, 9_040 * MS)
  const u32 = (off: number) => s.shm.r32(off)
  const u16 = (off: number) => s.shm.r16(off)
  const u64 = (off: number) => s.shm.r32(off) + s.shm.r32(off + 4) * 2 ** 32

  it('two descriptors were added', () => {
    expect(ev.filter((e) => e.k === 'desc-add')).toHaveLength(2)
  })

  it('vring heap (0x100800): z_heap, buckets, the end marker', () => {
    // 0x80000 - 8 (end marker) = 0xffff chunks; 16 buckets -> chunk0 = (16 + 64) / 8 = 10 units
    expect([u32(0x100800), u32(0x100804), u32(0x100808)]).toEqual([0, (10 << 1) | 1, 0xffff])
    // after vq0 (14 units at chunk 10), ring0 (chunk 255), vq1 (chunk 24), ring1 (chunk 1279):
    // free chunks 38 (217 units, bucket 7), 773 (506, bucket 8), 1797 (0xf8fa, bucket 15)
    expect(u32(0x10080c)).toBe((1 << 7) | (1 << 8) | (1 << 15))
    expect([u32(0x100810 + 4 * 7), u32(0x100810 + 4 * 8), u32(0x100810 + 4 * 15)]).toEqual([38, 773, 1797])
    expect([u32(0x1807f8), u32(0x1807fc)]).toEqual([0xf8fa, 1]) // LEFT_SIZE, size 0 | used
    // the ring chunks: 255 at 0x100ff8 (518 units, used; its LEFT_SIZE became 217 when vq1's
    // split of chunk 24 left free chunk 38 in front of it), 1279 at 0x102ff8
    expect([u32(0x100ff8), u32(0x100ffc)]).toEqual([217, (518 << 1) | 1])
    expect([u32(0x102ff8), u32(0x102ffc)]).toEqual([506, (518 << 1) | 1])
  })

  it('struct virtqueue vqin at 0x100858 (chunk 10): every field the real code stores', () => {
    const o = 0x100858
    expect([u32(o - 8), u32(o - 4)]).toEqual([10, (14 << 1) | 1]) // its chunk header
    expect(u64(o + 0x00)).toBe(VDEV_VA)
    expect(u64(o + 0x08)).toBe(VQ_NAME_VA[0])
    expect([u16(o + 0x10), u16(o + 0x12)]).toEqual([0, 4])
    expect([u64(o + 0x18), u64(o + 0x20), u64(o + 0x28)]).toEqual([0, 0, NOTIFY_FN_VA])
    expect([u32(o + 0x30), u64(o + 0x38), u64(o + 0x40), u64(o + 0x48)]).toEqual([4, BASE + 0x101000, BASE + 0x101040, BASE + 0x102000])
    expect([u16(o + 0x50), u16(o + 0x52), u64(o + 0x58), u16(o + 0x60), u16(o + 0x62)]).toEqual([4, 0, SHM_IO_VA, 0, 0])
  })

  it('struct virtqueue vqout at 0x1008c8 (chunk 24) after two adds and the kicks', () => {
    const o = 0x1008c8
    expect([u32(o - 8), u32(o - 4)]).toEqual([14, (14 << 1) | 1])
    expect([u16(o + 0x10), u16(o + 0x12), u64(o + 0x38)]).toEqual([1, 4, BASE + 0x103000])
    expect(u16(o + 0x50)).toBe(2) // vq_free_cnt
    expect(u16(o + 0x52)).toBe(0) // vq_queued_cnt: reset by virtqueue_kick
    expect(u16(o + 0x60)).toBe(2) // vq_desc_head_idx
    expect(u16(o + 0x62)).toBe(0) // vq_used_cons_idx: nothing reclaimed yet
  })

  it('vqout vq_descx[0..1] land past its 0x68-byte chunk, over free chunk 38 (Q13)', () => {
    // descx[0] at 0x100930 = chunk 38's header: cookie 1 replaces LEFT_SIZE 14 / SIZE_AND_USED 434
    expect(Array.from(s.shm.read(0x100930, 16))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 38, 0, 0, 0])
    expect([u64(0x100940), u16(0x100948)]).toEqual([1, 1])
    expect(u64(0x100950)).toBe(0) // descx[2] not used yet
  })

  it('hvl_shmem heap (0x80800): bounce buffers and 40-byte records, first fit, in the real order', () => {
    expect([u32(0x80804), u32(0x80808)]).toEqual([(10 << 1) | 1, 0xffff])
    // byte 0: buffer chunk 10 (2 units) at 0x80858, record chunk 12 (6 units) at 0x80868;
    // byte 1: buffer chunk 18 at 0x80898, record chunk 20 at 0x808a8; free tail from chunk 26
    const d0 = u64(0x103000)
    const d1 = u64(0x103010)
    expect([d0, d1]).toEqual([BASE + 0x80858, BASE + 0x80898])
    expect([s.shm.r8(0x80858), s.shm.r8(0x80898)]).toEqual(['['.charCodeAt(0), '8'.charCodeAt(0)])
    expect([u32(0x80850), u32(0x80854), u32(0x80860), u32(0x80864)]).toEqual([10, (2 << 1) | 1, 2, (6 << 1) | 1])
    expect([u32(0x1007f8), u32(0x1007fc)]).toEqual([0xffff - 26, 1])
    // record 0: next -> record 1, prev -> the list head in driver RAM, cookie 1, addr = chan->txpoll, len 1
    expect([u64(0x80868), u64(0x80870), u64(0x80878), u64(0x80880), u32(0x80888)]).toEqual([BASE + 0x808a8, BOUNCE_LIST_VA, 1, TXPOLL_VA, 1])
    // record 1: the tail: next -> head, prev -> record 0
    expect([u64(0x808a8), u64(0x808b0)]).toEqual([BOUNCE_LIST_VA, BASE + 0x80868])
  })

  it('the snapshot regions name each structure at its real offset', () => {
    const regs = seedRegions(s.shm.size, (s.slots.driver.driver as DriverSideDemo).layout())
    const at = (name: string) => regs.filter((r) => r.name === name).map((r) => [r.off, r.len])
    expect(at('struct virtqueue vqin')).toEqual([[0x100850, 0x70]])
    expect(at('struct virtqueue vqout')).toEqual([[0x1008c0, 0x70]])
    expect(at('vqout vq_descx[4] (overflow)')).toEqual([[0x100930, 0x40]])
    expect(at('vqin vq_descx[4] (overflow)')).toEqual([]) // receiveq never posted a buffer
    expect(at('bounce buffer')).toEqual([
      [0x80850, 9],
      [0x80890, 9]
    ])
    expect(at('bounce record')).toEqual([
      [0x80860, 48],
      [0x808a0, 48]
    ])
    expect(at('vring_shmem: struct z_heap')).toEqual([[0x100801, 0x4f]])
    expect(at('hvl_shmem: end marker chunk')).toEqual([[0x1007f8, 8]])
  })

  it('desc.addr is briefly METAL_BAD_PHYS during an add (the store before the bounce address)', () => {
    const addr = ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.off === 0x103000).map((e) => e.new)
    expect(addr).toEqual(['0xffffffffffffffff', '0x00000000afa80858'])
  })
})

describe('reclaim: records unlinked and freed, addresses reused first-fit', () => {
  const { s, ev } = runLab({ order: 'device-first' }, 9_100 * MS) // five bytes: the fifth reclaims the first
  it('the fifth byte reuses the first byte\'s bounce buffer and record', () => {
    const adds = ev.filter((e) => e.k === 'desc-add')
    expect(adds.map((e) => (e.addr as number) - BASE)).toEqual([0x80858, 0x80898, 0x808d8, 0x80918, 0x80858])
    // the reused record is now the list tail: next -> head, prev -> the fourth byte's record
    expect([s.shm.r32(0x80868), s.shm.r32(0x80870)]).toEqual([BOUNCE_LIST_VA, BASE + 0x80928])
    // record 1 (second byte) is the new first: prev -> head
    expect(s.shm.r32(0x808b0)).toBe(BOUNCE_LIST_VA)
    expect((s.slots.driver.driver as DriverSideDemo).view.bounceLive).toBe(4)
  })
})
