// Renderer responsiveness (issue #10 item 6), Debian's Chromium against the browser host:
// frames per second at ×1 and at max, the time from a Pause click to "paused" on screen, and from
// a click on a timeline event to its time-travel snapshot on screen; unloaded and with two
// busy-looping processes on the cores. Never a test assertion.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface BenchRow {
  name: string
  value: number
  unit: string
  note: string
}

// strings, not functions: the TS loader would inject helpers the page does not have
const FPS = `new Promise((resolve) => {
  let n = 0
  const t0 = performance.now()
  const f = () => { n++; if (performance.now() - t0 < 3000) requestAnimationFrame(f); else resolve((n * 1000) / (performance.now() - t0)) }
  requestAnimationFrame(f)
})`
/** click an element, resolve with the ms until `done()` holds on screen (checked on each mutation) */
const clickUntil = (click: string, done: string) => `new Promise((resolve, reject) => {
  const t0 = performance.now()
  const check = () => { if (${done}) { obs.disconnect(); resolve(performance.now() - t0) } }
  const obs = new MutationObserver(check)
  obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  setTimeout(() => { obs.disconnect(); reject(new Error('not shown within 30 s')) }, 30000)
  ${click}
  check()
})`
const byId = (id: string) => `document.querySelector('[data-testid="${id}"]')`

function busyLoops(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

export async function responsivenessRows(): Promise<BenchRow[]> {
  const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  const rendererDir = join(__dirname, '..', 'out', 'renderer')
  if (!existsSync(exe) || !existsSync(join(rendererDir, 'index.html'))) return []
  const { chromium } = await import('@playwright/test')
  const { LabService } = await import('../src/host/service')
  const { startHost } = await import('../src/host/ws-host')
  const rows: BenchRow[] = []
  for (const load of [0, 2]) {
    const busy = busyLoops(load)
    const tag = load ? 'two busy loops' : 'no extra load'
    const service = new LabService({ speed: 1 })
    const host = await startHost({ service, port: 0, host: '127.0.0.1', rendererDir })
    service.start()
    const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
      await page.goto(host.url)
      await page.waitForSelector('[data-testid="event-0"], [data-testid^="event-"]', { timeout: 60_000 })
      rows.push({ name: `renderer fps at ×1 (${tag})`, value: (await page.evaluate(FPS)) as number, unit: 'fps', note: 'target >= 30' })
      await service.control({ cmd: 'speed', speed: 'max' })
      await page.waitForTimeout(1500)
      rows.push({ name: `renderer fps at max speed (${tag})`, value: (await page.evaluate(FPS)) as number, unit: 'fps', note: 'target >= 30' })
      const pause = (await page.evaluate(clickUntil(`${byId('ctl-pause')}.click()`, `${byId('status-run')}?.textContent.trim() === 'paused'`))) as number
      rows.push({ name: `Pause click to "paused" on screen (${tag})`, value: pause, unit: 'ms', note: 'target < 200' })
      const first = await page.locator('[data-testid^="event-"]').first().getAttribute('data-testid')
      const i = first!.slice(6)
      const travel = (await page.evaluate(
        clickUntil(`${byId('event-' + i)}.click()`, `${byId('time-travel-event')}?.textContent.trim() === '#${i}' && !${byId('time-travel-banner')}?.textContent.includes('loading')`)
      )) as number
      rows.push({ name: `time travel: event click to its snapshot shown (${tag})`, value: travel, unit: 'ms', note: 'target < 300' })
    } finally {
      await browser.close()
      service.dispose()
      await host.close()
      for (const b of busy) b.kill()
    }
  }
  return rows
}

if (require.main === module) {
  void responsivenessRows().then((rows) => {
    for (const r of rows) console.log(`${r.name.padEnd(62)} ${r.value.toFixed(1).padStart(10)} ${r.unit.padEnd(5)} ${r.note}`)
  })
}
