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
