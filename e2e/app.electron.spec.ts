// What only the Electron shell has: the sandboxed preload API, the app:// origin, the user-data dir
// kept across a relaunch, the application menu. Electron project only (the browser project matches
// *.browser.spec.ts); each test skips with NO_ELECTRON_REASON where no Electron binary exists.
import { readFileSync } from 'node:fs'
import { LAB_METHODS } from '../src/shared/contract'
import { test, expect, type LabWindow } from './fixtures'
import { LabPage } from './pages/LabPage'

test.describe('electron app', () => {
  test('window opens with sandboxed preload API and the device reaches DRIVER_OK', async ({ lab, electronHost }) => {
    await lab.open()
    await expect(lab.page).toHaveTitle(/Virtio Serial Lab/)
    const isolation = await lab.page.evaluate(() => ({
      labApi: typeof (window as LabWindow).labApi,
      methods: Object.keys((window as LabWindow).labApi ?? {}).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module
    }))
    // exactly the contract (src/shared/contract.ts) and subscribe, nothing else
    expect(isolation).toEqual({
      labApi: 'object',
      methods: [...LAB_METHODS, 'subscribe'].sort(),
      require: 'undefined',
      process: 'undefined',
      module: 'undefined'
    })
    // IPC goes through the same validation as the WebSocket host
    const err = await lab.rpc('configure', [{ vectors: 65 }])
    expect(err.error?.message).toBe('configure: vectors must be at most 64 (got 65)')
    // served from the privileged app:// scheme, not file://
    const url = await electronHost.app!.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].webContents.getURL())
    expect(url).toMatch(/^app:\/\/lab\//)
    // first launch runs the default scenario: the device console shows the driver's handshake
    await lab.waitForConsole('device', 'Config Status DRIVER_OK')
    await lab.screenshot('app') // app-electron.png
  })

  test('the layout is kept in the app:// origin across a relaunch; View > Reset layout restores it', async ({ lab, electronHost }) => {
    await lab.open()
    await expect.poll(() => lab.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
    await lab.dockTab('peers').dragTo(lab.dockTab('registers'))
    await expect.poll(() => lab.dockGroups()).toHaveLength(7)
    const moved = await lab.dockGroups()
    await expect.poll(async () => JSON.stringify((await lab.savedLayout())?.layout.grid ?? null)).toMatch(/"views":\["(registers","peers|peers","registers)"\]/)

    const again = new LabPage(await electronHost.relaunch())
    await again.open()
    await expect.poll(() => again.dockGroups()).toEqual(moved)
    await electronHost.clickMenu('reset-layout')
    await expect.poll(() => again.dockGroups()).toEqual(LabPage.DEFAULT_GROUPS)
  })

  test('File > Save trace… writes every event of a bounded run as JSON Lines', async ({ lab, electronHost }, testInfo) => {
    await lab.open()
    await lab.resetScenario({ speed: 'max', until: 12_000_000_000 })
    await expect(lab.page.getByTestId('status-run')).toHaveText('finished', { timeout: 30_000 })
    const trace = await lab.stableStatusNumber('trace')
    const file = testInfo.outputPath('trace.jsonl')
    await electronHost.answerDialogs({ save: file })
    await electronHost.clickMenu(['File', 'Save trace…'])
    await expect.poll(async () => (await electronHost.dialogMessages()).map((m) => m.message)).toEqual([`Saved ${trace} trace events`])
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    expect(lines).toHaveLength(trace)
    expect(JSON.parse(lines[0])).toMatchObject({ i: 0 })
    expect(JSON.parse(lines[trace - 1])).toMatchObject({ i: trace - 1 })
  })
})
