// Hostile shm at the protocol boundary, driver side: random registers, write log, rings and heap
// bytes, then one notification of the driver; nothing escapes as an exception, every error has a
// known code (docs/spec-profile.md §6). Long runs: npm run fuzz -- --cases N.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { runCase } from '../../src/profiles/spec/testing/fuzz'
import { fuzzCase } from './spec-fuzz.arb'

describe('spec driver under hostile shared memory', () => {
  it('10k cases: no exception, only known error codes', () => {
    fc.assert(
      fc.property(fuzzCase('driver'), (c) => {
        expect(runCase(c)).toBeNull()
      }),
      { numRuns: 10_000, seed: 0x5bec }
    )
  }, 180_000)
})
