import { describe, expect, it } from 'vitest'
import { REG_DEFS } from '../../src/virtio/regs'
import { seedRegQuirks } from '../../src/profiles/seed/quirks'

describe('seed register quirk table', () => {
  it('flags the seed quirks per cell', () => {
    const qs = (off: number) => seedRegQuirks(off).map((x) => x.q)
    expect(qs(0x004)).toContain('Q1')
    expect(qs(0x00c)).toContain('Q8')
    expect(qs(0x010)).toContain('Q8')
    expect(qs(0x024)).toContain('Q4')
    expect(qs(0x034)).toContain('Q7')
    expect(qs(0x040)).toEqual(expect.arrayContaining(['Q3', 'Q5']))
    expect(qs(0x050)).toContain('Q22')
    expect(qs(0x060)).toContain('Q21')
    expect(qs(0x064)).toContain('Q21')
    expect(qs(0x070)).toContain('Q9')
    for (const off of [0x0b0, 0x0b4, 0x0b8, 0x0bc]) expect(qs(off)).toContain('Q10')
    for (const r of REG_DEFS) for (const x of seedRegQuirks(r.off)) expect(x.rule, `${r.name} ${x.q}`).toMatch(/virtio 1\.2 §/)
  })
})
