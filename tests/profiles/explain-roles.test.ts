// Issue #10 item 4: the profiles tag their explanation lines (verdict, cause, fix, roster, info);
// the snapshot carries them, so the window orders and highlights by role, not by regexes.
import { describe, expect, it } from 'vitest'
import { explainLines } from '../../src/lab/explain'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import { FIX_ORDER } from '../../src/profiles/seed/explain'
import { S, runLab } from '../helpers'

const RUN = { running: false, paused: false, finished: false }
const roles = (l: { text: string; role: string }[], role: string) => l.filter((x) => x.role === role).map((x) => x.text)

describe('explanation roles', () => {
  it('seed driver-first on fresh shm: the Bad-magic and non-adjacent causes, one start-order fix, the verdict', () => {
    const { s } = runLab({ order: 'driver-first', shmState: 'fresh' }, 20 * S)
    const l = explainLines(s)
    const causes = roles(l, 'cause')
    expect(causes).toHaveLength(3)
    expect(causes[0]).toMatch(/^The driver probed virtio-mmio before any device .* "Bad magic value"/)
    expect(causes[1]).toMatch(/^The printk hook dropped \d+ bytes/)
    expect(causes[2]).toBe('Peer ids are not adjacent (device 1, driver 0): both firmwares hard-code their partner as own ± 1, so the doorbells miss.')
    expect(roles(l, 'fix')).toEqual([FIX_ORDER])
    expect(FIX_ORDER).toBe('Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).')
    expect(roles(l, 'verdict')).toEqual(['No Hello line reached the device.'])
    // every peer-roster line is tagged roster, and nothing else is
    for (const x of l) expect(x.role === 'roster', x.text).toBe(/is ivshmem peer|^\s+as peer \d+ it rang/.test(x.text))
  })

  it('seed driver-first on leftover shm: the HVL configuration cause and the same fix', () => {
    const { s } = runLab({ order: 'driver-first', shmState: 'leftover' }, 20 * S)
    const l = explainLines(s)
    expect(roles(l, 'cause').some((t) => t.includes('HVL mode: configuration failed'))).toBe(true)
    expect(roles(l, 'fix')).toEqual([FIX_ORDER])
  })

  it('different BAR2 addresses: a cause with its own fix (Q11)', () => {
    const { s } = runLab({ deviceBase: 0xafa00000, driverBase: 0xafb00000 }, 12 * S)
    const l = explainLines(s)
    expect(roles(l, 'cause').some((t) => t.includes('map BAR2 at different addresses'))).toBe(true)
    expect(roles(l, 'fix')).toEqual(['Map BAR2 at the same address in both guests (the same device and driver base, Q11).'])
  })

  it('a healthy seed run: a verdict, roster lines, no cause and no fix', () => {
    const { s } = runLab({}, 12 * S)
    const l = explainLines(s)
    expect(roles(l, 'verdict')).toHaveLength(1)
    expect(roles(l, 'verdict')[0]).toMatch(/Hello lines? reached the device/)
    expect(roles(l, 'cause')).toEqual([])
    expect(roles(l, 'fix')).toEqual([])
  })

  it('spec: roster, driver state as info, the line count as the verdict', () => {
    const { s } = runLab({ profile: 'spec' }, 3 * S)
    const l = explainLines(s)
    expect(roles(l, 'info')).toEqual([expect.stringMatching(/^The driver is ready/)])
    expect(roles(l, 'verdict')).toEqual([expect.stringMatching(/lines? from the driver reached the device console\.$/)])
  })

  it('the snapshot carries the lines with their roles, texts equal to snapshot.explain', () => {
    const { s } = runLab({ order: 'driver-first', shmState: 'fresh' }, 20 * S)
    const snap = buildSnapshot(s, liveInput(s), 1, RUN)
    expect(snap.explainLines).toEqual(explainLines(s))
    expect(snap.explainLines!.map((x) => x.text)).toEqual(snap.explain)
  })
})
