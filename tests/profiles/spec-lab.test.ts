// Golden-style runs of the spec profile in a whole lab (docs/spec-profile.md): either start
// order reaches DRIVER_OK and exchanges bytes both ways; a restarted peer re-handshakes.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { SpecDevice } from '../../src/profiles/spec/device'
import { SpecDriver } from '../../src/profiles/spec/driver'
import { STATUS } from '../../src/virtio/mmio'
import { MS, S, scenario } from '../helpers'
import type { ScenarioConfig } from '../../src/shared/contract'

const OK = STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK

function lab(p: Partial<ScenarioConfig> = {}) {
  const s = new LabSession(scenario({ profile: 'spec', shmSize: 64 * 1024, ...p }), { trace: { keep: 200_000 } })
  const dev = () => s.slots.device.fw as SpecDevice
  const drv = () => s.slots.driver.fw as SpecDriver
  const type = (text: string, settle = 200 * MS) => {
    s.sendInput('device', text)
    s.run(s.sched.now + settle)
  }
  return { s, dev, drv, type }
}

describe('spec profile in a lab', () => {
  for (const order of ['device-first', 'driver-first'] as const) {
    it(`${order}: reaches DRIVER_OK, the shell answers over transmitq, typed bytes arrive over receiveq`, () => {
      const { s, dev, drv, type } = lab({ order })
      s.run(2 * S)
      expect(dev().view.status).toBe(OK)
      expect(drv().phase).toBe('ready')
      expect(drv().view.features).toBe('0x130000005') // VERSION_1, EVENT_IDX, INDIRECT_DESC, SIZE, EMERG_WRITE
      const dcon = () => s.consoleText('device').replace(/\r/g, '')
      expect(dcon()).toContain('virtio 1.2 console: 80x25; type help\nspec$ ')
      type('echo hello there\r')
      expect(dcon()).toContain('spec$ echo hello there\nhello there\nspec$ ')
      type('hello 3\r')
      expect(dcon()).toContain('[3] Hello World from the virtio 1.2 spec driver\nspec$ ')
      expect(drv().stats.rxBytes).toBe('echo hello there\rhello 3\r'.length)
      expect(dev().stats.rxBytes).toBe(drv().stats.rxBytes)
      expect(dev().stats.txBytes).toBe(drv().stats.txBytes)
      expect(dev().view.failure).toBeNull()
    })
  }
})

describe('spec profile: restarts re-handshake (docs/spec-profile.md §3)', () => {
  it('a restarted device announces a new generation; the driver resets it and the shell works again', () => {
    const { s, dev, drv, type } = lab({ order: 'device-first', restarts: [{ side: 'device', at: 3 * S }] })
    s.run(2 * S)
    expect(drv().stats.handshakes).toBe(1)
    s.run(5 * S)
    expect(dev().view.status).toBe(OK)
    expect(drv().stats.handshakes).toBe(2)
    expect(drv().view.deviceGen).toBe(2)
    type('echo again\r')
    expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo again\nagain\nspec$ ')
  })

  it('a restarted driver (new peer id) resets the device from DRIVER_OK and takes over', () => {
    const { s, dev, drv, type } = lab({ order: 'device-first', restarts: [{ side: 'driver', at: 3 * S }] })
    s.run(5 * S)
    expect(s.slots.driver.ids.length).toBe(2)
    expect(drv().phase).toBe('ready')
    expect(dev().view.status).toBe(OK)
    type('uptime\r')
    expect(s.consoleText('device')).toMatch(/uptime\r\nup \d+ ms\r\nspec\$ $/)
  })

  it('the shell reset command resets the device and handshakes again', () => {
    const { s, drv, type } = lab()
    s.run(2 * S)
    type('reset\r', 500 * MS)
    expect(drv().stats.handshakes).toBe(2)
    expect(drv().phase).toBe('ready')
  })

  it('same scenario, same trace (determinism)', () => {
    const a = lab({ order: 'driver-first' })
    const b = lab({ order: 'driver-first' })
    a.s.run(2 * S)
    b.s.run(2 * S)
    a.type('echo x\r')
    b.type('echo x\r')
    expect(JSON.stringify(a.s.trace.slice(0, a.s.trace.n))).toBe(JSON.stringify(b.s.trace.slice(0, b.s.trace.n)))
  })
})

describe('spec profile: a vector per queue (docs/spec-profile.md §9)', () => {
  const perVector = (s: LabSession, side: 'device' | 'driver') => {
    const p = s.slots[side].guest!.peer!
    return p.stats.received.slice(0, 2)
  }
  it('with 2 vectors transmitq traffic rides vector 1 both ways, the rest vector 0', () => {
    const { s, type } = lab({ vectors: 2 })
    s.run(2 * S)
    const before = perVector(s, 'device')[1]!
    type('echo v\r')
    const [d0, d1] = perVector(s, 'device')
    const [r0, r1] = perVector(s, 'driver')
    expect(d1).toBeGreaterThan(before) // transmitq notifications
    expect(d0).toBeGreaterThan(0) // write log
    expect(r1).toBeGreaterThan(0) // transmitq used
    expect(r0).toBeGreaterThan(0) // log acks, receiveq used
    expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo v\nv\n')
  })
  it('with 1 vector everything uses vector 0', () => {
    const { s, type } = lab({ vectors: 1 })
    s.run(2 * S)
    type('echo w\r')
    expect(s.slots.device.guest!.peer!.stats.received.length).toBe(1)
    expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo w\nw\n')
  })
})

describe('spec profile in the inspectors and the trace', () => {
  it('snapshot: spec regions, both rings decoded, registers of version 2; trace names the write log', async () => {
    const { buildSnapshot, liveInput } = await import('../../src/lab/snapshot')
    const { s } = lab()
    s.run(2 * S)
    const snap = buildSnapshot(s, liveInput(s), 1, { running: true, paused: false, finished: false })
    expect(snap.regions.map((r) => r.name)).toContain('register write log')
    expect(snap.rings.length).toBe(2)
    expect(JSON.stringify(snap.regs)).toContain('"Version"')
    const ev = s.trace.slice(0, s.trace.n)
    expect(ev.some((e) => e.k === 'store' && e.name === 'wlog.wseq' && e.side === 'driver')).toBe(true)
    expect(ev.some((e) => e.k === 'store' && e.name === 'wlog.aseq' && e.side === 'device')).toBe(true)
    expect(ev.some((e) => e.k === 'store' && e.name === 'q1.avail.idx')).toBe(true)
    const rw = ev.filter((e) => e.op === 'reg-write').map((e) => e.reg)
    expect(rw.slice(0, 4)).toEqual(['Status', 'Status', 'Status', 'DeviceFeaturesSel'])
  })
})

