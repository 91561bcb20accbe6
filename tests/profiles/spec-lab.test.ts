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
