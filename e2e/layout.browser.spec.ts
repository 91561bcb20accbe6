// The dock (issue #10 item 3, docs/layout.md): panels move into other groups as tabs, the layout is
// kept across a reload, reset restores the default, a corrupt saved layout falls back with a
// notice, any panel maximises and restores, components re-fit; screenshots at three sizes.
import AxeBuilder from '@axe-core/playwright'
import { test, expect } from './fixtures'
import { LabPage } from './pages/LabPage'

const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 800 },
  { width: 1024, height: 700 }
] as const

/** a group holding `ids` in this order */
function hasGroup(groups: string[][], ids: string[]): boolean {
  return groups.some((g) => g.join() === ids.join())
}

test.describe('lab window: the dock', () => {
  test.beforeEach(async ({ lab }) => {
    await lab.page.setViewportSize({ width: 1280, height: 800 })
    await lab.open()
    await lab.resetScenario({ speed: 'max', until: 12_000_000_000 })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
  })

  test('drag a panel onto another tab: they share a group; reload keeps it; keyboard moves between the tabs; reset restores', async ({ lab }) => {
    expect(await lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
    await lab.dockTab('peers').dragTo(lab.dockTab('registers'))
    await expect.poll(() => lab.dockGroups()).toHaveLength(7)
    const groups = await lab.dockGroups()
    expect(hasGroup(groups, ['registers', 'peers']) || hasGroup(groups, ['peers', 'registers'])).toBe(true)
    // saved (debounced) with its version
    await expect.poll(async () => JSON.stringify((await lab.savedLayout())?.layout.grid ?? null)).toMatch(/"views":\["(registers","peers|peers","registers)"\]/)
    expect((await lab.savedLayout())?.version).toBe(1)

    await lab.page.reload()
    await expect(lab.page.getByTestId('status-connection')).toContainText('open')
    await expect.poll(() => lab.dockGroups()).toEqual(groups)
    await expect(lab.page.getByTestId('layout-notice')).toHaveCount(0)

    // keyboard: the tab strip is one Tab stop; arrows move, Enter shows; a 2 px focus ring
    await lab.dockTab('registers').click()
    await expect(lab.registers).toBeVisible()
    await lab.dockTab('registers').focus()
    const ring = await lab.dockTab('registers').evaluate((el) => getComputedStyle(el).outlineWidth)
    expect(ring).toBe('2px')
    await lab.page.keyboard.press(groups.some((g) => g[0] === 'registers') ? 'ArrowRight' : 'ArrowLeft')
    await expect(lab.dockTab('peers')).toBeFocused()
    await lab.page.keyboard.press('Enter')
    await expect(lab.peers).toBeVisible()
    await expect(lab.registers).toBeHidden()
    // a focused tab is not closed by Delete
    await lab.page.keyboard.press('Delete')
    await expect(lab.dockTab('peers')).toHaveCount(1)
    // dockview's tab markup (tablist, tabs, tabpanel, hidden panel) passes axe too
    const r = await new AxeBuilder({ page: lab.page }).exclude('.xterm-helper-textarea').analyze()
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`)).toEqual([])
    await lab.screenshot('layout-tabbed')

    await lab.page.getByTestId('layout-reset').click()
    await expect.poll(() => lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
    await expect(lab.registers).toBeVisible()
    await expect(lab.peers).toBeVisible()
    await expect.poll(async () => JSON.stringify((await lab.savedLayout())?.layout.grid ?? null)).toContain('"views":["peers"]')
  })

  test('the reset shortcut Ctrl+Alt+0 restores the default; the console keeps its text', async ({ lab }) => {
    await lab.dockTab('console-driver').dragTo(lab.dockTab('console-device'))
    await expect.poll(() => lab.dockGroups()).toHaveLength(7)
    const before = await lab.consoleText('device')
    expect(before).toContain('Hello World')
    await lab.page.keyboard.press('Control+Alt+Digit0')
    await expect.poll(() => lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
    await expect(lab.consoleMirror('device')).toContainText('Hello World')
  })

  test('a corrupt saved layout: the default layout and a one-line notice', async ({ lab }) => {
    await lab.page.evaluate(() => localStorage.setItem('virtio-lab.layout', '{"version":1,"layout":{"grid":'))
    await lab.page.reload()
    await expect(lab.page.getByTestId('layout-notice')).toHaveText(/^Saved layout ignored \(not valid JSON\); the default layout is shown\./)
    expect(await lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
    await expect(lab.console('device')).toBeVisible()
    await lab.page.getByTestId('layout-notice-dismiss').click()
    await expect(lab.page.getByTestId('layout-notice')).toHaveCount(0)
    // an older version
    await lab.page.evaluate(() => localStorage.setItem('virtio-lab.layout', '{"version":0,"layout":{}}'))
    await lab.page.reload()
    await expect(lab.page.getByTestId('layout-notice')).toContainText('version 0, this window uses version 1')
    expect(await lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
  })

  test('maximise a console: it fills the dock and xterm re-fits; Esc restores; double-click and Ctrl+Alt+M too; hex rows follow the width', async ({ lab }) => {
    const dock = (await lab.page.getByTestId('dock').boundingBox())!
    const screen = lab.console('device').locator('.xterm-screen')
    const narrow = (await screen.boundingBox())!.width
    await lab.dockMax('console-device').click()
    await expect(lab.dockMax('console-device')).toHaveAttribute('aria-pressed', 'true')
    await expect(lab.registers).toBeHidden()
    await expect(lab.timeline).toBeHidden()
    const big = (await lab.console('device').boundingBox())!
    expect(big.width).toBeGreaterThan(dock.width * 0.95)
    expect(big.height).toBeGreaterThan(dock.height * 0.85)
    // xterm refits to the wider panel (ResizeObserver -> fit)
    await expect.poll(async () => (await screen.boundingBox())!.width).toBeGreaterThan(narrow * 2)
    await lab.screenshot('layout-console-maximised')
    await lab.page.keyboard.press('Escape')
    await expect(lab.registers).toBeVisible()
    await expect(lab.dockMax('console-device')).toHaveAttribute('aria-pressed', 'false')
    await expect.poll(async () => (await screen.boundingBox())!.width).toBeLessThan(narrow * 1.2)

    // double-click a tab maximises its panel, again restores; the timeline's virtual rows follow
    const rows = await lab.timelineEvents().count()
    await lab.dockTab('timeline').dblclick()
    await expect(lab.console('device')).toBeHidden()
    expect((await lab.timeline.boundingBox())!.width).toBeGreaterThan(dock.width * 0.95)
    await expect.poll(() => lab.timelineEvents().count()).toBeGreaterThan(rows * 2)
    await lab.dockTab('timeline').dblclick()
    await expect(lab.console('device')).toBeVisible()

    // the shortcut maximises the active panel; the hex view shows more bytes a row when wider
    const hex = lab.shmHex.locator('[data-row-bytes]')
    const rowBytes = Number(await hex.getAttribute('data-row-bytes'))
    expect([8, 16]).toContain(rowBytes)
    await lab.dockTab('shm').click()
    await lab.page.keyboard.press('Control+Alt+KeyM')
    await expect(lab.registers).toBeHidden()
    await expect(hex).toHaveAttribute('data-row-bytes', '32')
    await expect(lab.shmByte(0x01f)).toBeVisible()
    // one row holds 32 bytes: 0x00 and 0x1f share a line
    const [b0, b31] = [(await lab.shmByte(0x000).boundingBox())!, (await lab.shmByte(0x01f).boundingBox())!]
    expect(Math.abs(b0.y - b31.y)).toBeLessThan(2)
    await lab.page.keyboard.press('Control+Alt+KeyM')
    await expect(lab.registers).toBeVisible()
    await expect(hex).toHaveAttribute('data-row-bytes', String(rowBytes))
  })

  for (const size of [...SIZES, { width: 2560, height: 1440 }]) {
    test(`${size.width}×${size.height}: every panel shown, no horizontal page overflow; screenshot`, async ({ lab }) => {
      await lab.page.setViewportSize(size)
      for (const id of LabPage.DEFAULT_GROUPS.flat()) await expect(lab.dockTab(id)).toBeVisible()
      await expect.poll(() => lab.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
      // the dock fills the window's width
      const dock = (await lab.page.getByTestId('dock').boundingBox())!
      expect(dock.x + dock.width).toBeLessThanOrEqual(size.width)
      expect(dock.width).toBeGreaterThan(size.width * 0.95)
      await lab.screenshot(`layout-${size.width}x${size.height}`)
    })
  }
})
