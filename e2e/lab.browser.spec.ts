// Feature specs of the lab window, on both hosts (e2e/hosts.ts): Debian's Chromium against the
// browser host, and the Electron app where a binary exists. The service starts the default
// scenario (seed, device-first, 2 vectors, real time); every spec first puts the lab back into a
// known scenario.
import { test, expect } from './fixtures'

const HELLO = "Hello World I'm qemu_cortex_a53"

test.use({ viewport: { width: 1600, height: 1000 } })

test.describe('lab window', () => {
  test.beforeEach(async ({ lab }) => {
    await lab.open()
    await lab.resetScenario()
  })

  // leave the shared browser host in its default scenario for whoever runs next
  test.afterAll(async ({ labHost }) => labHost.leaveDefault())

  test('device console shows DRIVER_OK and a Hello line; no byte dropped', async ({ lab, cspViolations }) => {
    await expect(lab.console('device')).toContainText('instance_1 — device side')
    await expect(lab.console('driver')).toContainText('instance_2 — driver side')
    await lab.setSpeed('max')
    await lab.waitForConsole('device', 'Config Status DRIVER_OK')
    await lab.waitForConsole('device', HELLO)
    const text = await lab.consoleText('device')
    expect(text).toMatch(/VIRTIO_MMIO_MAGIC_VALUE: 0x74726976/)
    expect(text).toMatch(/\[\d+\]: Hello World I'm qemu_cortex_a53 sending data over Virtio-MMIO Serial Port\n/)
    // the accessible mirror carries the same text
    await expect(lab.consoleMirror('device')).toContainText('Config Status DRIVER_OK')
    // the xterm DOM renderer shows it too
    await expect(lab.console('device').locator('.xterm-rows')).toContainText('Hello World')
    // flow control, no byte dropped: once paused, bytes produced by the device (service count)
    // = bytes received here = bytes written into the terminal = the text the hook returns
    await lab.pause()
    await expect
      .poll(async () => {
        const c = await lab.consoleCounts('device')
        const produced = await lab.serviceConsoleBytes('device')
        const text = await lab.consoleText('device')
        return c.rx > 0 && c.rx === c.written && c.rx === produced && text.length === produced
      })
      .toBe(true)
    await lab.screenshot('lab-console-hello')
    expect(cspViolations).toEqual([])
  })

  test('register inspector shows MagicValue, Version 1 and DeviceID 3', async ({ lab }) => {
    await lab.setSpeed('max')
    await expect(lab.regValue(0x000)).toHaveText('0x74726976')
    await expect(lab.reg(0x000)).toContainText('MagicValue')
    await lab.reg(0x000).getByTestId('reg-expand').click()
    await expect(lab.page.getByTestId('reg-0x000-detail')).toContainText('virt')
    await expect(lab.regValue(0x004)).toHaveText('0x00000001')
    await expect(lab.reg(0x004)).toContainText('Version')
    await expect(lab.regValue(0x008)).toHaveText('0x00000003')
    await expect(lab.reg(0x008)).toContainText('DeviceID')
    // once the driver configured its queues the device acked QueuePFN (Q3)
    await lab.waitForConsole('device', 'Config Status DRIVER_OK')
    await expect(lab.regValue(0x040)).toHaveText('0xaabbaabb')
    await expect(lab.reg(0x040).getByTestId('quirk-Q3')).toBeVisible()
    // every badge opens the Q1–Q35 legend at its quirk
    await lab.reg(0x040).getByTestId('quirk-Q3').click()
    await expect(lab.page.getByTestId('legend-Q3')).toHaveClass(/\bon\b/)
    await expect(lab.page.getByTestId('legend-Q3')).toBeInViewport()
    await lab.page.keyboard.press('Escape')
    await expect(lab.page.getByTestId('quirk-legend')).toBeHidden()
    // cross-highlight: the register's bytes light up in the hex view
    await lab.reg(0x000).click()
    await expect(lab.shmByte(0x000)).toHaveClass(/\bsel\b/)
    await expect(lab.shmByte(0x003)).toHaveClass(/\bsel\b/)
    await expect(lab.shmByte(0x000)).toHaveText('76')
    await lab.screenshot('lab-registers')
  })

  test('vring inspector shows two 4-entry rings at 0xafb01000 and 0xafb03000', async ({ lab }) => {
    await lab.setSpeed('max')
    await lab.waitForConsole('device', HELLO)
    await expect(lab.ring(0).getByTestId('ring-guest-addr')).toHaveText('0xafb01000')
    await expect(lab.ring(1).getByTestId('ring-guest-addr')).toHaveText('0xafb03000')
    await expect(lab.ring(0).getByTestId('ring-num')).toHaveText('4')
    await expect(lab.ring(1).getByTestId('ring-num')).toHaveText('4')
    await expect(lab.descRows(0)).toHaveCount(4)
    await expect(lab.descRows(1)).toHaveCount(4)
    // each TX descriptor row is coloured by the owner the lab decoded for it (held still by a pause)
    await lab.pause()
    await expect(lab.page.getByTestId('status-run')).toHaveText('paused')
    const owners = await lab.page.evaluate(() => {
      const s = (window as unknown as { __lab: { snapshot(): { rings: { queue: number; desc: { owner: string }[] }[] } } }).__lab.snapshot()
      return s.rings.find((r) => r.queue === 1)!.desc.map((d) => d.owner)
    })
    expect(owners).toHaveLength(4)
    for (const [i, o] of owners.entries()) await expect(lab.page.getByTestId(`ring-1-desc-${i}`)).toHaveClass(new RegExp(`\\bowner-${o}\\b`))
    // clicking a descriptor highlights its entry in the hex view (0x103000 + 16 * 1)
    await lab.page.getByTestId('ring-1-desc-1').locator('td').first().click()
    await expect(lab.page.getByTestId('shm-selection')).toContainText('transmitq desc[1]')
    await expect(lab.shmByte(0x103010)).toHaveClass(/\bsel\b/)
    await expect(lab.shmByte(0x10301f)).toHaveClass(/\bsel\b/)
    // and back: clicking a byte of desc[2] in the hex view selects that descriptor row
    await lab.shmByte(0x103020).click()
    await expect(lab.page.getByTestId('ring-1-desc-2')).toHaveClass(/\bselected\b/)
    await lab.screenshot('lab-vrings')
  })

  test('driver-first: the driver fails and the lab explains why', async ({ lab }) => {
    await lab.ctl('order').selectOption('driver-first')
    await lab.apply()
    await expect(lab.page.getByTestId('ctl-applied')).toBeVisible()
    await lab.setSpeed('max')
    await expect(lab.sideState('driver')).toHaveText('failed', { timeout: 30_000 })
    await expect(lab.explain).toContainText('No Hello line reached the device')
    // deterministic: the driver probes before the device published MagicValue, and the peer ids
    // come out swapped (device 1, driver 0), so the doorbells miss too
    await expect(lab.explain).toContainText('MagicValue read 0x00000000 → "Bad magic value"')
    await expect(lab.explain).toContainText('Peer ids are not adjacent (device 1, driver 0)')
    // the profile tags the lines: the verdict first, the causes, then the one fix, marked
    const lines = lab.explain.getByTestId('explain-line')
    await expect(lines.first()).toHaveAttribute('data-role', 'verdict')
    await expect(lines.nth(1)).toHaveAttribute('data-role', 'cause')
    await expect(lab.explain.getByTestId('explain-fix')).toHaveText('Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).')
    expect(await lab.consoleText('device')).not.toContain(HELLO)
    await lab.screenshot('lab-driver-first')
  })

  test('invalid vectors get a message next to the control and are not applied', async ({ lab }) => {
    await lab.ctl('vectors').fill('65')
    await lab.apply()
    await expect(lab.error('vectors')).toBeVisible()
    await expect(lab.error('vectors')).toContainText('vectors must be at most 64')
    await expect(lab.ctl('vectors')).toHaveValue('65')
    await lab.ctl('vectors').fill('0')
    await lab.apply()
    await expect(lab.error('vectors')).toBeVisible()
    await lab.ctl('shm-size').fill('3M')
    await lab.apply()
    await expect(lab.error('shmSize')).toContainText('power of two')
    // nothing was applied: the peers still have 2 vectors
    await expect(lab.page.locator('[data-testid$="-vectors"][data-testid^="peer-"]').first()).toHaveText('2 vectors')
  })

  test('vectors 4: every peer shows 4 vectors in the BAR0 view', async ({ lab }) => {
    await lab.ctl('vectors').fill('4')
    await lab.apply()
    await expect(lab.page.getByTestId('ctl-applied')).toBeVisible()
    await lab.setSpeed('max')
    await lab.waitForConsole('device', 'Config Status DRIVER_OK')
    const counts = lab.page.locator('[data-testid$="-vectors"][data-testid^="peer-"]')
    await expect(counts).toHaveCount(2)
    for (const c of await counts.all()) await expect(c).toHaveText('4 vectors')
    const ids = await lab.peers.getByTestId('peer-id').allTextContents()
    expect(ids).toHaveLength(2)
    for (const id of ids) await expect(lab.vectorRows(Number(id))).toHaveCount(4)
    await lab.screenshot('lab-vectors-4')
  })

  test('pause then step advances the lab by exactly one event', async ({ lab }) => {
    await lab.setSpeed('max')
    await lab.waitForConsole('device', 'VIRTIO_MMIO_MAGIC_VALUE')
    await lab.pause()
    const before = await lab.stableStatusNumber('events')
    await lab.step()
    await expect.poll(() => lab.statusNumber('events')).toBe(before + 1)
    // the trace counter and the live timeline agree: its newest row is event #(trace - 1)
    const trace = await lab.stableStatusNumber('trace')
    await expect(lab.page.getByTestId('event-' + (trace - 1))).toBeVisible()
    await expect(lab.page.getByTestId('event-' + trace)).toHaveCount(0)
    await lab.step()
    await expect.poll(() => lab.statusNumber('events')).toBe(before + 2)
    await lab.screenshot('lab-paused-step')
    await lab.page.getByTestId('ctl-pause').click() // resume
    await expect(lab.page.getByTestId('status-run')).not.toHaveText('paused')
  })

  test('selecting a timeline event shows the lab as it was, then back to live', async ({ lab }) => {
    // a bounded run (until 12 s virtual) keeps the whole trace, from event 0
    await lab.resetScenario({ speed: 'max', until: 12_000_000_000 })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
    await lab.waitForConsole('device', 'Config Status DRIVER_OK')
    await lab.page.getByTestId('timeline-first').click()
    await expect(lab.page.getByTestId('event-0')).toBeVisible()
    await lab.page.getByTestId('event-0').click()
    await expect(lab.banner).toBeVisible()
    await expect(lab.page.getByTestId('time-travel-event')).toHaveText('#0')
    // right after the first event the device has not published MagicValue yet
    await expect(lab.regValue(0x000)).not.toHaveText('0x74726976')
    await lab.screenshot('lab-time-travel')
    // the last store of MagicValue links to its event; jump there
    await lab.page.getByTestId('back-to-live').click()
    await expect(lab.banner).toBeHidden()
    await expect(lab.regValue(0x000)).toHaveText('0x74726976')
    await lab.reg(0x000).getByRole('link').click()
    await expect(lab.banner).toBeVisible()
    await expect(lab.regValue(0x000)).toHaveText('0x74726976')
    await lab.page.getByTestId('back-to-live').click()
  })

  test('timeline display filter scans the whole trace; CSV export has every matching event', async ({ lab }) => {
    await lab.resetScenario({ speed: 'max', until: 12_000_000_000 })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
    const filter = lab.page.getByTestId('timeline-filter')
    // errors as you type, with the column
    await filter.fill('kind == console && sied == device')
    await expect(lab.page.getByTestId('timeline-filter-status')).toHaveText(/^col 20: unknown field 'sied'/)
    await expect(filter).toHaveAttribute('aria-invalid', 'true')
    await filter.fill('kind == console && side == device')
    const status = lab.page.getByTestId('timeline-filter-status')
    await expect(status).toHaveText(/^\d+ matching of \d+ scanned$/)
    const trace = await lab.stableStatusNumber('trace')
    await expect(status).toHaveText(new RegExp(`^\\d+ matching of ${trace} scanned$`))
    const matching = Number((await status.textContent())!.split(' ')[0])
    expect(matching).toBeGreaterThan(100) // DRIVER_OK and the Hello line, one console event per byte
    await lab.page.getByTestId('timeline-first').click()
    await expect(lab.timelineEvents().first()).toBeVisible()
    const kinds = await lab.timelineEvents().evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-kind')))])
    expect(kinds).toEqual(['console'])
    const csv = await lab.download('timeline-export-csv')
    expect(csv.name).toMatch(/^trace-\d+-\d+-filtered\.csv$/)
    const rows = csv.text.split('\r\n')
    expect(rows[0]).toBe('i,t_ns,kind,side,summary')
    expect(rows.slice(1, -1)).toHaveLength(matching)
    for (const r of rows.slice(1, -1)) expect(r).toMatch(/^\d+,\d+,console,device,/)
    await lab.screenshot('lab-timeline-filtered')
  })

  test('restarts at max speed: one marker line each in the device console, in order', async ({ lab }) => {
    const at = [3, 3.01, 3.02, 6]
    await lab.resetScenario({ speed: 'max', until: 9_000_000_000, restarts: at.map((s) => ({ side: 'device' as const, at: s * 1e9 })) })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
    const mirror = lab.consoleMirror('device')
    await expect.poll(async () => ((await mirror.textContent()) ?? '').match(/── instance_1 restarted at [\d.]+ s, peer \d+ ──/g)?.length ?? 0, { timeout: 15_000 }).toBe(at.length)
    const text = (await mirror.textContent()) ?? ''
    const times = [...text.matchAll(/── instance_1 restarted at ([\d.]+) s/g)].map((m) => Number(m[1]))
    expect(times).toEqual(at)
  })
})
