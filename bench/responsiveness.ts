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
/** Installed before the page loads: notes when the reply to the last control/snapshotAt call
 *  arrives, and how many pushed frames (and bytes) the page received in front of it. */
const WIRE_TAP = `(() => {
  const W = window.WebSocket
  const tap = (window.__tap = { id: -1, replyAt: 0, ahead: 0, aheadBytes: 0 })
  window.WebSocket = class extends W {
    constructor(...a) {
      super(...a)
      this.addEventListener('message', (ev) => {
        if (tap.id < 0 || typeof ev.data !== 'string') return
        const m = /^\\{"id":(\\d+)/.exec(ev.data)
        if (m && Number(m[1]) === tap.id) { tap.replyAt = performance.now(); tap.id = -1 }
        else if (!m) { tap.ahead++; tap.aheadBytes += ev.data.length }
      })
    }
    send(data) {
      if (typeof data === 'string' && /"method":"(control|snapshotAt)"/.test(data)) {
        tap.id = Number(/^\\{"id":(\\d+)/.exec(data)[1]); tap.replyAt = 0; tap.ahead = 0; tap.aheadBytes = 0
      }
      super.send(data)
    }
  }
})()`
/** click an element, resolve with the ms until `done()` holds on screen (checked on each mutation),
 *  the ms until the call's reply arrived, and the pushed frames received in front of it */
const clickUntil = (click: string, done: string) => `new Promise((resolve, reject) => {
  const t0 = performance.now()
  const check = () => { if (${done}) { obs.disconnect(); const t = window.__tap; resolve([performance.now() - t0, t.replyAt ? t.replyAt - t0 : NaN, t.ahead, t.aheadBytes]) } }
  const obs = new MutationObserver(check)
  obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  setTimeout(() => { obs.disconnect(); reject(new Error('not shown within 30 s')) }, 30000)
  ${click}
  check()
})`
const byId = (id: string) => `document.querySelector('[data-testid="${id}"]')`
const runState = `${byId('status-run')}?.textContent.trim()`

/** samples per latency row: one click is one sample, and a busy machine makes single samples noise */
const SAMPLES = 10

function stats(xs: number[]): { p50: number; max: number } {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return { p50: s[Math.floor((s.length - 1) / 2)] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN }
}

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
    const served = timeCalls(service)
    const host = await startHost({ service, port: 0, host: '127.0.0.1', rendererDir })
    service.start()
    const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
      await page.addInitScript(WIRE_TAP)
      await page.goto(host.url)
      await page.waitForSelector('[data-testid="event-0"], [data-testid^="event-"]', { timeout: 60_000 })
      rows.push({ name: `renderer fps at ×1 (${tag})`, value: (await page.evaluate(FPS)) as number, unit: 'fps', note: 'target >= 30' })
      await service.control({ cmd: 'speed', speed: 'max' })
      await page.waitForTimeout(1500)
      rows.push({ name: `renderer fps at max speed (${tag})`, value: (await page.evaluate(FPS)) as number, unit: 'fps', note: 'target >= 30' })
      // pause: resume, let it run at max speed (trace batches and snapshots flowing), click pause
      const pause: number[][] = []
      for (let k = 0; k < SAMPLES; k++) {
        if ((await page.evaluate(runState)) === 'paused') {
          await page.click('[data-testid="ctl-pause"]')
          await page.waitForSelector('[data-testid="status-run"].running')
        }
        await page.waitForTimeout(400)
        pause.push((await page.evaluate(clickUntil(`${byId('ctl-pause')}.click()`, `${runState} === 'paused'`))) as number[])
      }
      latencyRows(rows, `Pause click to "paused" on screen (${tag})`, pause, 200, served.take('control'))
      // time travel: a different kept event each time (the service builds its snapshot from the trace)
      const travel: number[][] = []
      await page.locator('[data-testid^="event-"]').first().waitFor()
      const ids = ((await page.evaluate(`[...document.querySelectorAll('[data-testid^="event-"]')].map((e) => e.dataset.testid.slice(6))`)) as string[]).filter((i) =>
        /^\d+$/.test(i)
      )
      for (let k = 0; k < SAMPLES && ids.length; k++) {
        const i = ids[(k * 7) % ids.length]!
        travel.push(
          (await page.evaluate(
            clickUntil(`${byId('event-' + i)}.click()`, `${byId('time-travel-event')}?.textContent.trim() === '#${i}' && !${byId('time-travel-banner')}?.textContent.includes('loading')`)
          )) as number[]
        )
      }
      latencyRows(rows, `time travel: event click to its snapshot shown (${tag})`, travel, 300, served.take('snapshotAt'))
    } finally {
      await browser.close()
      service.dispose()
      await host.close()
      for (const b of busy) b.kill()
    }
  }
  return rows
}

/** wall time of each control/snapshotAt call inside the service (the host's share of the latency) */
function timeCalls(service: { control: (...a: never[]) => Promise<unknown>; snapshotAt: (...a: never[]) => Promise<unknown> }): { take(m: string): number[] } {
  const ms: Record<string, number[]> = { control: [], snapshotAt: [] }
  for (const m of ['control', 'snapshotAt'] as const) {
    const orig = service[m].bind(service) as (...a: unknown[]) => Promise<unknown>
    ;(service as Record<string, unknown>)[m] = async (...a: unknown[]) => {
      const t0 = performance.now()
      try {
        return await orig(...a)
      } finally {
        ms[m]!.push(performance.now() - t0)
      }
    }
  }
  return { take: (m) => ms[m]!.splice(0) }
}

/** p50 and worst of the click-to-screen samples, with where the time went: until the reply
 *  arrived (host queue + service + frames in front of it) and the pushed frames ahead of it */
function latencyRows(rows: BenchRow[], name: string, samples: number[][], target: number, service: number[]): void {
  const shown = stats(samples.map((s) => s[0]!))
  const reply = stats(samples.map((s) => s[1]!))
  const ahead = stats(samples.map((s) => s[2]!))
  const bytes = stats(samples.map((s) => s[3]!))
  const svc = stats(service)
  const why = `service call p50 ${svc.p50.toFixed(1)} / max ${svc.max.toFixed(1)} ms; reply arrived p50 ${reply.p50.toFixed(0)} / max ${reply.max.toFixed(0)} ms; pushed frames ahead of it p50 ${ahead.p50} / max ${ahead.max} (${(bytes.max / 1024).toFixed(0)} KiB)`
  rows.push({ name: `${name} p50`, value: shown.p50, unit: 'ms', note: `target < ${target}; ${samples.length} clicks; ${why}` })
  rows.push({ name: `${name} max`, value: shown.max, unit: 'ms', note: `target < ${target}` })
}

if (require.main === module) {
  void responsivenessRows().then((rows) => {
    for (const r of rows) console.log(`${r.name.padEnd(66)} ${r.value.toFixed(1).padStart(8)} ${r.unit.padEnd(4)} ${r.note}`)
  })
}
