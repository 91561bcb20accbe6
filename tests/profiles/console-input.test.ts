// Issue #10 item 3: the profile declares per side whether its firmware reads console input (with
// its docs/quirk reason); the snapshot carries it and the console pane shows the notice from it.
// The declaration is checked against what the firmwares do with typed bytes.
import { describe, expect, it } from 'vitest'
import { PROFILES } from '../../src/profiles/index'
import { LabSession } from '../../src/lab/session'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import type { ProfileName } from '../../src/profiles/names'
import type { Side } from '../../src/shared/contract'
import { S, scenario } from '../helpers'

const RUN = { running: false, paused: false, finished: false }

/** bytes typed on a side still waiting in its UART receive FIFO after the firmware ran a while */
function unread(profile: ProfileName, side: Side): number {
  const s = new LabSession(scenario({ profile }))
  s.run(12 * S)
  expect(s.sendInput(side, 'help\r').accepted).toBe(5)
  s.run(14 * S)
  return s.slots[side].guest!.rx.length
}

describe('console input declared by the profile', () => {
  it('seed: neither side reads its UART (Q23, docs/wire-protocol.md#rx); typed bytes stay in the FIFO', () => {
    const ci = PROFILES.seed.consoleInput
    expect(ci.device.reads).toBe(false)
    expect(ci.driver.reads).toBe(false)
    expect(ci.device.why).toMatch(/never reads its UART.*Q23.*docs\/wire-protocol\.md#rx/)
    expect(ci.driver.why).toMatch(/never reads its UART.*docs\/wire-protocol\.md#rx/)
    expect(unread('seed', 'device')).toBe(5)
    expect(unread('seed', 'driver')).toBe(5)
  })

  it('spec: the device console is read (receiveq, docs/spec-profile.md §5); the driver UART is not', () => {
    const ci = PROFILES.spec.consoleInput
    expect(ci.device.reads).toBe(true)
    expect(ci.device.why).toMatch(/receiveq.*docs\/spec-profile\.md §5/)
    expect(ci.driver.reads).toBe(false)
    expect(unread('spec', 'device')).toBe(0)
    expect(unread('spec', 'driver')).toBe(5)
  })

  it('the snapshot carries each side’s declaration', () => {
    for (const profile of ['seed', 'spec'] as const) {
      const s = new LabSession(scenario({ profile }))
      s.run(1 * S)
      const snap = buildSnapshot(s, liveInput(s), 1, RUN)
      for (const side of ['device', 'driver'] as const) expect(snap.guests[side].consoleInput).toEqual(PROFILES[profile].consoleInput[side])
    }
  })
})
