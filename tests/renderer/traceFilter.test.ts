// The timeline's display-filter language (src/shared/traceFilter.ts): what matches, and the
// error code and column for what does not parse.
import { describe, it, expect } from 'vitest'
import { compileFilter, tryCompile, FilterError } from '../../src/shared/traceFilter'
import type { TraceEvent } from '../../src/shared/contract'

const ev: TraceEvent[] = [
  { i: 0, t: 0, k: 'guest', op: 'scenario' },
  { i: 1, t: 1_000, k: 'store', side: 'driver', off: 0x40, name: 'QueuePFN', w: 4, old: '0x00000000', new: '0x000afb01' },
  { i: 2, t: 2_000, k: 'store', side: 'device', off: 0x40, name: 'QueuePFN', w: 4, old: '0x000afb01', new: '0xaabbaabb' },
  { i: 3, t: 12_000_000_000, k: 'doorbell', side: 'driver', from: 1, to: 0, vector: 0, value: '0x00000000', outcome: 'sent' },
  { i: 4, t: 12_000_001_000, k: 'doorbell', side: 'driver', from: 1, to: 2, vector: 0, value: '0x00020000', outcome: 'dropped', reason: 'no peer 2' },
  { i: 5, t: 12_000_002_000, k: 'signal', side: 'device', from: 1, to: 0, vector: 0, count: 2, merged: true, outcome: 'merged' },
  { i: 6, t: 12_500_000_000, k: 'desc-add', side: 'driver', queue: 1, head: 3, addr: 0xafa81000, len: 1, byte: 72 },
  { i: 7, t: 13_000_000_000, k: 'store', side: 'driver', off: 0x101010, name: 'shm', w: 2, old: '0x0000', new: '0x0001' },
  { i: 8, t: 14_000_000_000, k: 'console', side: 'device', data: 'Hello\n' },
  { i: 9, t: 15_000_000_000, k: 'error', side: 'driver', code: 'DESC_NEXT_OOR', message: 'next 9 out of range' }
]
const match = (f: string): number[] => {
  const p = compileFilter(f)
  return ev.filter(p).map((e) => e.i)
}
const err = (f: string): FilterError => {
  const r = tryCompile(f)
  if (r.ok) throw new Error(`'${f}' compiled`)
  return r.error
}

describe('trace display filter', () => {
  it('matches the examples of the issue', () => {
    expect(match('side == driver && reg == QueuePFN')).toEqual([1])
    expect(match('off in 0x101000..0x102000')).toEqual([7])
    expect(match('kind == doorbell && dropped')).toEqual([4])
    expect(match('q == 1')).toEqual([6])
  })

  it('empty text matches everything; precedence: && binds tighter than ||; ! and parentheses', () => {
    expect(match('   ')).toEqual(ev.map((e) => e.i))
    expect(match('kind == signal || kind == store && side == device')).toEqual([2, 5])
    expect(match('(kind == signal || kind == store) && side == device')).toEqual([2, 5])
    expect(match('(kind == signal || kind == doorbell) && side == driver')).toEqual([3, 4])
    expect(match('!(kind in {store, guest}) && not error')).toEqual([3, 4, 5, 6, 8])
    expect(match('kind == store and side == driver or kind == console')).toEqual([1, 7, 8])
  })

  it('numbers in decimal, hex and time units; hex strings compare as numbers', () => {
    expect(match('t >= 12s && t < 12.5s')).toEqual([3, 4, 5])
    expect(match('t in 12500ms..13s')).toEqual([6, 7])
    expect(match('t <= 1us')).toEqual([0, 1])
    expect(match('new == 0xaabbaabb')).toEqual([2])
    expect(match('value == 0x20000')).toEqual([4])
    expect(match('addr == 2947026944')).toEqual([6])
    expect(match('vector != 0')).toEqual([0, 1, 2, 6, 7, 8, 9])
    expect(match('off in {0x40, 0x101000..0x101fff}')).toEqual([1, 2, 7])
  })

  it('flags, presence tests, contains and bare text search', () => {
    expect(match('merged')).toEqual([5])
    expect(match('reason')).toEqual([4])
    expect(match('data contains "hello"')).toEqual([8])
    expect(match('"out of range"')).toEqual([9])
    expect(match('code == DESC_NEXT_OOR')).toEqual([9])
    expect(match('kind == desc-add')).toEqual([6])
  })

  it('errors carry a code and the column of the offending token', () => {
    expect(err('side ==')).toMatchObject({ code: 'FILTER_VALUE', pos: 7 })
    expect(err('sied == driver')).toMatchObject({ code: 'FILTER_FIELD', pos: 0 })
    expect(err('sied == driver').message).toMatch(/unknown field 'sied'/)
    expect(err('(kind == store')).toMatchObject({ code: 'FILTER_SYNTAX', pos: 14 })
    expect(err('kind == store side == driver')).toMatchObject({ code: 'FILTER_SYNTAX', pos: 14 })
    expect(err('off in 0x200..0x100')).toMatchObject({ code: 'FILTER_VALUE' })
    expect(err('off in driver..0x100')).toMatchObject({ code: 'FILTER_VALUE' })
    expect(err('t > 12x')).toMatchObject({ code: 'FILTER_VALUE', pos: 4 })
    expect(err('data contains "abc')).toMatchObject({ code: 'FILTER_SYNTAX', pos: 14 })
    expect(err('kind == store ^')).toMatchObject({ code: 'FILTER_SYNTAX', pos: 14 })
    expect(err('kind in {store')).toMatchObject({ code: 'FILTER_SYNTAX' })
  })

  it('never throws anything but FilterError on arbitrary input', () => {
    const alphabet = ['side', '==', 'driver', '&&', '||', '(', ')', '!', '0x10', '..', '{', '}', ',', '"x', '"y"', 'in', 'contains', '12s', '<', '$', ' ']
    let seed = 7
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
    for (let k = 0; k < 2000; k++) {
      const src = Array.from({ length: 1 + rnd(8) }, () => alphabet[rnd(alphabet.length)]).join(' ')
      const r = tryCompile(src)
      if (r.ok) for (const e of ev) expect(typeof r.pred(e)).toBe('boolean')
    }
  })
})
