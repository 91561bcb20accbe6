// virtio-lab: the headless lab.
//   virtio-lab run   [scenario flags] [--until 20s] [--console device|driver|both] [--trace FILE]
//   virtio-lab serve [scenario flags] [--port N] [--host 127.0.0.1] [--token T]
// Bad input: one line on stderr, exit 2. A completed run exits 0, also when the demo fails as it
// should (driver-first): that failure is the lab's result, not the tool's.

import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { ScenarioConfig, Side } from '../shared/contract'
import { DEFAULT_SCENARIO } from '../shared/contract'
import { LabSession } from '../lab/session'
import { explain } from '../lab/explain'
import { ORDERS, parseAddr, parseDuration, parseRestart, parseSize, parseSpeed, resolveScenario } from '../lab/config'

export class CliError extends Error {}

export const USAGE = `virtio-lab — Virtio Serial Lab, headless

Usage:
  virtio-lab run   [options]   run a scenario, print console output
  virtio-lab serve [options]   serve the lab UI and service over HTTP/WebSocket
  virtio-lab --help

Scenario options (run and serve):
  --profile seed                 byte-compatible with the Zephyr/OpenAMP demo (default)
  --order ORDER                  device-first (default) | driver-first | device-only | driver-only
  --vectors N                    ivshmem-server -n: vectors per peer, 1..64 (default 2)
  --shm-size SIZE                ivshmem-server -l: power of two, e.g. 4M (default), 64K..1G
  --shm-state fresh|leftover     leftover = registers left by an earlier run (QEMU's example
                                 server keeps its shm object)
  --latency TIME                 doorbell delivery latency (default 20us)
  --gap TIME                     time between the first and the second start (default 1s)
  --restart SIDE@TIME            power-cycle a side, e.g. driver@12s (repeatable)
  --driver-base VA, --device-base VA
                                 where each guest maps BAR2 (default 0xafa00000 both); the
                                 seed works only when they are equal (wire-protocol §2.5)
  --speed max|N                  virtual seconds per wall second; 1 = real time
                                 (run: default max; serve: default 1)

run options:
  --until TIME                   stop at this virtual time (default 20s)
  --console device|driver|both   device: exactly the bytes instance_1's UART emitted;
                                 driver: instance_2's console (its diagnostic log);
                                 both: every line labelled with its side (default)
  --trace FILE                   write every event as JSON Lines
  --quiet                        do not print the lab's explanation on stderr

serve options:
  --port N                       default 4173 (0 = any free port)
  --host ADDR                    default 127.0.0.1; any other address needs --token
  --token T                      access token for the page and the WebSocket

TIME: 20s, 1500ms, 250us, 2m, 1h. SIZE: 64K, 4M, 1G or bytes.
`

type Flags = Map<string, string[]>

const SCENARIO_FLAGS = ['profile', 'order', 'vectors', 'shm-size', 'shm-state', 'latency', 'gap', 'restart', 'speed', 'driver-base', 'device-base']
const RUN_FLAGS = [...SCENARIO_FLAGS, 'until', 'console', 'trace', 'quiet']
const SERVE_FLAGS = [...SCENARIO_FLAGS, 'port', 'host', 'token']
const BOOLEAN = new Set(['quiet'])

function parseFlags(args: string[], allowed: string[]): Flags {
  const f: Flags = new Map()
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (!a.startsWith('--')) throw new CliError(`unexpected argument '${a}'`)
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    let value = inline
    if (!allowed.includes(name)) throw new CliError(`unknown option --${name}`)
    if (BOOLEAN.has(name)) {
      if (value !== undefined) throw new CliError(`--${name} takes no value`)
      value = ''
    } else if (value === undefined) {
      value = args[++i]
      if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value`)
    }
    f.set(name, [...(f.get(name) ?? []), value])
  }
  return f
}

function one(f: Flags, name: string): string | undefined {
  const v = f.get(name)
  if (v && v.length > 1 && name !== 'restart') throw new CliError(`--${name} given more than once`)
  return v?.[0]
}

function need<T>(v: T | null, msg: string): T {
  if (v === null) throw new CliError(msg)
  return v
}

export function scenarioFrom(f: Flags, defaults: Partial<ScenarioConfig>): ScenarioConfig {
  const p: Partial<ScenarioConfig> = { ...defaults }
  const v = (n: string) => one(f, n)
  if (v('profile') !== undefined) {
    if (v('profile') !== 'seed') throw new CliError(`--profile: only 'seed' exists so far, got '${v('profile')}'`)
    p.profile = 'seed'
  }
  if (v('order') !== undefined) {
    if (!ORDERS.includes(v('order') as never)) throw new CliError(`--order must be one of ${ORDERS.join(', ')}, got '${v('order')}'`)
    p.order = v('order') as ScenarioConfig['order']
  }
  if (v('vectors') !== undefined) {
    const n = Number(v('vectors'))
    if (!/^\d+$/.test(v('vectors')!) || n < 1 || n > 64) throw new CliError(`--vectors must be an integer 1..64 (ivshmem-server -n), got '${v('vectors')}'`)
    p.vectors = n
  }
  if (v('shm-size') !== undefined) p.shmSize = need(parseSize(v('shm-size')!), `--shm-size: cannot read '${v('shm-size')}' as a size (e.g. 4M)`)
  if (v('shm-state') !== undefined) {
    if (v('shm-state') !== 'fresh' && v('shm-state') !== 'leftover') throw new CliError(`--shm-state must be fresh or leftover, got '${v('shm-state')}'`)
    p.shmState = v('shm-state') as ScenarioConfig['shmState']
  }
  if (v('latency') !== undefined) p.latency = need(parseDuration(v('latency')!), `--latency: cannot read '${v('latency')}' as a time (e.g. 20us)`)
  if (v('gap') !== undefined) p.gap = need(parseDuration(v('gap')!), `--gap: cannot read '${v('gap')}' as a time (e.g. 1s)`)
  if (v('speed') !== undefined) p.speed = need(parseSpeed(v('speed')!), `--speed must be 'max' or a positive factor, got '${v('speed')}'`)
  if (v('until') !== undefined) p.until = need(parseDuration(v('until')!), `--until: cannot read '${v('until')}' as a time (e.g. 20s)`)
  for (const [flag, field] of [
    ['driver-base', 'driverBase'],
    ['device-base', 'deviceBase']
  ] as const)
    if (v(flag) !== undefined) p[field] = need(parseAddr(v(flag)!), `--${flag}: cannot read '${v(flag)}' as an address (e.g. 0xafa00000)`)
  const rs = f.get('restart')
  if (rs) p.restarts = rs.map((r) => need(parseRestart(r), `--restart must be device@TIME or driver@TIME, got '${r}'`))
  const r = resolveScenario(p, DEFAULT_SCENARIO)
  if (!r.ok) {
    const e = r.errors[0]!
    throw new CliError(`--${flagOf(e.field)}: ${e.message}`)
  }
  return r.config
}

function flagOf(field: string): string {
  return ({ shmSize: 'shm-size', shmState: 'shm-state', restarts: 'restart', driverBase: 'driver-base', deviceBase: 'device-base' } as Record<string, string>)[field] ?? field
}

export interface Io {
  out(s: string): void
  err(s: string): void
}

const stdio: Io = {
  out: (s) => void process.stdout.write(s, 'latin1'),
  err: (s) => void process.stderr.write(s)
}

/** line labeller for --console both */
class Labeller {
  private part: Record<Side, string> = { device: '', driver: '' }
  constructor(private readonly out: (s: string) => void) {}
  push(side: Side, s: string): void {
    const lines = (this.part[side] + s).split('\n')
    this.part[side] = lines.pop()!
    for (const l of lines) this.out(`${side.padEnd(6)} | ${l.replace(/\r$/, '')}\n`)
  }
  end(): void {
    for (const side of ['device', 'driver'] as const) if (this.part[side]) this.out(`${side.padEnd(6)} | ${this.part[side]}\n`)
  }
}

export async function run(f: Flags, io: Io): Promise<number> {
  const cfg = scenarioFrom(f, { speed: 'max', until: 20_000_000_000 })
  const mode = one(f, 'console') ?? 'both'
  if (mode !== 'device' && mode !== 'driver' && mode !== 'both') throw new CliError(`--console must be device, driver or both, got '${mode}'`)
  const tracePath = one(f, 'trace')
  let fd: number | null = null
  let buf: string[] = []
  let bufLen = 0
  const flushTrace = () => {
    if (fd !== null && buf.length) writeSync(fd, buf.join(''))
    buf = []
    bufLen = 0
  }
  if (tracePath !== undefined) {
    try {
      fd = openSync(tracePath, 'w')
    } catch (e) {
      throw new CliError(`--trace: cannot open '${tracePath}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }
  const s = new LabSession(cfg, {
    trace: fd === null ? {} : { sink: (line) => {
      buf.push(line + '\n')
      bufLen += line.length + 1
      if (bufLen > 1 << 20) flushTrace()
    } }
  })
  const lab = new Labeller(io.out)
  s.onConsole((side, data) => {
    if (mode === 'both') lab.push(side, data)
    else if (side === mode) io.out(data)
  })
  const until = cfg.until!
  let stop = false
  const onSig = () => (stop = true)
  process.once('SIGINT', onSig)
  try {
    if (cfg.speed === 'max') s.run(until)
    else {
      const w0 = performance.now()
      while (!stop && s.sched.now < until) {
        s.run(Math.min(until, (performance.now() - w0) * 1e6 * (cfg.speed as number)))
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  } finally {
    process.off('SIGINT', onSig)
    if (mode === 'both') lab.end()
    flushTrace()
    if (fd !== null) closeSync(fd)
  }
  if (!f.has('quiet')) for (const l of explain(s)) io.err(`lab: ${l}\n`)
  return 0
}

export async function serve(f: Flags, io: Io): Promise<number> {
  const cfg = scenarioFrom(f, { speed: 1, until: null })
  const portS = one(f, 'port') ?? '4173'
  if (!/^\d+$/.test(portS) || Number(portS) > 65535) throw new CliError(`--port must be an integer 0..65535, got '${portS}'`)
  const host = one(f, 'host') ?? '127.0.0.1'
  const token = one(f, 'token')
  const { LabService } = await import('./service')
  const { startHost, isLoopbackHost } = await import('./ws-host')
  if (!isLoopbackHost(host) && !token) throw new CliError(`--host ${host} is not loopback: pass --token too`)
  const service = new LabService(cfg)
  const h = await startHost({ service, port: Number(portS), host, token, rendererDir: join(__dirname, '..', 'renderer') })
  service.start()
  io.out(`Virtio Serial Lab: ${h.url}\n`)
  await new Promise<void>((resolve) => {
    const done = () => resolve()
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  service.dispose()
  await h.close()
  return 0
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    const [cmd, ...rest] = argv
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.out(USAGE)
      return cmd === undefined ? 2 : 0
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(USAGE)
      return 0
    }
    if (cmd === 'run') return await run(parseFlags(rest, RUN_FLAGS), io)
    if (cmd === 'serve') return await serve(parseFlags(rest, SERVE_FLAGS), io)
    throw new CliError(`unknown command '${cmd}' (run, serve or --help)`)
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`virtio-lab: ${e.message}\n`)
      return 2
    }
    io.err(`virtio-lab: ${(e as Error).message ?? String(e)}\n`)
    return 1
  }
}
