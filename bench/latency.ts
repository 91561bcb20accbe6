// Host responsiveness rows: getSnapshot p99 over the WebSocket and the time to the first Hello
// line in the page (Chromium), idle and with two busy loops on the machine, in the same run; and
// getSnapshot p99 while another client abuses the host (snapshotAt(oldest) and getTrace(…, 5000)).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { busyLoops, percentile, RpcClient, snapshotLatencies, startHostProc } from './host-proc'

export interface LatencyRow {
  name: string
  value: number
  unit: string
  note: string
}

const HELLO = "Hello World I'm qemu_cortex_a53"
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

async function snapshotP99(label: string, secs: number): Promise<LatencyRow> {
  const h = await startHostProc(['--speed', 'max'])
  try {
    const c = await RpcClient.open(h.url)
    await snapshotLatencies(c, 500, 5) // warm up
    const lat = await snapshotLatencies(c, secs * 1000)
    c.close()
    return { name: `host getSnapshot p99 over WebSocket, lab at max speed, ${label}`, value: percentile(lat, 99), unit: 'ms', note: `${lat.length} calls, p50 ${percentile(lat, 50).toFixed(1)} ms, max ${Math.max(...lat).toFixed(0)} ms` }
  } finally {
    await h.stop()
  }
}

async function firstHello(label: string): Promise<LatencyRow | null> {
  const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(exe) || !existsSync(join(__dirname, '..', 'out', 'renderer', 'index.html'))) return null
  const { chromium } = await import('@playwright/test')
  const h = await startHostProc(['--speed', 'max'])
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    const t0 = performance.now()
    await page.goto(h.url)
    // a string, not a function: the TS loader would inject helpers the page does not have
    // (and not waitForFunction: its string predicate needs eval, which the page's CSP refuses)
    const seen = `(window.__lab?.consoleText('device') ?? '').includes(${JSON.stringify(HELLO)})`
    while (!(await page.evaluate(seen))) {
      if (performance.now() - t0 > 120_000) throw new Error('no Hello line in the page within 120 s')
      await new Promise((r) => setTimeout(r, 20))
    }
    const ms = performance.now() - t0
    return { name: `time to first Hello line in the page (Chromium), ${label}`, value: ms, unit: 'ms', note: 'page load + handshake at max speed + console push' }
  } finally {
    await browser.close()
    await h.stop()
  }
}

async function abuseP99(secs: number): Promise<LatencyRow[]> {
  const h = await startHostProc(['--speed', 'max'])
  try {
    const abuser = await RpcClient.open(h.url)
    const victim = await RpcClient.open(h.url)
    await new Promise((r) => setTimeout(r, 1500)) // let the trace fill
    let stop = false
    let abusive = 0
    const abuse = async (): Promise<void> => {
      while (!stop) {
        const snap = await abuser.call<{ counters: { traceEvents: number } }>('getSnapshot')
        const oldest = Math.max(0, snap.counters.traceEvents - 199_000)
        const calls: Promise<unknown>[] = []
        for (let k = 0; k < 32; k++) calls.push(abuser.call('snapshotAt', [oldest]).catch(() => null))
        for (let k = 0; k < 31; k++) calls.push(abuser.call('getTrace', [oldest, 5000]).catch(() => null))
        await Promise.all(calls)
        abusive += calls.length
      }
    }
    const running = abuse()
    const lat = await snapshotLatencies(victim, secs * 1000)
    stop = true
    await running
    abuser.close()
    victim.close()
    return [
      { name: 'host getSnapshot p99 while another client abuses the host', value: percentile(lat, 99), unit: 'ms', note: `${lat.length} calls; abuser ran ${abusive} snapshotAt(oldest)/getTrace(…,5000) calls, 63 in flight` }
    ]
  } finally {
    await h.stop()
  }
}

/** all rows; idle and busy in the same run so they compare */
export async function latencyRows(quick: boolean): Promise<LatencyRow[]> {
  const secs = quick ? 3 : 8
  const rows: LatencyRow[] = []
  const load = (): string => `load avg ${loadavg()[0]!.toFixed(1)}`
  // the machine's own load goes into each note: "idle" means no busy loops of ours
  const add = (r: LatencyRow | null): void => {
    if (r) rows.push({ ...r, note: `${r.note}; ${load()}` })
  }
  add(await snapshotP99('idle', secs))
  const hi = await firstHello('idle')
  add(hi)
  for (const r of await abuseP99(secs)) add(r)
  const hogs = busyLoops(2)
  try {
    add(await snapshotP99('two busy loops', secs))
    add(await firstHello('two busy loops'))
  } finally {
    hogs.stop()
  }
  if (!hi) rows.push({ name: 'time to first Hello line in the page (Chromium)', value: Number.NaN, unit: 'ms', note: 'skipped: no /usr/bin/chromium or no built renderer (npm run build)' })
  return rows
}

// standalone: npx tsx bench/latency.ts [--quick]
if (require.main === module) {
  latencyRows(process.argv.includes('--quick')).then(
    (rows) => {
      console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
      for (const r of rows) console.log(`${r.name.padEnd(78)} ${r.value.toFixed(1).padStart(10)} ${r.unit.padEnd(4)} ${r.note}`)
    },
    (e: unknown) => {
      console.error(e)
      process.exit(1)
    }
  )
}
