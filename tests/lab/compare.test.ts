// virtio-lab compare: the same scenario in both profiles, divergences with their quirk numbers.
import { describe, expect, it } from 'vitest'
import { compareProfiles, formatComparison } from '../../src/lab/compare'
import { main } from '../../src/host/cli'
import { S, scenario } from '../helpers'

describe('compare seed vs spec', () => {
  const c = compareProfiles(scenario(), 12 * S)
  it('register by register, each with its quirk', () => {
    const by = Object.fromEntries(c.registers.map((r) => [r.reg, r]))
    expect(by.Version).toMatchObject({ seed: '0x1', spec: '0x2', q: 'Q1' })
    expect(by.QueuePFN).toMatchObject({ seed: '0xaabbaabb', q: 'Q3' })
    expect(by.Status).toMatchObject({ seed: '0x4', spec: '0xf', q: 'Q9' })
    expect(by.MagicValue).toBeUndefined() // same in both
    for (const r of c.registers) expect(r.q).toMatch(/^Q\d+$/)
  })
  it('event by event: status sequence, doorbells per byte, used.len, typed input', () => {
    const by = Object.fromEntries(c.events.map((e) => [e.q + ' ' + e.what, e]))
    expect(by['Q9 Status stores by the driver']).toMatchObject({ seed: '0x1 0x2 0x4', spec: '0x0 0x1 0x3 0xb 0xf' })
    expect(by['Q23 typed input']).toMatchObject({ seed: 'no answer', spec: 'answered by the driver shell' })
    expect(Number(by['Q33 doorbells per console byte']!.seed)).toBeGreaterThan(Number(by['Q33 doorbells per console byte']!.spec))
    expect(by['Q19 used.len values']!.seed).toBe('1')
  })
  it('prints as text through the CLI (exit 0); bad flags exit 2', async () => {
    expect(formatComparison(c)[0]).toBe('seed vs spec, 12.0 s of virtual time')
    let out = ''
    let err = ''
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }
    expect(await main(['compare', '--until', '3s'], io)).toBe(0)
    expect(out).toContain('Version            seed 0x1          spec 0x2          Q1')
    expect(await main(['compare', '--until', 'soon'], io)).toBe(2)
    expect(err.trim().split('\n')).toHaveLength(1)
  })
})
