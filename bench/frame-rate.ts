// Renderer frame rate at max speed: Debian's Chromium (Playwright) against the browser host.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export async function frameRateRow(): Promise<{ name: string; value: number; unit: string; note: string } | null> {
  const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  const renderer = join(__dirname, '..', 'out', 'renderer', 'index.html')
  if (!existsSync(exe) || !existsSync(renderer)) return null
  const { chromium } = await import('@playwright/test')
  const { LabService } = await import('../src/host/service')
  const { startHost } = await import('../src/host/ws-host')
  const service = new LabService({ speed: 'max' })
  const host = await startHost({ service, port: 0, host: '127.0.0.1', rendererDir: join(__dirname, '..', 'out', 'renderer') })
  service.start()
  const browser = await chromium.launch({
    executablePath: exe,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    await page.goto(host.url)
    await page.waitForTimeout(1500)
    // a string, not a function: the TS loader would inject helpers the page does not have
    const fps = (await page.evaluate(`new Promise((resolve) => {
      let n = 0
      const t0 = performance.now()
      const f = () => { n++; if (performance.now() - t0 < 3000) requestAnimationFrame(f); else resolve((n * 1000) / (performance.now() - t0)) }
      requestAnimationFrame(f)
    })`)) as number
    const vt = service.session.sched.now / 1e9
    return { name: 'renderer frame rate at max speed (Chromium, headless)', value: fps, unit: 'fps', note: `target >= 50; lab at ${vt.toFixed(0)} virtual s` }
  } finally {
    await browser.close()
    service.dispose()
    await host.close()
  }
}
