// Fault injection in a spec lab (docs/spec-profile.md §7): each ring fault yields its named
// device error, DEVICE_NEEDS_RESET, and a driver that resets and works again; the other kinds
// degrade as documented.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { SpecDevice } from '../../src/profiles/spec/device'
import { SpecDriver } from '../../src/profiles/spec/driver'
import { RING_FAULTS, type RingFault } from '../../src/profiles/spec/rogue'
import { parseFault } from '../../src/shared/scenario'
import type { FaultSpec, ScenarioConfig, TraceEvent } from '../../src/shared/contract'
import { MS, S, scenario } from '../helpers'

function lab(faults: FaultSpec[], p: Partial<ScenarioConfig> = {}) {
  const s = new LabSession(scenario({ profile: 'spec', shmSize: 64 * 1024, faults, ...p }), { trace: { keep: 200_000 } })
  const ev = (): TraceEvent[] => s.trace.slice(0, s.trace.n)
  const errors = () => ev().filter((e) => e.k === 'error')
  const type = (text: string) => {
    s.sendInput('device', text)
    s.run(s.sched.now + 300 * MS)
  }
  return { s, ev, errors, type, dev: () => s.slots.device.fw as SpecDevice, drv: () => s.slots.driver.fw as SpecDriver }
}

describe('ring faults: named device error, NEEDS_RESET, recovery', () => {
  for (const kind of Object.keys(RING_FAULTS) as RingFault[])
    it(`${kind} -> ${RING_FAULTS[kind]}`, () => {
      const { s, errors, type, drv, ev } = lab([{ kind, at: 2 * S }])
      s.run(3 * S)
      const fault = ev().find((e) => e.op === 'fault')
      expect(fault?.applied).toBe(true)
      const e = errors()
      expect(e[0]).toMatchObject({ side: 'device', code: RING_FAULTS[kind] })
      expect(e.some((x) => x.side === 'driver' && x.code === 'DeviceNeedsReset')).toBe(true)
      expect(drv().stats.handshakes).toBe(2)
      expect(drv().phase).toBe('ready')
      type('echo back\r')
      expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo back\nback\n')
    })
})

describe('device and fabric faults', () => {
  it('stale-used-id: the driver rejects it (InvalidUsedId), resets and recovers', () => {
    const { s, errors, drv } = lab([{ kind: 'stale-used-id', at: 2 * S }])
    s.run(3 * S)
    expect(errors()[0]).toMatchObject({ side: 'driver', code: 'InvalidUsedId' })
    expect(drv().stats.handshakes).toBe(2)
    expect(drv().phase).toBe('ready')
  })
  it('device-stall: doorbells are ignored for 500 ms, then the log is drained: output delayed, not lost', () => {
    const { s, type, ev } = lab([{ kind: 'device-stall', at: 2 * S }])
    s.run(2 * S + 1)
    s.sendInput('device', 'echo late\r')
    s.run(2 * S + 300 * MS)
    expect(ev().some((e) => e.op === 'stalled')).toBe(true)
    const before = s.consoleText('device').replace(/\r/g, '')
    expect(before).not.toContain('echo late\nlate\n')
    s.run(3 * S)
    expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo late\nlate\n')
    type('uptime\r')
    expect(s.consoleText('device')).toMatch(/up \d+ ms/)
  })
  it('drop-doorbell: one doorbell lost; the next one carries the whole log (nothing lost, Q21 avoided)', () => {
    const { s, type, ev, drv } = lab([{ kind: 'drop-doorbell', at: 2 * S }])
    s.run(2 * S + 1)
    type('echo one\r')
    expect(ev().some((e) => e.op === 'fault' && /dropped/.test(String(e.detail)))).toBe(true)
    type('echo two\r')
    const con = s.consoleText('device').replace(/\r/g, '')
    expect(con).toContain('two\n')
    expect(drv().stats.handshakes).toBe(1)
  })
  it('merge-doorbells and delay-irq: no error, the shell still answers', () => {
    for (const kind of ['merge-doorbells', 'delay-irq'] as const) {
      const { s, type, errors } = lab([{ kind, at: 2 * S }])
      s.run(2 * S + 1)
      type('echo x\r')
      type('echo y\r')
      expect(errors()).toEqual([])
      expect(s.consoleText('device').replace(/\r/g, '')).toContain('echo y\ny\n')
    }
  })
  it('a ring kind that cannot act yet (seed transmitq not in service at 2 s) says so in the trace instead of acting', () => {
    const s = new LabSession(scenario({ faults: [{ kind: 'bad-head', at: 2 * S }] }), { trace: { keep: 100_000 } })
    s.run(3 * S)
    const f = s.trace.slice(0, s.trace.n).find((e) => e.op === 'fault')
    expect(f).toMatchObject({ applied: false })
    expect(String(f?.detail)).toMatch(/^not applicable now: the seed driver has no transmitq in service$/)
  })
  it('parseFault reads KIND@TIME and refuses unknown kinds', () => {
    expect(parseFault('bad-head@3s')).toEqual({ kind: 'bad-head', at: 3 * S })
    expect(parseFault('bogus@3s')).toBeNull()
    expect(parseFault('zero-len@soon')).toBeNull()
  })
})
