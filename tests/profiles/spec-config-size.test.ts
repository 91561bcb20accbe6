// VIRTIO_CONSOLE_F_SIZE on the bare spec pair (docs/spec-profile.md#console-size): the device's
// resize publishes cols/rows with a new ConfigGeneration and a config interrupt (virtio 1.2
// §5.3.4, §4.2.2); the driver re-reads with the generation loop (§2.5.1) and gives up, with an
// error code, on a generation that never holds still (hostile shm) instead of spinning.
import { describe, expect, it } from 'vitest'
import { SpecPair } from '../../src/profiles/spec/testing/pair'
import { REG } from '../../src/virtio/mmio'
import { CONSOLE_CFG } from '../../src/virtio/transport'

function ready(): SpecPair {
  const p = new SpecPair()
  expect(p.drv.phase).toBe('ready')
  expect(p.drv.size).toEqual({ cols: 80, rows: 25, generation: 0 })
  return p
}

describe('spec console size', () => {
  it('resize: config bytes, generation + 1, one config interrupt; the driver reads the new size', () => {
    const p = ready()
    const irqs = p.drv.stats.interrupts
    expect(p.dev.resize(100, 30)).toEqual({ generation: 1, interrupt: true })
    expect(p.shm.r16(REG.Config + CONSOLE_CFG.cols)).toBe(100)
    expect(p.shm.r16(REG.Config + CONSOLE_CFG.rows)).toBe(30)
    expect(p.shm.r32(REG.ConfigGeneration)).toBe(1)
    expect(p.shm.r32(REG.InterruptStatus) & 2).toBe(2)
    p.pump()
    expect(p.drv.stats.interrupts).toBe(irqs + 1)
    expect(p.drv.size).toEqual({ cols: 100, rows: 30, generation: 1 })
    p.type('stats\r')
    expect(p.devP.text()).toMatch(/console 100x30\r\n/)
  })

  it('the generation loop retries while ConfigGeneration moves, then reads a consistent size', () => {
    const p = ready()
    let moves = 3 // the first three reads see a generation that changed under the driver
    const r32 = p.drvP.r32
    p.drvP.r32 = (o) => (o === REG.ConfigGeneration && moves > 0 ? 1000 + moves-- : r32(o))
    p.dev.resize(120, 40)
    p.pump()
    expect(p.drv.size).toEqual({ cols: 120, rows: 40, generation: 1 })
    expect(moves).toBe(0)
    expect(p.drvP.errors).toEqual([])
  })

  it('a generation that never holds still: ConfigUnstable after a bounded number of reads, old size kept', () => {
    const p = ready()
    let g = 0
    let reads = 0
    const r32 = p.drvP.r32
    p.drvP.r32 = (o) => {
      if (o !== REG.ConfigGeneration) return r32(o)
      reads++
      return g++
    }
    p.dev.resize(120, 40)
    p.pump()
    expect(p.drvP.errors.map((e) => e.code)).toEqual(['ConfigUnstable'])
    expect(reads).toBe(16) // 8 tries of two reads
    expect(p.drv.size).toEqual({ cols: 80, rows: 25, generation: 0 })
  })

  it('without F_SIZE negotiated there is no size and no config interrupt', () => {
    const p = new SpecPair()
    // a driver that accepted no SIZE: the device publishes the new size but does not interrupt
    p.dev.t.driverFeatures &= ~(1n << 0n)
    expect(p.dev.resize(90, 20)).toEqual({ generation: 1, interrupt: false })
    expect(p.shm.r32(REG.InterruptStatus) & 2).toBe(0)
  })
})
