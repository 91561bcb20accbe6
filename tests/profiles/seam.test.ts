// The firmware seam: the lab reads regions, quirks, partner rule, data lines, ring names and the
// explanation from the profile, and no file of src/lab imports the seed's folder.
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROFILES } from '../../src/profiles/index'
import { SEED_PROFILE } from '../../src/profiles/seed/index'
import type { Profile } from '../../src/profiles/types'
import { LabSession } from '../../src/lab/session'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import { S, scenario } from '../helpers'

const RUN = { running: false, paused: false, finished: false }

describe('firmware seam', () => {
  afterEach(() => {
    PROFILES.seed = SEED_PROFILE
  })

  it('src/lab holds no seed import (it reaches the seed only through the registry)', () => {
    const dir = join(__dirname, '../../src/lab')
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/profiles\/seed/)
  })

  it('snapshot, trace names, data lines and explanation come from the profile', () => {
    const wrapped: Profile = {
      ...SEED_PROFILE,
      driver: (p) => {
        const fw = SEED_PROFILE.driver(p)
        return { main: () => fw.main(), get view() { return fw.view }, rings: () => fw.rings().map((r) => ({ ...r, name: `ring-${r.queue}` })) }
      },
      regions: () => [{ off: 0, len: 16, name: 'only', note: 'test' }],
      nameOf: (off) => `heap@${off}`,
      regQuirks: (off) => (off === 0 ? [{ q: 'QX', rule: 'test rule' }] : []),
      partnerOf: () => 4242,
      isDataLine: (l) => l.startsWith('*** Booting'),
      explain: (x) => [{ text: `peers ${x.peers.length}, data lines ${x.dataLines}`, role: 'info' }]
    }
    PROFILES.seed = wrapped
    const s = new LabSession(scenario(), { trace: { keep: 100_000 } })
    s.run(10 * S)
    const snap = buildSnapshot(s, liveInput(s), 1, RUN)
    expect(snap.regions).toEqual([{ off: 0, len: 16, name: 'only', note: 'test' }])
    expect(snap.regs.find((r) => r.off === 0)!.quirks).toEqual([{ q: 'QX', rule: 'test rule' }])
    expect(snap.regs.filter((r) => r.quirks.length).length).toBe(1)
    expect(snap.guests.device.partnerId).toBe(4242)
    expect(snap.rings.map((r) => r.name)).toEqual(['ring-0', 'ring-1'])
    expect(snap.explain).toEqual(['peers 2, data lines 1'])
    expect(s.nameOf(0x80900)).toBe('heap@526592')
  })
})

describe('spec profile through the same seam', () => {
  it('its rings, regions, quirk-free registers and explanation reach the snapshot', () => {
    const s = new LabSession(scenario({ profile: 'spec' }), { trace: { keep: 100_000 } })
    s.run(3 * S)
    const snap = buildSnapshot(s, liveInput(s), 1, RUN)
    expect(snap.guests.driver.state).toBe('ready')
    expect(snap.rings.map((r) => [r.name, r.num, r.errors])).toEqual([
      ['receiveq', 64, []],
      ['transmitq', 64, []]
    ])
    expect(snap.regs.every((r) => r.quirks.length === 0)).toBe(true)
    expect(snap.guests.device.partnerId).toBeNull()
    expect(snap.regions.map((r) => r.name)).toContain('register write log')
    expect(snap.explain.at(-2)).toMatch(/^The driver is ready \(features 0x/)
    expect(s.nameOf(0x204)).toBe('wlog.aseq')
  })
})
