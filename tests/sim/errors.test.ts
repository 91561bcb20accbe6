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
