// The lab window as engineers use it (issue #10): keyboard, accessibility (axe), layout at four
// window sizes with screenshots, timeline navigation. Both hosts (e2e/hosts.ts). The dock
// (moving, saving, resetting, maximising panels): layout.browser.spec.ts.
import AxeBuilder from '@axe-core/playwright'
import { test, expect } from './fixtures'

const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
  { width: 2560, height: 1440 }
] as const

test.describe('lab window: keyboard, accessibility, layout', () => {
  test.beforeEach(async ({ lab }) => {
    await lab.page.setViewportSize({ width: 1280, height: 800 })
    await lab.open()
    // a bounded run keeps the whole trace and stops: the page holds still for the checks
    await lab.resetScenario({ speed: 'max', until: 12_000_000_000 })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
  })

  test('no serious or critical accessibility violations (axe)', async ({ lab }) => {
    const r = await new AxeBuilder({ page: lab.page }).exclude('.xterm-helper-textarea').analyze()
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`)).toEqual([])
  })

  for (const size of SIZES) {
    test(`${size.width}×${size.height}: no horizontal overflow; inspector columns visible; screenshot`, async ({ lab }) => {
      await lab.page.setViewportSize(size)
      const overflow = await lab.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow).toBe(0)
      // off, name, value, writer and the quirk badges of QueuePFN lie inside the register panel
      const panel = (await lab.registers.boundingBox())!
      // what is drawn: the value text and the writer's #event link (cells may run under the scrollbar)
      for (const part of [lab.reg(0x040).getByTestId('reg-value'), lab.reg(0x040).getByTestId('reg-writer').locator('a.evlink')]) {
        const b = (await part.evaluate((el) => {
          const r = document.createRange()
          r.selectNodeContents(el)
          const x = r.getBoundingClientRect()
          return { x: x.x, width: x.width }
        }))!
        expect(b.x + b.width).toBeLessThanOrEqual(panel.x + panel.width + 1)
      }
      const q3 = (await lab.reg(0x040).getByTestId('quirk-Q3').boundingBox())!
      expect(q3.x + q3.width).toBeLessThanOrEqual(panel.x + panel.width + 1)
      await lab.screenshot(`window-${size.width}x${size.height}`)
    })
  }

  test('Tab leaves a console unless "capture keys" is on', async ({ lab }) => {
    const input = lab.console('device').locator('.xterm-helper-textarea')
    await input.focus()
    await lab.page.keyboard.press('Tab')
    await expect(input).not.toBeFocused()
    await input.focus()
    await lab.page.keyboard.press('Shift+Tab')
    await expect(input).not.toBeFocused()
    await lab.page.getByTestId('console-device-capture').check()
    await input.focus()
    await lab.page.keyboard.press('Tab')
    await expect(input).toBeFocused()
    await lab.page.keyboard.press('Control+BracketRight') // the documented shortcut turns it off
    await expect(lab.page.getByTestId('console-device-capture')).not.toBeChecked()
    await expect(lab.page.getByTestId('console-device-deaf')).toContainText('never reads its UART')
  })

  test('timeline: live shows the newest event; go to #N, arrow keys move the time-travel selection, Esc returns to live', async ({ lab }) => {
    const trace = await lab.stableStatusNumber('trace')
    await expect(lab.page.getByTestId('event-' + (trace - 1))).toBeInViewport()
    await expect(lab.page.getByTestId('timeline-live')).toHaveAttribute('aria-pressed', 'true')
    await lab.page.getByTestId('timeline-goto').fill('#100')
    await lab.page.getByTestId('timeline-goto').press('Enter')
    await expect(lab.page.getByTestId('time-travel-event')).toHaveText('#100')
    await expect(lab.page.getByTestId('event-100')).toBeInViewport()
    await expect(lab.page.getByTestId('event-100')).toHaveClass(/\bselected\b/)
    await lab.page.getByTestId('timeline-list').focus()
    await lab.page.keyboard.press('ArrowDown')
    await expect(lab.page.getByTestId('time-travel-event')).toHaveText('#101')
    await lab.page.keyboard.press('ArrowUp')
    await lab.page.keyboard.press('ArrowUp')
    await expect(lab.page.getByTestId('time-travel-event')).toHaveText('#99')
    await expect(lab.page.getByTestId('timeline-live')).toHaveAttribute('aria-pressed', 'false')
    // a focus ring the eye can find: 2 px
    const ring = await lab.page.getByTestId('timeline-list').evaluate((el) => getComputedStyle(el).outlineWidth)
    expect(ring).toBe('2px')
    await lab.page.keyboard.press('Escape')
    await expect(lab.banner).toBeHidden()
    await expect(lab.page.getByTestId('timeline-live')).toHaveAttribute('aria-pressed', 'true')
    // a time: the first event at or after 8 s (the first Hello byte is printed about then)
    await lab.page.getByTestId('timeline-goto').fill('8s')
    await lab.page.getByTestId('timeline-goto').press('Enter')
    await expect(lab.banner).toBeVisible()
    await lab.screenshot('timeline-goto-time')
  })
})
