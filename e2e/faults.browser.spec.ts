// Fault injection from the UI (docs/spec-profile.md §7): on a spec run, pressing the bad-head
// button makes the driver lay a chain with head num + 3; the device refuses it with
// InvalidDescriptorIndex, which the fault panel, the timeline and the device console show.
import { test, expect } from './fixtures'
import type { LabPage } from './pages/LabPage'

test.use({ viewport: { width: 1600, height: 1000 } })

test.describe('fault panel', () => {
  let lab: LabPage

  test.beforeEach(async ({ lab: l }) => {
    lab = l
    await lab.open()
  })

  // leave the shared browser host in its default scenario for whoever runs next
  test.afterAll(async ({ labHost }) => labHost.leaveDefault())

  test('bad-head on a spec run: the device error code shows in the panel and the timeline', async ({ page, cspViolations }) => {
    await lab.resetScenario({ profile: 'spec', shmSize: 64 * 1024 })
    await lab.setSpeed('max')
    await lab.waitForConsole('device', 'spec$ ') // the driver shell answers: transmitq in service
    // real time from here: the events of the fault stay among the ones the service keeps
    await lab.setSpeed('1')
    // the panel is a tab next to the explanation (src/renderer/src/panels.ts)
    await lab.dockTab('faults').click()
    const panel = page.getByTestId('faults')
    await expect(panel.getByRole('group', { name: 'ring faults' })).toBeVisible()
    // keyboard: focus the button and press Enter
    const btn = panel.getByTestId('fault-btn-bad-head')
    await expect(btn).toBeEnabled()
    await btn.focus()
    await page.keyboard.press('Enter')
    await expect(panel.getByTestId('fault-result')).toContainText(/bad-head at \d+\.\d{3} s: bad-head on transmitq \(desc \d+\), expect InvalidDescriptorIndex/)
    // the driver sees DEVICE_NEEDS_RESET and handshakes again
    await lab.waitForConsole('driver', 'resetting the device and handshaking again')
    await lab.pause()
    // the fault event, the device's own error and the driver's reaction, in the timeline
    const filter = page.getByTestId('timeline-filter')
    for (const [text, row] of [
      ['op == fault', 'kind=bad-head'],
      ['code == InvalidDescriptorIndex', 'code=InvalidDescriptorIndex'],
      ['code == DeviceNeedsReset', 'code=DeviceNeedsReset']
    ]) {
      await filter.fill(text)
      await expect(lab.timelineEvents().filter({ hasText: row }).first()).toBeVisible()
    }
    await lab.screenshot('faults-bad-head')
    expect(cspViolations).toEqual([])
  })

  test('schedule: a bad time is refused next to the control', async ({ page }) => {
    await lab.resetScenario()
    await lab.dockTab('faults').click()
    const panel = page.getByTestId('faults')
    await panel.getByTestId('fault-sched-time').fill('soon')
    await panel.getByTestId('fault-sched-time').press('Enter')
    await expect(panel.getByTestId('fault-sched-msg')).toContainText("faults must be KIND@TIME like bad-head@3s")
    await expect(panel.getByTestId('fault-sched-msg')).toContainText("(got 'bad-head@soon')")
  })
})
