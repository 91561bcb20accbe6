// Helpers for the host latency rows: the browser host as a child process (as `npm start` and the
// e2e run use it), a minimal JSON-RPC client over its WebSocket, and busy-looping CPU hogs.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { WebSocket } from 'ws'

export interface HostProc {
  url: string
  proc: ChildProcess
  stop(): Promise<void>
}

/** `virtio-lab serve --port 0 …` in a child process; resolves with the URL it printed */
export function startHostProc(args: string[] = []): Promise<HostProc> {
  // BENCH_HOST_BIN: another build's bin/virtio-lab.js, to compare before/after on the same machine
  const bin = process.env.BENCH_HOST_BIN ?? join(__dirname, '..', 'bin', 'virtio-lab.js')
  const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /(http:\/\/\S+)/.exec(out)
      if (m) resolve({ url: m[1]!, proc, stop })
    })
    proc.once('exit', (code) => reject(new Error(`host exited (${code}) before printing its URL: ${err.trim()}`)))
  })
}

export class RpcClient {
  private next = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: number; result?: unknown; error?: { message: string } }
      if (typeof m.id !== 'number') return
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      if (m.error) p.reject(new Error(m.error.message))
      else p.resolve(m.result)
    })
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('closed'))
      this.pending.clear()
    })
  }

  static open(pageUrl: string): Promise<RpcClient> {
    const u = new URL(pageUrl)
    const ws = new WebSocket(`ws://${u.host}/rpc${u.search}`, { origin: `http://${u.host}` })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RpcClient(ws)))
      ws.once('error', reject)
    })
  }

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  close(): void {
    this.ws.close()
  }
}

/** two (or n) processes spinning on the CPU, as on a busy machine; stop() ends exactly them */
export function busyLoops(n = 2): { stop(): void } {
  const procs = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }))
  return {
    stop: () => {
      for (const p of procs) if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, 'SIGKILL')
    }
  }
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}

/** sequential getSnapshot calls for `ms` (at least `min` calls); latencies in ms */
export async function snapshotLatencies(c: RpcClient, ms: number, min = 30): Promise<number[]> {
  const lat: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end || lat.length < min) {
    const t0 = performance.now()
    await c.call('getSnapshot')
    lat.push(performance.now() - t0)
  }
  return lat
}
