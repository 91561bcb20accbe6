// Shared by the spec-profile real-ivshmem tests: lab processes with --profile spec, their device
// console, and the JSON Lines trace a process wrote (run --trace FILE).
import { existsSync, readFileSync } from 'node:fs'
import { cliProc, waitFor } from './helpers'

export type Proc = ReturnType<typeof cliProc>

/** a spec-profile lab process on a real server: `run --profile spec --role ROLE --console ROLE` */
export function specProc(sock: string, role: 'device' | 'driver', extra: string[] = [], o: { hosted?: boolean } = {}): Proc {
  const fabric = o.hosted ? ['--fabric', 'hosted', '--socket', sock] : ['--attach', sock]
  return cliProc(['run', ...fabric, '--profile', 'spec', '--role', role, '--console', role, '--until', '300s', ...extra], { stdin: role === 'device' })
}

/** the shell's banner, printed by the driver after each DRIVER_OK (docs/spec-profile.md §5) */
export const banners = (s: string): number => (s.match(/virtio 1\.2 console: \d+x\d+; type help\r\nspec\$ /g) ?? []).length
/** `hello N` output lines as they reach the device console */
export const specHellos = (s: string): number => (s.replace(/\r/g, '').match(/^\[\d+\] Hello World from the virtio 1\.2 spec driver$/gm) ?? []).length

/** type a shell line into the device process's console and wait for `expect` in what comes back */
export async function shell(dev: Proc, line: string, expect: string, why: () => string): Promise<void> {
  const from = dev.out.length
  dev.p.stdin!.write(line + '\r')
  await waitFor(() => dev.out.slice(from).includes(expect), () => `'${expect}' after typing '${line}':\n${dev.out.slice(from)}\n${why()}`, 90_000)
}

export interface Ev {
  i: number
  k: string
  side?: string
  [f: string]: unknown
}

/** the events of a trace file (run flushes it every 500 ms; a torn last line is left out) */
export function readTrace(path: string): Ev[] {
  if (!existsSync(path)) return []
  const out: Ev[] = []
  for (const l of readFileSync(path, 'utf8').split('\n'))
    if (l.endsWith('}'))
      try {
        out.push(JSON.parse(l) as Ev)
      } catch {
        /* a line being written */
      }
  return out
}

/** the register stores the device applied from the write log (docs/spec-profile.md §2) */
export const regWrites = (ev: Ev[], reg: string): number[] => ev.filter((e) => e.op === 'reg-write' && e.reg === reg).map((e) => e.value as number)

/** wait for `s` on a process's stdout or stderr: lines on two pipes, or from two processes, come
 *  in no fixed order */
export async function shows(p: Proc, stream: 'out' | 'err', s: string): Promise<void> {
  await waitFor(() => p[stream].includes(s), () => `'${s}' on std${stream}:\n${p.out}\n${p.err}`, 60_000)
}

export async function exited(p: Proc, what: string): Promise<void> {
  await waitFor(() => p.code !== null, `${what} to exit:\n${p.err}`, 60_000)
}
