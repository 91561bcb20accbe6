// npm run bench: speed and memory of the lab, measured in one run so ratios are comparable.
// Prints a table and writes bench/results.json. Never used as a test assertion.
//
//   npm run bench                 all rows
//   npm run bench -- --quick      one virtual minute instead of an hour (smoke)

import { existsSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { LabSession } from '../src/lab/session'
import { buildSnapshot, liveInput } from '../src/lab/snapshot'
import { LabService } from '../src/host/service'
import { type ScenarioConfig } from '../src/shared/contract'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'
import { frameRateRow } from './frame-rate'
import { responsivenessRows } from './responsiveness'
import { ivshmemRows } from './ivshmem'
import { ivshmemDemoRows } from './ivshmem-demo'
import { latencyRows } from './latency'
import { specRows } from './spec'
import { restartRows } from './restarts'
import { exportLogRows } from './export-log'
import { travelRows } from './travel'

const quick = process.argv.includes('--quick')
const VIRTUAL = quick ? 60e9 : 3600e9
const S = 1e9

interface Row {
  name: string
  value: number
  unit: string
  note: string
}
const rows: Row[] = []
const row = (name: string, value: number, unit: string, note = '') => {
  rows.push({ name, value, unit, note })
  console.log(`${name.padEnd(58)} ${fmt(value).padStart(14)} ${unit.padEnd(16)} ${note}`)
}
const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2))

const seed = (p: Partial<ScenarioConfig> = {}): ScenarioConfig => ({ ...DEFAULT_SCENARIO, speed: 'max', ...p })

function runFor(label: string, s: LabSession): { ratio: number; wall: number } {
  global.gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  s.run(VIRTUAL)
  const wall = (performance.now() - t0) / 1e3
  const ratio = VIRTUAL / S / wall
  row(`${label}: virtual seconds per wall second`, ratio, 'x real time', `${(VIRTUAL / S / 60).toFixed(0)} virtual min in ${wall.toFixed(2)} s`)
  row(`${label}: scheduler events per second`, s.sched.executed / wall, 'events/s', `${s.sched.executed.toLocaleString('en-US')} events`)
  row(`${label}: heap growth`, (process.memoryUsage().heapUsed - heap0) / 2 ** 20, 'MiB', `console ${(s.consoles.device.total / 1024).toFixed(0)} KiB`)
  return { ratio, wall }
}

async function main(): Promise<void> {
  console.log(`Virtio Serial Lab bench — node ${process.version}, ${quick ? 'quick' : 'full'} run\n`)
  console.log(`${'row'.padEnd(58)} ${'value'.padStart(14)} ${'unit'.padEnd(16)} note`)

  // 1. the seed profile at max speed, trace off: the headline number (target >= 5,000x)
  const base = runFor('seed device-first, trace off', new LabSession(seed()))
  // 2. the same with the in-memory trace the app keeps (timeline, time travel)
  const kept = runFor('seed device-first, trace kept (200k ring)', new LabSession(seed(), { trace: { keep: 200_000 } }))
  row('  trace kept / trace off, wall time', kept.wall / base.wall, 'ratio')
  // 3. the same writing JSON Lines (--trace FILE), serialisation included
  let bytes = 0
  const jl = runFor('seed device-first, JSONL trace', new LabSession(seed(), { trace: { sink: (l) => (bytes += l.length + 1) } }))
  row('  JSONL trace / trace off, wall time', jl.wall / base.wall, 'ratio', `${(bytes / 2 ** 20).toFixed(0)} MiB of JSON`)
  // 4. guest CPU time modelled (docs/wire-protocol.md#cpu-time): the sync points' extra scheduler events
  const cpu = runFor('seed device-first, cpuScale 1, trace off', new LabSession(seed({ cpuScale: 1 })))
  row('  cpuScale 1 / cpuScale 0, wall time', cpu.wall / base.wall, 'ratio')

  // 4. snapshot build cost, mid-run
  const s = new LabSession(seed(), { trace: { keep: 200_000 } })
  s.run(60 * S)
  const N = 2000
  let t0 = performance.now()
  let size = 0
  for (let i = 0; i < N; i++) size = JSON.stringify(buildSnapshot(s, liveInput(s), i, { running: true, paused: false, finished: false })).length
  const per = ((performance.now() - t0) * 1e3) / N
  row('snapshot build + JSON.stringify', per, 'us/snapshot', `${(size / 1024).toFixed(1)} KiB each; at 60 Hz ${((per * 60) / 1e4).toFixed(2)}% of a core`)

  // 5. the service at max speed: event-loop lag of the process hosting it (Electron main / host)
  const svc = new LabService({ speed: 'max' })
  let snaps = 0
  let consoleBytes = 0
  svc.subscribe((e) => {
    if (e.type === 'snapshot') snaps++
    if (e.type === 'console') consoleBytes += e.data.length
  })
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  svc.start()
  t0 = performance.now()
  await new Promise((r) => setTimeout(r, 3000))
  h.disable()
  const secs = (performance.now() - t0) / 1e3
  const vt = svc.session.sched.now / S
  svc.dispose()
  row('service at max speed: virtual seconds per wall second', vt / secs, 'x real time', '17 ms ticks, 8 ms emulating')
  row('service at max speed: event-loop lag p50', h.percentile(50) / 1e6, 'ms')
  row('service at max speed: event-loop lag p99', h.percentile(99) / 1e6, 'ms')
  row('service at max speed: snapshots published per second', snaps / secs, 'Hz', 'cap ~60 Hz')
  row('service at max speed: console bytes published = produced', consoleBytes === svc.session.consoles.device.total + svc.session.consoles.driver.total ? 1 : 0, 'bool', `${consoleBytes} bytes`)

  // 5b. memory across restarts (issue #11): RSS growth per 1,000 device restarts
  restartRows(row, quick)

  // 5c. the streamed trace export and continuous console logs (issue #10)
  await exportLogRows(row, quick)
  // 5d. time travel (issue #10 item 6): full rebuild vs the incremental cursor, ±1 steps and jumps
  await travelRows(row, quick)

  // 6. the spec profile's data path and fuzzing rate
  specRows(row, quick)

  // 7. renderer frame rate at max speed, measured in Debian's Chromium (skipped without one)
  const fr = await frameRateRow()
  if (fr) row(fr.name, fr.value, fr.unit, fr.note)
  else row('renderer frame rate at max speed (Chromium)', Number.NaN, 'fps', 'skipped: no /usr/bin/chromium or no built renderer (npm run build)')

  // 6b. renderer responsiveness (issue #10): fps at ×1 / max, pause and time-travel latency, with and without two busy loops
  for (const r of await responsivenessRows()) row(r.name, r.value, r.unit, r.note)

  // 7. real ivshmem (native addon): doorbell round trip vs C, shm copy bandwidth (skipped without the addon)
  await ivshmemRows(row, quick)
  // the seed demo over real shm: bytes/s and doorbells/s at the seed's pacing
  await ivshmemDemoRows(row, quick)

  // 8. host responsiveness: getSnapshot p99 over the WebSocket and time to the first Hello line
  //    in the page, idle and with two busy loops, and p99 while another client abuses the host
  //    (the host runs as a child process, as `npm start` and the e2e run use it; needs a build)
  if (existsSync(join(__dirname, '..', 'out', 'main', 'cli.js'))) {
    for (const r of await latencyRows(quick)) row(r.name, r.value, r.unit, r.note)
  } else row('host getSnapshot p99 over WebSocket', Number.NaN, 'ms', 'skipped: not built (npm run build)')

  mkdirSync(join(__dirname), { recursive: true })
  const out = { date: new Date().toISOString(), node: process.version, quick, virtualSeconds: VIRTUAL / S, rows }
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify(out, null, 2) + '\n')
  console.log(`\nwrote bench/results.json`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
