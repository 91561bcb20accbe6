// Bench rows: the seed demo over real shared memory (a hosted ivshmem-server in this process, the
// device and the driver as two peers with real eventfds and a memfd shm, on the wall clock).
// Counted after DRIVER_OK: bytes forwarded to the device console per second and doorbells per
// second. The seed's pacing (k_sleep(200 us) → 20 ms per byte, docs/wire-protocol.md#timing) is
// the firmware's own; it has no switch to turn it off (see the pacing-off row's note).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nativeSupport } from '../src/ivshmem/native'
import { closeAttached, openAttached } from '../src/host/attach-cmd'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'
import type { DriverSideDemo } from '../src/profiles/seed/driver_side_demo'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

const until = async (pred: () => boolean, ms: number): Promise<boolean> => {
  const t0 = Date.now()
  while (!pred()) {
    if (Date.now() - t0 > ms) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

export async function ivshmemDemoRows(row: RowFn, quick: boolean): Promise<void> {
  const name = 'seed demo over real shm (hosted, 2 peers, memfd + eventfds)'
  const sup = nativeSupport()
  if (!sup.ok) {
    row(`${name}: bytes/s`, Number.NaN, 'B/s', `skipped: ${sup.reason}`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'vlab-bench-demo-'))
  const s = await openAttached({ ...DEFAULT_SCENARIO, speed: 1 }, { socket: join(dir, 's.sock'), role: 'both', host: true, observe: false }, { keep: 1000 })
  try {
    let dev = 0
    s.onConsole((side, d) => side === 'device' && (dev += d.length))
    s.start()
    const drv = () => (s.slots.driver.driver as DriverSideDemo | null)?.view
    if (!(await until(() => !!drv()?.initialized && s.helloLines >= 1, 60_000))) {
      row(`${name}: bytes/s`, Number.NaN, 'B/s', 'skipped: no Hello line within 60 s')
      return
    }
    const secs = quick ? 3 : 10
    const b0 = dev
    const d0 = s.fabric.counters.doorbells
    const m0 = s.fabric.counters.merged
    const t0 = drv()!.txBytes
    const w0 = performance.now()
    await new Promise((r) => setTimeout(r, secs * 1000))
    const wall = (performance.now() - w0) / 1000
    const bytes = dev - b0
    const bells = s.fabric.counters.doorbells - d0
    const sent = drv()!.txBytes - t0
    row(`${name}: bytes/s at the seed's pacing`, bytes / wall, 'B/s', `${bytes} bytes in ${wall.toFixed(1)} s (driver queued ${sent}); 20 ms per byte is 50 when the process wakes on time (a busy machine wakes it late)`)
    row(`${name}: doorbells/s at the seed's pacing`, bells / wall, '1/s', `3 per byte (kick, used, ack); ${s.fabric.counters.merged - m0} rings merged`)
    row(
      `${name}: bytes/s with pacing off`,
      Number.NaN,
      'B/s',
      'not applicable: the pacing is the seed driver\'s k_sleep, no switch; unpaced, merged ack/kick doorbells leave its device behind and stop output (wire-protocol.md#ack-notify-merge)'
    )
  } finally {
    closeAttached(s)
    rmSync(dir, { recursive: true, force: true })
  }
}

// standalone: npx tsx bench/ivshmem-demo.ts [--quick]
if (require.main === module) {
  const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2))
  void ivshmemDemoRows((n, v, u, note = '') => console.log(`${n.padEnd(70)} ${fmt(v).padStart(10)} ${u.padEnd(6)} ${note}`), process.argv.includes('--quick'))
}
