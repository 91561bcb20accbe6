import { describe, expect, it } from 'vitest'
import { Shm, ShmBoundsError } from '../../src/sim/shm'
import { SimError } from '../../src/sim/errors'

describe('SimError codes', () => {
  it('shm bounds and sizes', () => {
    const shm = new Shm(4096)
    for (const f of [() => shm.r32(4094), () => shm.w8(-1, 0), () => shm.read(4000, 100), () => shm.fill(0, 4097, 0), () => shm.r16(0.5)]) {
      expect(f).toThrow(ShmBoundsError)
      expect(f).toThrow(expect.objectContaining({ code: 'SHM_BOUNDS' }))
    }
    expect(() => new Shm(3000)).toThrow(expect.objectContaining({ code: 'SHM_SIZE' }))
    expect(() => new Shm(4096, new ArrayBuffer(8))).toThrow(expect.objectContaining({ code: 'SHM_SIZE' }))
    expect(new ShmBoundsError(1, 2, 3)).toBeInstanceOf(SimError)
  })
})

describe('Shm.touched: what a traced memset has to save (#11)', () => {
  it('only written pages, merged, clipped; a zero fill of whole pages cleans them', () => {
    const shm = new Shm(64 << 20) // 64 MiB
    expect(shm.touched(0, shm.size)).toEqual([])
    shm.w32(0x10, 1)
    shm.w8(0x2fff, 1) // page 2
    shm.w16(0x3fff, 1) // straddles pages 3 and 4
    shm.w32(40 << 20, 7)
    expect(shm.touched(0, shm.size)).toEqual([
      [0, 0x1000],
      [0x2000, 0x3000],
      [40 << 20, 0x1000]
    ])
    expect(shm.touched(0x2800, 0x1000)).toEqual([[0x2800, 0x1000]])
    shm.fill(0x1000, 0x4000, 0) // pages 1-4 zeroed whole
    expect(shm.touched(0, 0x10000)).toEqual([[0, 0x1000]])
    shm.fill(0x10, 4, 0) // part of page 0: stays (conservatively) touched
    expect(shm.touched(0, 0x1000)).toEqual([[0, 0x1000]])
    shm.fill(0x8000, 0x100, 0xff)
    expect(shm.touched(0x8000, 0x2000)).toEqual([[0x8000, 0x1000]])
    const c = shm.clone()
    expect(c.touched(0, c.size)).toEqual(shm.touched(0, shm.size))
    expect(new Shm(8192, new ArrayBuffer(8192)).touched(0, 8192)).toEqual([[0, 8192]]) // content unknown
  })
})
