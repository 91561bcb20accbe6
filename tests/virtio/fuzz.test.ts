// Property tests in the spirit of crosvm's virtqueue_fuzzer / rust-vmm's fuzz targets: arbitrary
// shared memory and ring geometry must never make the ring description or the chain walker throw,
// and every buffer they hand out lies inside shm.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Shm } from '../../src/sim/shm'
import { chainErrors, drainAvail, popAvail, walkChain, type DescChain } from '../../src/virtio/chain'
import { describeRing, fieldAt, ringAt, ringFits, type RingAddr } from '../../src/virtio/ring'
import { REG_DEFS, buildRegCells, regName } from '../../src/virtio/regs'
import { mulberry32 } from '../../src/virtio/testing/mock-driver'

const SIZE = 0x10000

const numArb = fc.oneof(
  fc.constantFrom(1, 2, 4, 8, 16, 64, 256, 1024, 32768),
  fc.constantFrom(0, 3, 65536, -4, 1.5, Number.NaN),
  fc.integer({ min: -10, max: 70000 })
)
const offArb = fc.oneof(
  fc.integer({ min: 0, max: SIZE / 16 - 1 }).map((x) => x * 16),
  fc.integer({ min: -64, max: SIZE + 64 }),
  fc.constantFrom(SIZE - 2, SIZE - 6, Number.MAX_SAFE_INTEGER, -1)
)
const baseArb = fc.oneof(fc.constant(0), fc.constant(0xafa00000), fc.integer({ min: 0, max: 0xffffffff }))

interface Case {
  seed: number
  /** 'raw' = uniformly random bytes; 'plausible' = rings with in-range indices and addresses */
  mode: 'raw' | 'plausible'
  ring: RingAddr
  driverBase: number
  nextAvail: number
  indirect: boolean
}

// well-formed geometry (legacy layout somewhere inside shm) or anything at all
const goodRingArb: fc.Arbitrary<RingAddr> = fc
  .record({ num: fc.constantFrom(1, 2, 4, 8, 16, 64, 256), align: fc.constantFrom(4, 16, 4096), slot: fc.integer({ min: 0, max: 0xfff }) })
  .map(({ num, align, slot }) => {
    const r = ringAt(0, num, align)
    const span = r.usedOff + 6 + 8 * num
    const base = Math.min(slot * 16, Math.floor((SIZE - span) / 16) * 16)
    return ringAt(base, num, align)
  })
const ringArb: fc.Arbitrary<RingAddr> = fc.oneof(
  { arbitrary: goodRingArb, weight: 3 },
  { arbitrary: fc.record({ descOff: offArb, availOff: offArb, usedOff: offArb, num: numArb }), weight: 2 }
)

const caseArb: fc.Arbitrary<Case> = fc.record({
  seed: fc.integer(),
  mode: fc.constantFrom('raw' as const, 'plausible' as const),
  ring: ringArb,
  driverBase: baseArb,
  nextAvail: fc.integer({ min: 0, max: 0xffff }),
  indirect: fc.boolean()
})

/** fill shm from the seed; in 'plausible' mode overwrite ring fields with values that pass the
 *  first checks, so the walker gets deep (chains, indirect tables, loops, straddling buffers) */
function makeShm(c: Case): Shm {
  const shm = new Shm(SIZE)
  const rnd = mulberry32(c.seed)
  const u32 = () => Math.floor(rnd() * 2 ** 32)
  for (let o = 0; o < SIZE; o += 4) shm.w32(o, u32())
  if (c.mode === 'plausible') {
    const { descOff, availOff, usedOff, num } = c.ring
    const n = Number.isInteger(num) && num > 0 ? Math.min(num, 256) : 0
    const small = (k: number) => Math.floor(rnd() * k)
    const put16 = (o: number, v: number) => o >= 0 && o + 2 <= SIZE && Number.isInteger(o) && shm.w16(o, v)
    const put32 = (o: number, v: number) => o >= 0 && o + 4 <= SIZE && Number.isInteger(o) && shm.w32(o, v >>> 0)
    for (let i = 0; i < n; i++) {
      const o = descOff + 16 * i
      put32(o, c.driverBase + small(SIZE + 64))
      put32(o + 4, rnd() < 0.9 ? 0 : u32())
      put32(o + 8, rnd() < 0.1 ? 0 : small(rnd() < 0.5 ? 64 : SIZE))
      put16(o + 12, small(8))
      put16(o + 14, small(n + 2))
      put16(availOff + 4 + 2 * i, small(n + 1))
    }
    put16(availOff + 2, (c.nextAvail + small(n + 2)) & 0xffff)
    put16(usedOff + 2, c.nextAvail)
  }
  return shm
}

function checkChain(ch: DescChain, num: number) {
  expect(ch.bufs.length).toBeGreaterThan(0)
  let sawWrite = false
  for (const b of ch.bufs) {
    expect(Number.isSafeInteger(b.off)).toBe(true)
    expect(b.len).toBeGreaterThan(0)
    expect(b.off).toBeGreaterThanOrEqual(0)
    expect(b.off + b.len).toBeLessThanOrEqual(SIZE)
    if (!b.write) expect(sawWrite).toBe(false)
    sawWrite ||= b.write
  }
  // TTL = size, plus at most one indirect table of <= 32768 entries
  if (!ch.bufs.some((b) => b.indirect)) expect(ch.bufs.length).toBeLessThanOrEqual(num)
}

describe('hostile shared memory never throws', () => {
  it('describeRing, walkChain, popAvail, drainAvail, chainErrors, fieldAt', () => {
    const stats = { okChains: 0, errors: new Set<string>(), fits: 0 }
    fc.assert(
      fc.property(caseArb, (c) => {
        const shm = makeShm(c)
        const r = c.ring
        const d = describeRing(shm, r, c.driverBase, { validate: (s, rr) => chainErrors(s, rr, c.driverBase, undefined, { indirect: c.indirect }) })
        const n = Number.isInteger(r.num) && r.num > 0 ? r.num : 0
        expect(d.desc.length).toBe(Math.min(n, 256))
        for (const row of d.desc) {
          if (row.off !== null) {
            expect(row.off).toBeGreaterThanOrEqual(0)
            expect(row.off).toBeLessThan(SIZE)
          }
          expect(row.bytes.length).toBeLessThanOrEqual(16)
        }
        const fits = ringFits(r, SIZE)
        if (!fits) expect(d.errors.length).toBeGreaterThan(0)
        else stats.fits++

        for (let h = 0; h < Math.min(n, 64) + 1; h++) {
          const w = walkChain(shm, r, h, c.driverBase, { indirect: c.indirect })
          if (w.ok) {
            stats.okChains++
            checkChain(w.value, r.num)
          } else {
            stats.errors.add(w.error.code)
            expect(w.error.message.length).toBeGreaterThan(0)
          }
        }
        const p = popAvail(shm, r, c.nextAvail, c.driverBase, { indirect: c.indirect })
        if (p.ok && p.value) checkChain(p.value.chain, r.num)
        if (!p.ok) stats.errors.add(p.error.code)
        const dr = drainAvail(shm, r, c.nextAvail, c.driverBase, { indirect: c.indirect })
        expect(dr.chains.length).toBeLessThanOrEqual(Math.max(0, Math.min(n, 32768)))
        for (const x of dr.chains) checkChain(x.chain, r.num)
        for (const off of [r.descOff, r.availOff + 2, r.usedOff + 4, 0, SIZE - 1]) fieldAt(off, [{ queue: 0, addr: r }])
      }),
      { numRuns: 300, seed: 0x5eed }
    )
    // the generator really reaches both good chains and every walker error class
    expect(stats.okChains).toBeGreaterThan(100)
    expect(stats.fits).toBeGreaterThan(20)
    expect([...stats.errors].sort()).toEqual(
      expect.arrayContaining([
        'AddressOutOfRange',
        'DescriptorChainOverflow',
        'InvalidAvailRingIndex',
        'InvalidDescriptorIndex',
        'InvalidQueueSize',
        'MisalignedRing',
        'ReadableAfterWritable',
        'RingOutOfBounds',
        'ZeroLengthBuffer',
        'InvalidIndirectDescriptor'
      ])
    )
  })

  it('register cells decode any block contents', () => {
    fc.assert(
      fc.property(fc.integer(), baseArb, fc.integer({ min: 0, max: 0xffffffff }), (seed, base, align) => {
        const rnd = mulberry32(seed)
        const vals = new Map<number, number>()
        const rd = (o: number) => {
          if (!vals.has(o)) vals.set(o, Math.floor(rnd() * 2 ** 32))
          return vals.get(o)!
        }
        const cells = buildRegCells(rd, { queueAlign: align, guestPageSize: rd(0x28), shmSize: SIZE, driverBase: base }, () => ({
          lastWriter: null,
          lastWriteT: null,
          lastWriteEvent: null
        }))
        expect(cells).toHaveLength(REG_DEFS.length)
        for (const cell of cells) {
          expect(cell.value).toBe(rd(cell.off) >>> 0)
          expect(cell.fields.every((f) => typeof f.value === 'string' && !f.name.startsWith('error'))).toBe(true)
        }
        for (let o = 0; o < 0x200; o++) expect(regName(o)).not.toBe('')
      }),
      { numRuns: 200, seed: 0x1234 }
    )
  })
})
