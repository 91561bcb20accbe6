// Shared by the real-ivshmem tests: why they may skip, temp socket paths, condition waits, fd counts,
// and a forked peer process (fixtures/peer.ts) driven over IPC.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nativeSupport } from '../../../src/ivshmem/native'

const sup = nativeSupport()
/** set when the feature cannot exist here (not Linux, addon not built): tests skip with it */
export const skipReason: string | null = sup.ok ? null : sup.reason
if (skipReason) console.warn(`real-ivshmem tests skipped: ${skipReason}`)

export function tmpDir(): { dir: string; sock: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vlab-ivs-'))
  return { dir, sock: (name = 'ivshmem.sock') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** wait until `pred` holds (no fixed sleeps: polls on timers, fails with `what` after `ms`) */
export async function waitFor(pred: () => boolean, what: string | (() => string), ms = 15_000): Promise<void> {
  const t0 = Date.now()
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

export const fdCount = (): number => readdirSync('/proc/self/fd').length
export function fdKind(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return 'closed'
  }
}

export interface ChildMsg {
  ev: string
  [k: string]: unknown
}

/** a peer in its own process (child_process.fork of fixtures/peer.ts) */
export class ChildPeer {
  readonly proc: ChildProcess
  readonly msgs: ChildMsg[] = []
  constructor(env: NodeJS.ProcessEnv = {}, opts: { uid?: number; gid?: number } = {}) {
    this.proc = fork(join(__dirname, 'fixtures', 'peer.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...opts
    })
    this.proc.on('message', (m) => this.msgs.push(m as ChildMsg))
  }
  send(cmd: Record<string, unknown>): void {
    this.proc.send(cmd)
  }
  /** wait for the next message matching `ev` after index `from`, return it */
  async next(ev: string, pred: (m: ChildMsg) => boolean = () => true, from = 0): Promise<ChildMsg> {
    let hit: ChildMsg | undefined
    await waitFor(() => (hit = this.msgs.slice(from).find((m) => m.ev === ev && pred(m))) !== undefined || (ev !== 'exit' && this.proc.exitCode !== null), `child event ${ev}`)
    if (!hit) throw new Error(`child exited (${this.proc.exitCode}) before ${ev}: ${JSON.stringify(this.msgs.slice(-3))}`)
    return hit
  }
  async call(cmd: Record<string, unknown>, ev: string): Promise<ChildMsg> {
    const from = this.msgs.length
    this.send(cmd)
    return this.next(ev, () => true, from)
  }
  kill(sig: NodeJS.Signals = 'SIGKILL'): void {
    if (this.proc.exitCode === null) this.proc.kill(sig)
  }
}

/** a Hello line as the device prints it, counted by its start: on real eventfds kicks can merge and the
 *  seed's device then loses bytes (one descriptor per callback, docs/ivshmem.md#lost-bytes) */
export const hellos = (s: string): number => (s.replace(/\r/g, '').match(/^\[\d+\]: Hel/gm) ?? []).length

/** the CLI as a child process (fixtures/cli.ts), its output collected as it comes; `stdin`: a
 *  pipe to type into (run --stdin), else none */
export function cliProc(args: string[], o: { stdin?: boolean } = {}) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cli.ts'), ...args], { stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
  const r = { out: '', err: '', code: null as number | null, p }
  p.stdout!.on('data', (d) => (r.out += String(d)))
  p.stderr!.on('data', (d) => (r.err += String(d)))
  // 'close', not 'exit': the exit code is set only once all its output has been read
  p.on('close', (c) => (r.code = c))
  return r
}
