// The real Electron shell. Skipped (with the reason) where no Electron binary exists, which is the
// case on the project's machines: it is downloaded from GitHub at first use.
import { _electron as electron } from '@playwright/test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect, type LabWindow } from './fixtures'
import { findElectronBinary, NO_ELECTRON_REASON } from './electron'
import { LabPage } from './pages/LabPage'

const bin = findElectronBinary()

test.describe('electron app', () => {
  test.skip(!bin, NO_ELECTRON_REASON)

  test('window opens with sandboxed preload API and the device reaches DRIVER_OK', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'vsl-electron-'))
    const app = await electron.launch({
      executablePath: bin!.path,
      args: ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, VIRTIO_LAB_USER_DATA: userData }
    })
    try {
      const page = await app.firstWindow()
      await expect(page).toHaveTitle(/Virtio Serial Lab/)
      const isolation = await page.evaluate(() => ({
        labApi: typeof (window as LabWindow).labApi,
        methods: Object.keys((window as LabWindow).labApi ?? {}).sort(),
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        module: typeof (globalThis as { module?: unknown }).module
      }))
      expect(isolation).toEqual({
        labApi: 'object',
        methods: ['configure', 'consoleSince', 'control', 'getSnapshot', 'getTrace', 'readShm', 'sendInput', 'snapshotAt', 'subscribe'],
        require: 'undefined',
        process: 'undefined',
        module: 'undefined'
      })
      // IPC goes through the same validation as the WebSocket host
      const err = await page.evaluate(() => (window as LabWindow).labApi!.configure({ vectors: 65 }).then(() => '', (e: Error) => e.message))
      expect(err).toBe('configure: vectors must be at most 64 (got 65)')
      // served from the privileged app:// scheme, not file://
      const url = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].webContents.getURL())
      expect(url).toMatch(/^app:\/\/lab\//)
      // first launch runs the default scenario: the device console shows the driver's handshake
      await expect
        .poll(async () => (await page.evaluate(() => (window as LabWindow).labApi!.consoleSince('device', 0))).data, { timeout: 30_000 })
        .toContain('Config Status DRIVER_OK')
      await page.screenshot({ path: 'test-results/app-electron.png' })
    } finally {
      await app.close()
      rmSync(userData, { recursive: true, force: true })
    }
  })

  test('the layout is kept in the app:// origin across a relaunch; View > Reset layout restores it', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'vsl-electron-'))
    const launch = () =>
      electron.launch({
        executablePath: bin!.path,
        args: ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
        env: { ...process.env, VIRTIO_LAB_USER_DATA: userData }
      })
    try {
      let app = await launch()
      let lab = new LabPage(await app.firstWindow())
      await expect.poll(() => lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
      await lab.dockTab('peers').dragTo(lab.dockTab('registers'))
      await expect.poll(() => lab.dockGroups()).toHaveLength(7)
      const moved = await lab.dockGroups()
      await expect.poll(async () => JSON.stringify((await lab.savedLayout())?.layout.grid ?? null)).toMatch(/"views":\["(registers","peers|peers","registers)"\]/)
      await app.close()

      app = await launch()
      lab = new LabPage(await app.firstWindow())
      await expect.poll(() => lab.dockGroups()).toEqual(moved)
      await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('reset-layout')?.click())
      await expect.poll(() => lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
      await app.close()
    } finally {
      rmSync(userData, { recursive: true, force: true })
    }
  })
})
