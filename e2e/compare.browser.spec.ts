// Side by side and the console size (#9 items 8 and 1; docs/spec-profile.md#compare-ui,
// docs/spec-profile.md#console-size), on both hosts (e2e/hosts.ts).
import { test, expect } from './fixtures'

test.use({ viewport: { width: 1600, height: 1000 } })

test.describe('compare and console size', () => {
  test.beforeEach(async ({ lab }) => {
    await lab.open()
    await lab.resetScenario({ profile: 'spec', speed: 'max' })
  })

  // leave the shared browser host in its default scenario for whoever runs next
  test.afterAll(async ({ labHost }) => labHost.leaveDefault())

  test('one click compares seed and spec: register rows with Q badges that open the legend', async ({ lab, page, cspViolations }) => {
    // the panel is a tab next to the explanation in the default dock layout (src/renderer/src/panels.ts)
    await lab.dockTab('compare').click()
    const run = page.getByTestId('compare-run')
    await expect(run).toBeEnabled()
    await run.click()
    const rows = page.getByTestId('compare-reg')
    await expect(rows.first()).toBeVisible({ timeout: 60_000 })
    const version = page.locator('[data-testid="compare-reg"][data-reg="Version"]')
    await expect(version).toContainText('0x1')
    await expect(version).toContainText('0x2')
    const badge = version.getByTestId('compare-q')
    await expect(badge).toHaveText('Q1')
    await badge.click()
    await expect(page.getByTestId('legend-Q1')).toHaveClass(/on/)
    await page.getByTestId('quirk-legend-close').click()
    await expect(page.getByTestId('compare-step').first()).toBeVisible()
    // a row is selectable from the keyboard and says what diverges
    await version.focus()
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('compare-detail')).toContainText('Version @ 0x004: seed 0x1, spec 0x2')
    await lab.screenshot('compare-panel')
    expect(cspViolations).toEqual([])
  })

  test('resizing the window changes the device config cols (VIRTIO_CONSOLE_F_SIZE)', async ({ lab, page }) => {
    await lab.waitForConsole('device', 'type help')
    const size = page.getByTestId('console-device-size')
    await expect(size).toHaveText(/^\d+×\d+$/)
    const cfg = async () => {
      const v = parseInt((await lab.regValue(0x100).textContent()) ?? '', 16)
      return `${v & 0xffff}×${v >>> 16}`
    }
    // the device's config space holds the pane's size
    await expect.poll(cfg).toBe(await size.textContent())
    const before = (await size.textContent())!
    await page.setViewportSize({ width: 1100, height: 800 })
    await expect(size).not.toHaveText(before)
    const after = (await size.textContent())!
    await expect.poll(cfg).toBe(after)
    // the driver re-read it after the configuration-change interrupt
    await lab.waitForConsole('driver', `config change, console ${after.replace('×', 'x')}`)
  })
})
