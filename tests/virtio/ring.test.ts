import { describe, expect, it } from 'vitest'
import { Shm } from '../../src/sim/shm'
import {
  addrHex,
  addrOf,
  availEvent,
  availFlags,
  availIdx,
  availRing,
  checkRing,
  describeRing,
  fieldAt,
  readDesc,
  ringAt,
  ringFits,
  ringFromPfn,
  ringOff,
  translate,
  usedElem,
  usedEvent,
  usedFlags,
  usedIdx,
  writeDesc,
  setAvailIdx,
  setAvailRing,
  setUsedElem,
  setUsedIdx
} from '../../src/virtio/ring'

const B = 0x101000
const BASE = 0xafa00000

describe('split ring byte layout, n = 4 at B = 0x101000 (docs/wire-protocol.md#vring-layout)', () => {
  const r = ringAt(B, 4, 4096)

  it('ring parts', () => {
    expect(r).toEqual({ descOff: B, availOff: B + 0x40, usedOff: B + 0x1000, num: 4 })
    expect(ringFromPfn(0xafb01, 4096, 4, BASE)).toEqual(r)
    expect(ringFromPfn(0xafb03, 4096, 4, BASE)!.descOff).toBe(0x103000)
  })

  it('field offsets', () => {
    for (let i = 0; i < 4; i++) {
      expect(ringOff.descAddr(r, i)).toBe(B + 16 * i)
      expect(ringOff.descLen(r, i)).toBe(B + 16 * i + 8)
      expect(ringOff.descFlags(r, i)).toBe(B + 16 * i + 12)
      expect(ringOff.descNext(r, i)).toBe(B + 16 * i + 14)
      expect(ringOff.availRing(r, i)).toBe(B + 0x44 + 2 * i)
      expect(ringOff.usedId(r, i)).toBe(B + 0x1004 + 8 * i)
      expect(ringOff.usedLen(r, i)).toBe(B + 0x1008 + 8 * i)
    }
    expect(ringOff.availFlags(r)).toBe(B + 0x40)
    expect(ringOff.availIdx(r)).toBe(B + 0x42)
    expect(ringOff.usedEvent(r)).toBe(B + 0x4c)
    expect(ringOff.usedFlags(r)).toBe(B + 0x1000)
    expect(ringOff.usedIdx(r)).toBe(B + 0x1002)
    expect(ringOff.availEvent(r)).toBe(B + 0x1024)
  })

  it('writers store little-endian bytes exactly there', () => {
    const shm = new Shm(0x400000)
    writeDesc(shm, r, 2, { addr: { lo: 0xafa80810, hi: 0x01020304 }, len: 0x11223344, flags: 0x0003, next: 0x8000 })
    expect([...shm.u8.subarray(B + 32, B + 48)]).toEqual([
      0x10, 0x08, 0xa8, 0xaf, 0x04, 0x03, 0x02, 0x01, 0x44, 0x33, 0x22, 0x11, 0x03, 0x00, 0x00, 0x80
    ])
    setAvailIdx(shm, r, 0x1234)
    expect([shm.u8[B + 0x42], shm.u8[B + 0x43]]).toEqual([0x34, 0x12])
    setAvailRing(shm, r, 3, 0x0102)
    expect([shm.u8[B + 0x4a], shm.u8[B + 0x4b]]).toEqual([0x02, 0x01])
    setUsedElem(shm, r, 1, { id: 0xa1b2c3d4, len: 0x05060708 })
    expect([...shm.u8.subarray(B + 0x100c, B + 0x1014)]).toEqual([0xd4, 0xc3, 0xb2, 0xa1, 0x08, 0x07, 0x06, 0x05])
    setUsedIdx(shm, r, 0x10001) // u16 wrap
    expect(shm.r16(B + 0x1002)).toBe(1)
  })

  it('readers decode bytes placed at the documented offsets', () => {
    const shm = new Shm(0x400000)
    shm.w32(B + 16, 0xafa80800)
    shm.w32(B + 20, 0)
    shm.w32(B + 24, 1)
    shm.w16(B + 28, 2)
    shm.w16(B + 30, 3)
    shm.w16(B + 0x40, 1)
    shm.w16(B + 0x42, 7)
    shm.w16(B + 0x46, 1)
    shm.w16(B + 0x4c, 9)
    shm.w16(B + 0x1000, 1)
    shm.w16(B + 0x1002, 5)
    shm.w32(B + 0x1004 + 8 * 3, 2)
    shm.w32(B + 0x1008 + 8 * 3, 77)
    shm.w16(B + 0x1024, 11)
    expect(readDesc(shm, r, 1)).toEqual({ addr: { lo: 0xafa80800, hi: 0 }, len: 1, flags: 2, next: 3 })
    expect([availFlags(shm, r), availIdx(shm, r), availRing(shm, r, 1), usedEvent(shm, r)]).toEqual([1, 7, 1, 9])
    expect([usedFlags(shm, r), usedIdx(shm, r), availEvent(shm, r)]).toEqual([1, 5, 11])
    expect(usedElem(shm, r, 3)).toEqual({ id: 2, len: 77 })
  })

  it('fieldAt names every field', () => {
    const rings = [
      { queue: 0, addr: r },
      { queue: 1, addr: ringAt(0x103000, 4, 4096) }
    ]
    expect(fieldAt(B + 0, rings)).toBe('q0.desc[0].addr')
    expect(fieldAt(B + 4, rings)).toBe('q0.desc[0].addr+0x4')
    expect(fieldAt(0x103000 + 16 * 2 + 8, rings)).toBe('q1.desc[2].len')
    expect(fieldAt(B + 16 * 3 + 12, rings)).toBe('q0.desc[3].flags')
    expect(fieldAt(B + 16 * 3 + 14, rings)).toBe('q0.desc[3].next')
    expect(fieldAt(B + 0x40, rings)).toBe('q0.avail.flags')
    expect(fieldAt(B + 0x42, rings)).toBe('q0.avail.idx')
    expect(fieldAt(B + 0x44 + 2 * 3, rings)).toBe('q0.avail.ring[3]')
    expect(fieldAt(B + 0x4c, rings)).toBe('q0.avail.used_event')
    expect(fieldAt(B + 0x4e, rings)).toBeNull() // padding before the used ring
    expect(fieldAt(0x103000 + 0x1000, rings)).toBe('q1.used.flags')
    expect(fieldAt(0x103000 + 0x1002, rings)).toBe('q1.used.idx')
    expect(fieldAt(0x103000 + 0x1004 + 8 * 3, rings)).toBe('q1.used.ring[3].id')
    expect(fieldAt(0x103000 + 0x1008 + 8 * 3, rings)).toBe('q1.used.ring[3].len')
    expect(fieldAt(B + 0x1024, rings)).toBe('q0.used.avail_event')
    expect(fieldAt(B + 0x1026, rings)).toBeNull()
    expect(fieldAt(0x40, rings)).toBeNull()
    expect(fieldAt(NaN, rings)).toBeNull()
  })
})

describe('ring validation', () => {
  const size = 0x10000
  it('accepts a good ring', () => {
    expect(ringFits(ringAt(0x1000, 4, 4096), size)).toBe(true)
    expect(ringFits(ringAt(0, 256, 16), size)).toBe(true)
  })
  it('rejects sizes, alignment and out-of-shm parts with codes', () => {
    const code = (r: Parameters<typeof checkRing>[0]) => {
      const x = checkRing(r, size)
      return x.ok ? 'ok' : x.error.code
    }
    expect(code({ descOff: 0, availOff: 0x100, usedOff: 0x200, num: 3 })).toBe('InvalidQueueSize')
    expect(code({ descOff: 0, availOff: 0x100, usedOff: 0x200, num: 0 })).toBe('InvalidQueueSize')
    expect(code({ descOff: 0, availOff: 0x100, usedOff: 0x200, num: 65536 })).toBe('InvalidQueueSize')
    expect(code({ descOff: 8, availOff: 0x100, usedOff: 0x200, num: 4 })).toBe('MisalignedRing')
    expect(code({ descOff: 0, availOff: 0x101, usedOff: 0x200, num: 4 })).toBe('MisalignedRing')
    expect(code({ descOff: 0, availOff: 0x100, usedOff: 0x202, num: 4 })).toBe('MisalignedRing')
    // used part 6 + 8*4 = 38 bytes must fit entirely, not only its first byte
    expect(code({ descOff: 0, availOff: 0x100, usedOff: size - 36, num: 4 })).toBe('RingOutOfBounds')
    expect(code({ descOff: -16, availOff: 0x100, usedOff: 0x200, num: 4 })).toBe('RingOutOfBounds')
    expect(code({ descOff: 0, availOff: 0x100, usedOff: size - 40, num: 4 })).toBe('ok')
  })
})

describe('addresses', () => {
  it('hex and translation are exact for 64-bit values', () => {
    expect(addrHex({ lo: 0xafb01000, hi: 0 })).toBe('0xafb01000')
    expect(addrHex({ lo: 0xffffffff, hi: 0xffffffff })).toBe('0xffffffffffffffff')
    expect(addrOf(0xafa80800)).toEqual({ lo: 0xafa80800, hi: 0 })
    expect(addrOf(-1n)).toEqual({ lo: 0xffffffff, hi: 0xffffffff })
    expect(translate({ lo: 0xafa80800, hi: 0 }, 1, BASE, 0x400000)).toBe(0x80800)
    expect(translate({ lo: 0xafdfffff, hi: 0 }, 1, BASE, 0x400000)).toBe(0x3fffff)
    expect(translate({ lo: 0xafdfffff, hi: 0 }, 2, BASE, 0x400000)).toBeNull()
    expect(translate({ lo: 0xaf9fffff, hi: 0 }, 1, BASE, 0x400000)).toBeNull()
    expect(translate({ lo: 0xafa00000, hi: 1 }, 1, BASE, 0x400000)).toBeNull()
    // METAL_BAD_PHYS, the transient all-ones desc.addr (docs/wire-protocol.md#bounce-buffers)
    expect(translate({ lo: 0xffffffff, hi: 0xffffffff }, 1, BASE, 0x400000)).toBeNull()
  })
})

describe('describeRing', () => {
  it('describes the seed ring after one TX byte', () => {
    const shm = new Shm(0x400000)
    const r = ringAt(B, 4, 4096)
    // seed initial free chain (docs/wire-protocol.md#vring-layout), then 'H' in a bounce buffer at 0x080820
    for (let i = 0; i < 3; i++) shm.w16(ringOff.descNext(r, i), i + 1)
    shm.w16(ringOff.descNext(r, 3), 0x8000)
    shm.w8(0x80820, 0x48)
    writeDesc(shm, r, 0, { addr: { lo: BASE + 0x80820, hi: 0 }, len: 1, flags: 0, next: 1 })
    setAvailRing(shm, r, 0, 0)
    setAvailIdx(shm, r, 1)
    const d = describeRing(shm, r, BASE)
    expect(d.errors).toEqual([])
    expect(d.desc).toHaveLength(4)
    expect(d.desc[0]).toEqual({ i: 0, addr: '0xafa80820', off: 0x80820, len: 1, flags: 0, flagNames: [], next: 1, bytes: [0x48] })
    expect(d.desc[3]!.next).toBe(0x8000)
    expect(d.avail).toEqual({ flags: 0, idx: 1, ring: [0, 0, 0, 0], usedEvent: 0 })
    expect(d.used.idx).toBe(0)
    expect(d.truncated).toBe(false)
  })

  it('reports hostile contents as strings', () => {
    const shm = new Shm(0x10000)
    const r = ringAt(0x1000, 4, 4096)
    setAvailIdx(shm, r, 9) // 9 ahead of used.idx 0
    writeDesc(shm, r, 1, { addr: { lo: 0, hi: 0 }, len: 0, flags: 1, next: 4 })
    const d = describeRing(shm, r, 0)
    expect(d.errors).toContain('avail.idx 9 is 9 ahead of used.idx 0, more than num 4')
    expect(d.errors).toContain('desc[1].next = 4 >= num 4 with NEXT set')
    setAvailIdx(shm, r, 2)
    setAvailRing(shm, r, 1, 17)
    expect(describeRing(shm, r, 0).errors).toContain('avail.ring[1] = 17 is not a descriptor index (num 4)')
  })

  it('survives a ring hanging off the end of shm', () => {
    const shm = new Shm(0x1000)
    const r = { descOff: 0xff0, availOff: 0xffe, usedOff: 0x2000, num: 4 }
    const d = describeRing(shm, r, 0)
    expect(d.desc).toHaveLength(4)
    expect(d.errors[0]).toMatch(/^RingOutOfBounds/)
    expect(d.errors.some((e) => e.includes('outside shm'))).toBe(true)
  })

  it('caps rows for huge sizes and shows nothing for invalid ones', () => {
    const shm = new Shm(0x100000)
    const d = describeRing(shm, ringAt(0, 32768, 4096), 0, { maxDesc: 8 })
    expect(d.desc).toHaveLength(8)
    expect(d.truncated).toBe(true)
    const bad = describeRing(shm, { descOff: 0, availOff: 0, usedOff: 0, num: 0 }, 0)
    expect(bad.desc).toEqual([])
    expect(bad.errors[0]).toMatch(/InvalidQueueSize/)
  })
})

describe('caller-side garbage', () => {
  it('translate and describeRing tolerate NaN / infinite inputs', () => {
    expect(translate({ lo: 0, hi: 0 }, Number.NaN, 0, 0x1000)).toBeNull()
    expect(translate({ lo: 0, hi: 0 }, Infinity, 0, 0x1000)).toBeNull()
    expect(translate({ lo: 0x10, hi: 0 }, 1, Number.NaN, 0x1000)).toBe(0x10)
    const shm = new Shm(0x1000)
    expect(() => describeRing(shm, { descOff: Number.NaN, availOff: Infinity, usedOff: -1, num: 4 }, Number.NaN)).not.toThrow()
    expect(fieldAt(0x8, [{ queue: 0, addr: { descOff: Number.NaN, availOff: 0, usedOff: 0, num: 4 } }])).toBe('q0.avail.ring[2]')
  })
})
