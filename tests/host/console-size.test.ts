// resizeConsole (#9 deliverable 1): the device console pane's size in the spec device's config
// space (VIRTIO_CONSOLE_F_SIZE, virtio 1.2 §5.3.4), a new ConfigGeneration (§4.2.2) and a
// configuration-change interrupt (§2.5.1); the spec driver re-reads it with the generation loop.
// The seed has no SIZE (Q8): nothing on the wire changes.
import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { REG } from '../../src/virtio/mmio'
import { CONSOLE_CFG } from '../../src/virtio/transport'
import type { SpecDevice } from '../../src/profiles/spec/device'
import type { SpecDriver } from '../../src/profiles/spec/driver'
import { S } from '../helpers'

let svc: LabService | null = null
afterEach(() => {
  svc?.dispose()
  svc = null
})

const cfgBytes = (s: LabService) => ({
  cols: s.session.shm.r16(REG.Config + CONSOLE_CFG.cols),
  rows: s.session.shm.r16(REG.Config + CONSOLE_CFG.rows),
  gen: s.session.shm.r32(REG.ConfigGeneration)
})

describe('resizeConsole', () => {
  it('spec: config cols/rows and generation in shm, a config interrupt, the driver re-reads and shows it', async () => {
    svc = new LabService({ profile: 'spec', speed: 'max' })
    svc.session.run(3 * S)
    const dev = svc.session.slots.device.device as SpecDevice
    const drv = svc.session.slots.driver.driver as SpecDriver
    expect(drv.size).toEqual({ cols: 80, rows: 25, generation: 0 })
    const before = cfgBytes(svc)
    const irqs = drv.stats.interrupts
    const r = await svc.resizeConsole('device', 132, 43)
    expect(r).toMatchObject({ applied: true, cols: 132, rows: 43, generation: before.gen + 1, interrupt: true })
    expect(cfgBytes(svc)).toEqual({ cols: 132, rows: 43, gen: before.gen + 1 })
    expect(dev.t.interruptStatus & 2).toBe(2) // VIRTIO_MMIO_INT_CONFIG
    expect(dev.stats.configIrqs).toBe(1)
    // the same size again: no new generation, no interrupt
    expect(await svc.resizeConsole('device', 132, 43)).toMatchObject({ generation: before.gen + 1, interrupt: false })
    const n0 = svc.session.trace.n
    svc.session.run(3.5 * S)
    expect(drv.stats.interrupts).toBeGreaterThan(irqs)
    expect(drv.size).toEqual({ cols: 132, rows: 43, generation: before.gen + 1 })
    const ev = svc.session.trace.slice(n0, svc.session.trace.n - n0)
    expect(ev.find((e) => e.k === 'guest' && e.op === 'config')).toMatchObject({ side: 'driver', cols: 132, rows: 43, generation: before.gen + 1 })
    // the driver acknowledged the config interrupt (InterruptACK with bit 1, §4.2.2)
    expect(ev.some((e) => e.k === 'store' && e.side === 'driver' && e.off === REG.InterruptACK && (Number(e.new) & 2) === 2)).toBe(true)
    expect(svc.session.consoleText('driver')).toContain('config change, console 132x43')
    svc.session.sendInput('device', 'stats\r')
    svc.session.run(4.5 * S)
    expect(svc.session.consoleText('device')).toMatch(/handshakes 1, console 132x43/)
  })

  it('spec: a size given before the device boots is the one it boots with', async () => {
    svc = new LabService({ profile: 'spec', speed: 'max' })
    const r = await svc.resizeConsole('device', 100, 30)
    expect(r.applied).toBe(false)
    expect(r.note).toMatch(/boots with 100x30/)
    svc.session.run(3 * S)
    expect(svc.session.consoleText('device')).toContain('virtio 1.2 console: 100x30; type help')
    expect(cfgBytes(svc)).toMatchObject({ cols: 100, rows: 30 })
    // a reset's new session keeps the pane's size (the pane reports only changes)
    await svc.control({ cmd: 'reset' })
    svc.session.run(3 * S)
    expect(cfgBytes(svc)).toMatchObject({ cols: 100, rows: 30 })
  })

  it('seed: not applicable (no features, Q8): config bytes and trace unchanged', async () => {
    svc = new LabService({ profile: 'seed', speed: 'max' })
    svc.session.run(3 * S)
    const shm = () => Array.from(svc!.session.shm.read(REG.ConfigGeneration, 0x20))
    const before = shm()
    const n = svc.session.trace.n
    const r = await svc.resizeConsole('device', 132, 43)
    expect(r).toMatchObject({ applied: false, generation: null, interrupt: false })
    expect(r.note).toMatch(/Q8/)
    expect(shm()).toEqual(before)
    expect(svc.session.trace.n).toBe(n)
  })

  it('refuses sizes outside 1..65535 with CONSOLE_SIZE_RANGE; the driver side has nothing to resize', async () => {
    svc = new LabService({ profile: 'spec', speed: 'max' })
    for (const [c, r] of [[0, 25], [80, 65536], [80.5, 25], [Number.NaN, 25]] as const)
      await expect(svc.resizeConsole('device', c, r)).rejects.toMatchObject({ code: 'CONSOLE_SIZE_RANGE', message: expect.stringMatching(/1\.\.65535/) })
    expect(await svc.resizeConsole('driver', 80, 25)).toMatchObject({ applied: false, note: expect.stringMatching(/driver side/) })
  })

  it('a saved trace with a resize replays to the same events', async () => {
    svc = new LabService({ profile: 'spec', speed: 'max', until: 5 * S })
    svc.session.run(2 * S)
    await svc.resizeConsole('device', 120, 40)
    svc.session.run(5 * S)
    const saved = svc.session.trace.slice(0, svc.session.trace.n)
    const other = new LabService({ profile: 'spec', speed: 'max' })
    try {
      const r = await other.loadTrace(saved)
      expect(r).toMatchObject({ ok: true })
      expect(other.session.shm.r16(REG.Config + CONSOLE_CFG.cols)).toBe(120)
    } finally {
      other.dispose()
    }
  })
})
