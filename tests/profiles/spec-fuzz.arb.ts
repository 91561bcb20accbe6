// fast-check arbitrary for one protocol-boundary fuzz case (src/profiles/spec/testing/fuzz.ts).
import fc from 'fast-check'
import { LOG_REGS, REGIONS, type FuzzCase, type FuzzTarget, type FuzzWrite } from '../../src/profiles/spec/testing/fuzz'

const value = fc.oneof(fc.constantFrom(0, 1, 2, 64, 65, 0x8000, 0xffff, 0xffffffff), fc.nat({ max: 0xffffffff }))
const write: fc.Arbitrary<FuzzWrite> = fc
  .tuple(fc.nat({ max: REGIONS.length - 1 }), fc.nat({ max: 0xffff }), value, fc.constantFrom<1 | 2 | 4>(1, 2, 4))
  .map(([r, at, v, w]) => [REGIONS[r]![0] + (at % REGIONS[r]![1]), v, w])
const logEntry = fc.tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...LOG_REGS) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) }), value)

export const fuzzCase = (target: FuzzTarget): fc.Arbitrary<FuzzCase> =>
  fc.record({
    target: fc.constant(target),
    writes: fc.array(write, { maxLength: 12 }),
    log: target === 'device' ? fc.array(logEntry, { maxLength: 6 }) : fc.constant([]),
    jump: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) }),
    notify: fc.integer({ min: -1, max: target === 'device' ? 2 : 1 }),
    avail: fc.nat({ max: 3 }),
    typed: fc.oneof(fc.constant(0), fc.nat({ max: 100 }))
  })
