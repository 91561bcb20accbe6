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
  it('say why a kind cannot act: real fabric, no driver, no device', () => {
    expect(faultUnavailable('bad-head', { fabric: 'emulated', order: 'driver-first' })).toBeNull()
    expect(faultUnavailable('drop-doorbell', { fabric: 'hosted', order: 'device-first' })).toBe('faults need the emulated fabric: the hosted fabric runs on the wall clock')
    expect(faultUnavailable('zero-len', { fabric: 'emulated', order: 'device-only' })).toMatch(/^no driver in this lab/)
    expect(faultUnavailable('stale-used-id', { fabric: 'emulated', order: 'device-only' })).toBeNull()
    expect(faultUnavailable('stale-used-id', { fabric: 'emulated', order: 'driver-only' })).toBe('no device in this lab (order driver-only)')
  })
})
