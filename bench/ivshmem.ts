// Real-ivshmem bench rows (npm run bench): doorbell round trip between two processes through
// the addon against a C eventfd ping-pong built here with cc, and shm copy bandwidth of the
// addon against Uint8Array.set on an ArrayBuffer. Ratios come from the same run.

import { execFileSync, fork, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addon, nativeSupport } from '../src/ivshmem/native'
import { IvshmemClient } from '../src/ivshmem/real/client'
import { IvshmemServer } from '../src/ivshmem/real/server'

type RowFn = (name: string, value: number, unit: string, note?: string) => void

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!

async function doorbellRoundTrip(sock: string, rounds: number, warm: number): Promise<number> {
  const a = await IvshmemClient.connect(sock)
  const child = fork(join(__dirname, 'ivshmem-echo.ts'), [sock, String(a.id)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const bid = await new Promise<number>((r) => child.once('message', (m) => r((m as { id: number }).id)))
  while (!a.peers.has(bid)) await new Promise((r) => setTimeout(r, 1))
  const rt: number[] = []
  await new Promise<void>((done) => {
    let i = 0
    let t0 = 0
    a.on('interrupt', () => {
      if (i >= warm) rt.push(performance.now() - t0)
      if (++i === rounds + warm) return done()
      t0 = performance.now()
      a.ring(bid, 0)
    })
    t0 = performance.now()
    a.ring(bid, 0)
  })
  child.kill()
  a.close()
  return median(rt) * 1e3 // us
}

function cBaseline(rounds: number, warm: number): number | string {
  const dir = mkdtempSync(join(tmpdir(), 'vlab-bench-'))
  try {
    const exe = join(dir, 'pingpong')
    execFileSync('cc', ['-O2', '-o', exe, join(__dirname, 'eventfd-pingpong.c')], { stdio: 'pipe' })
    return Number(execFileSync(exe, [String(rounds), String(warm)], { encoding: 'utf8' }).trim()) / 1e3
  } catch (e) {
    return `C baseline unavailable: ${(e as Error).message.split('\n')[0]}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function bandwidth(row: RowFn, quick: boolean): void {
  const a = addon()
  const size = quick ? 16 * 2 ** 20 : 128 * 2 ** 20
  const half = size / 2
  const reps = quick ? 20 : 10
  const fd = a.memfd(size)
  const h = a.mmap(fd)
  a.close(fd)
  a.fill(h, 0, size, 1) // fault the pages in
  let t0 = performance.now()
  for (let i = 0; i < reps; i++) a.copy(h, i & 1 ? 0 : half, i & 1 ? half : 0, half)
  const native = (half * reps) / ((performance.now() - t0) / 1e3) / 1e9
  const heap = new Uint8Array(new ArrayBuffer(size)).fill(1)
  t0 = performance.now()
  for (let i = 0; i < reps; i++) heap.set(heap.subarray(i & 1 ? half : 0, (i & 1 ? half : 0) + half), i & 1 ? 0 : half)
  const js = (half * reps) / ((performance.now() - t0) / 1e3) / 1e9
  const note = `${half / 2 ** 20} MiB copies`
  row('ivshmem shm copy, addon (memmove in the mapping)', native, 'GB/s', note)
  row('ivshmem shm copy, Uint8Array.set on an ArrayBuffer', js, 'GB/s', note)
  row('  addon / Uint8Array.set, bandwidth', native / js, 'ratio', 'target >= 0.8')
  // small accesses: the Electron path pays one N-API call per access
  const N = quick ? 200_000 : 1_000_000
  const small = new Uint8Array(64)
  t0 = performance.now()
  for (let i = 0; i < N; i++) a.write(h, (i & 1023) * 64, small)
  const per = ((performance.now() - t0) * 1e6) / N
  t0 = performance.now()
  for (let i = 0; i < N; i++) heap.set(small, (i & 1023) * 64)
  const perJs = ((performance.now() - t0) * 1e6) / N
  row('ivshmem 64-byte write, addon accessor call', per, 'ns/call', 'Electron path')
  row('ivshmem 64-byte write, Uint8Array.set', perJs, 'ns/call', 'zero-copy path')
  a.unmap(h)
}

export async function ivshmemRows(row: RowFn, quick: boolean): Promise<void> {
  const sup = nativeSupport()
  if (!sup.ok) {
    row('ivshmem doorbell round trip (addon)', Number.NaN, 'us', `skipped: ${sup.reason}`)
    return
  }
  const rounds = quick ? 2000 : 10000
  const warm = 200
  const dir = mkdtempSync(join(tmpdir(), 'vlab-bench-'))
  const srv = new IvshmemServer({ path: join(dir, 's.sock'), vectors: 1, size: 65536 }).start()
  try {
    // the same pair of measurements without and with two busy-looping processes on the cores, in
    // one run: on an idle VM both are dominated by waking an idle vCPU, under load by scheduling
    for (const load of [0, 2]) {
      const busy = Array.from({ length: load }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
      const tag = load ? 'two busy loops' : 'no extra load'
      try {
        const node = await doorbellRoundTrip(srv.path, rounds, warm)
        const c = cBaseline(rounds, warm)
        row(`ivshmem doorbell round trip, addon + event loop (${tag})`, node, 'us', `median of ${rounds}, 2 processes`)
        if (typeof c === 'number') {
          row(`ivshmem doorbell round trip, C eventfd ping-pong (${tag})`, c, 'us', 'blocking read, cc -O2')
          row(`  addon / C, round trip (${tag})`, node / c, 'ratio', 'target <= 2.0')
        } else row(`ivshmem doorbell round trip, C eventfd ping-pong (${tag})`, Number.NaN, 'us', c)
      } finally {
        for (const b of busy) b.kill()
      }
    }
  } finally {
    srv.close()
    rmSync(dir, { recursive: true, force: true })
  }
  bandwidth(row, quick)
}

// standalone: npx tsx bench/ivshmem.ts [--quick]
if (require.main === module) {
  const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2))
  void ivshmemRows((n, v, u, note = '') => console.log(`${n.padEnd(58)} ${fmt(v).padStart(14)} ${u.padEnd(16)} ${note}`), process.argv.includes('--quick'))
}
