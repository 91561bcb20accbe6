// What is guest output and what is the lab's: instance_2 has no console (CONFIG_CONSOLE=n), so its
// pane is the lab's diagnostic log. Every line of it carries the [lab] mark, in the session, in the
// CLI's --console driver, and the snapshot tells the UI which kind each pane is.
import { describe, expect, it } from 'vitest'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import { main, type Io } from '../../src/host/cli'
import { LAB_MARK } from '../../src/guest/platform'
import { S, lines, runLab } from '../helpers'

const nonEmpty = (t: string) => lines(t).filter((l) => l !== '')

describe('lab diagnostics vs guest output', () => {
  it('device-first: every driver-pane line is marked, no device-pane line is', () => {
    const { s } = runLab({ order: 'device-first' }, 10 * S)
    const drv = nonEmpty(s.consoleText('driver'))
    expect(drv.length).toBeGreaterThan(3)
    for (const l of drv) expect(l.startsWith(LAB_MARK), l).toBe(true)
    expect(drv).toContain('[lab] metal: debug: VIRTIO 00000000:00000003')
    expect(drv).toContain('[lab] metal: debug: features: 00000000')
    expect(s.consoleText('device')).not.toContain(LAB_MARK)
    expect(s.consoleText('driver')).not.toContain('Booting Zephyr') // CONFIG_BOOT_BANNER=n on instance_2
    const snap = buildSnapshot(s, liveInput(s), 1, { running: false, paused: true, finished: false })
    expect(snap.guests.driver.consoleKind).toBe('lab')
    expect(snap.guests.driver.consoleNote).toMatch(/CONFIG_CONSOLE=n/)
    expect(snap.guests.device.consoleKind).toBe('guest')
  })

  it('driver-first: the failure lines are marked too', () => {
    const { s } = runLab({ order: 'driver-first' }, 3 * S)
    const drv = nonEmpty(s.consoleText('driver'))
    expect(drv).toContain('[lab] metal: error: Bad magic value 00000000')
    for (const l of drv) expect(l.startsWith(LAB_MARK), l).toBe(true)
  })

  it('the CLI --console driver prints the marked log', async () => {
    let out = ''
    const io: Io = { out: (s) => (out += s), err: () => {} }
    expect(await main(['run', '--order', 'driver-first', '--console', 'driver', '--until', '2s', '--quiet'], io)).toBe(0)
    const l = nonEmpty(out)
    expect(l.length).toBeGreaterThan(0)
    for (const x of l) expect(x.startsWith(LAB_MARK), x).toBe(true)
  })
})
