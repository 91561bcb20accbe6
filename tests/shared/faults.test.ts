// The fault catalogue the UI and the service share (src/shared/faults.ts).
import { describe, expect, it } from 'vitest'
import { FAULT_GROUPS, faultGroupOf, faultUnavailable, isFaultKind } from '../../src/shared/faults'
import { FAULT_KINDS } from '../../src/shared/scenario'

describe('fault groups', () => {
  it('hold every kind exactly once, in FAULT_KINDS order', () => {
    expect(Object.values(FAULT_GROUPS).flat()).toEqual([...FAULT_KINDS])
    expect(faultGroupOf('desc-loop')).toBe('ring')
    expect(faultGroupOf('device-stall')).toBe('device')
    expect(isFaultKind('bad-head')).toBe(true)
    expect(isFaultKind('bad-heap')).toBe(false)
    expect(isFaultKind(3)).toBe(false)
  })
  it('say why a kind cannot act: its side runs in another process (real fabric), or not at all', () => {
    const emu = { fabric: 'emulated', role: 'both' } as const
    expect(faultUnavailable('bad-head', { ...emu, order: 'driver-first' })).toBeNull()
    expect(faultUnavailable('zero-len', { ...emu, order: 'device-only' })).toMatch(/^no driver in this lab/)
    expect(faultUnavailable('stale-used-id', { ...emu, order: 'device-only' })).toBeNull()
    expect(faultUnavailable('stale-used-id', { ...emu, order: 'driver-only' })).toBe('no device in this lab (order driver-only)')
    const real = { fabric: 'hosted', order: 'device-first' } as const
    expect(faultUnavailable('drop-doorbell', { ...real, role: 'device' })).toBeNull()
    expect(faultUnavailable('bad-head', { ...real, role: 'both' })).toBeNull()
    expect(faultUnavailable('bad-head', { ...real, role: 'device' })).toBe('ring faults act on the driver, which runs in another process on this hosted fabric (role device): inject them there')
    expect(faultUnavailable('device-stall', { ...real, role: 'driver' })).toMatch(/^device faults act on the device, which runs in another process/)
    expect(faultUnavailable('device-stall', { ...real, role: 'device' })).toBeNull()
  })
})
