// virtio-lab: the headless lab.
//   virtio-lab run   [scenario flags] [--until 20s] [--console device|driver|both] [--trace FILE]
//   virtio-lab serve [scenario flags] [--port N] [--host 127.0.0.1] [--token T]
// Bad input: one line on stderr, exit 2. A completed run exits 0, also when the demo fails as it
// should (driver-first): that failure is the lab's result, not the tool's.

import { isIP } from 'node:net'
import { join } from 'node:path'
import type { ScenarioConfig, Side } from '../shared/contract'
import { LabSession } from '../lab/session'
import { DEFAULT_SCENARIO, FABRICS } from '../shared/scenario'
import { explain } from '../lab/explain'
import { compareProfiles, formatComparison } from '../lab/compare'
import { TraceFile } from './trace-file'
import { CliError, RUN_OPTIONS, SCENARIO_OPTIONS, SERVE_OPTIONS, one, parseFlags, scenarioFrom, usage, type CliOption, type Flags } from './cli-args'

export { CliError, scenarioFrom, usage }

export interface Io {
  /** console bytes, raw (a latin1 string: one char per byte) */
  out(s: string): void
  /** messages, UTF-8 */
  err(s: string): void
  /** help and notices on stdout, UTF-8 (defaults to out) */
  text?(s: string): void
}

const stdio: Io = {
  out: (s) => void process.stdout.write(s, 'latin1'),
  err: (s) => void process.stderr.write(s, 'utf8'),
  text: (s) => void process.stdout.write(s, 'utf8')
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
  // run also joins real fabrics (runReal below); so does serve (LabService.configure)
  const cfg = scenarioFrom(f, { speed: 'max', until: 20_000_000_000 }, FABRICS)
  const mode = one(f, 'console') ?? 'both'
  if (mode !== 'device' && mode !== 'driver' && mode !== 'both') throw new CliError(`--console must be device, driver or both, got '${mode}'`)
  if (f.has('stdin') && cfg.fabric === 'emulated')
    throw new CliError('--stdin applies to the attached and hosted fabrics (wall clock); an emulated run takes no typed input')
  if (cfg.fabric !== 'emulated') return runReal(cfg, mode, f, io)
  const tf = new TraceFile(one(f, 'trace'))
  const s = new LabSession(cfg, { trace: { sink: tf.sink } })
  // the scenario header (event 0) goes to the file before the run: a target that takes no
  // writes (a full disk, /dev/full) fails now, not after minutes of emulation
  s.start()
  try {
    tf.flush()
  } catch (e) {
    tf.close()
    throw e
  }
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
    tf.close()
  }
  if (!f.has('quiet')) for (const l of explain(s)) io.err(`lab: ${l}\n`)
  return 0
}

/** `--attach SOCKET` = `--fabric attached --socket SOCKET` (the spelling) */
function attachSugar(args: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--attach' && i + 1 < args.length) out.push('--fabric', 'attached', '--socket', args[++i]!)
    else if (a.startsWith('--attach=')) out.push('--fabric', 'attached', '--socket', a.slice('--attach='.length))
    else out.push(a)
  }
  return out
}

/** run on a real fabric (--fabric attached|hosted, --socket, --role): wall clock, src/host/attach-cmd.ts */
async function runReal(cfg: ScenarioConfig, mode: string, f: Flags, io: Io): Promise<number> {
  if (!cfg.socket) throw new CliError(`--socket: the ${cfg.fabric} fabric needs the ivshmem-server's socket path`)
  const { runAttached } = await import('./attach-cmd')
  const lab = new Labeller(io.out)
  const tf = new TraceFile(one(f, 'trace'))
  // a wall-clock run may last hours: the file follows along (tail -f), a write error ends it at the close
  let late: unknown = null
  const tick = setInterval(() => {
    try {
      if (late === null) tf.flush()
    } catch (e) {
      late = e
    }
  }, 500)
  try {
    const code = await runAttached({
      cfg,
      spec: { socket: cfg.socket, role: cfg.role, host: cfg.fabric === 'hosted', observe: true },
      until: cfg.until ?? null,
      console: (side, data) => (mode === 'both' ? lab.push(side, data) : side === mode && io.out(data)),
      err: io.err,
      quiet: f.has('quiet'),
      trace: tf.sink,
      input: f.has('stdin') ? process.stdin : undefined
    })
    if (mode === 'both') lab.end()
    if (late !== null) throw late
    return code
  } finally {
    clearInterval(tick)
    tf.close()
  }
}

export async function serve(f: Flags, io: Io): Promise<number> {
  // real fabrics too: the service joins (or hosts) the ivshmem-server before the page is served
  const cfg = scenarioFrom(f, { speed: 1, until: null }, FABRICS)
  const portS = one(f, 'port') ?? '4173'
  if (!/^\d+$/.test(portS) || Number(portS) > 65535) throw new CliError(`--port must be an integer 0..65535, got '${portS}'`)
  const host = one(f, 'host') ?? '127.0.0.1'
  if (!isHost(host)) throw new CliError(`--host must be an IP address or a host name, got '${host}'`)
  const token = one(f, 'token')
  const { LabService } = await import('./service')
  const { startHost } = await import('./ws-host')
  const { isLoopbackHost } = await import('./web/policy')
  if (!isLoopbackHost(host) && !token) throw new CliError(`--host ${host} is not loopback: pass --token too`)
  // the sockets the page may host or join: a per-user directory, --socket-dir, and the one given here
  const { SocketDirError, SocketPolicy, checkSocketDir, defaultSocketDir, guardSockets, prepareOwnSocketDir } = await import('./web/socket-policy')
  const dirs: string[] = []
  try {
    for (const d of f.get('socket-dir') ?? []) dirs.push(checkSocketDir(d))
  } catch (e) {
    throw e instanceof SocketDirError ? new CliError(e.message) : e
  }
  try {
    dirs.unshift(prepareOwnSocketDir(defaultSocketDir()))
  } catch (e) {
    if (!(e instanceof SocketDirError)) throw e
    if (!dirs.length) throw new CliError(`${e.message} (the page could host or join no socket)`)
    io.err(`virtio-lab: ${e.message}; only --socket-dir is allowed\n`)
  }
  const policy = new SocketPolicy(dirs, cfg.socket ? [cfg.socket] : [])
  const service = new LabService(cfg.fabric === 'emulated' ? cfg : { ...cfg, fabric: 'emulated', socket: null, role: DEFAULT_SCENARIO.role })
  if (cfg.fabric !== 'emulated') {
    const r = await service.configure(cfg)
    if (!r.ok) {
      service.dispose()
      throw new CliError(r.errors.map((e) => `--${e.field}: ${e.message}`).join('; '))
    }
  }
  let h: Awaited<ReturnType<typeof startHost>>
  try {
    h = await startHost({ service: guardSockets(service, policy), port: Number(portS), host, token, rendererDir: join(__dirname, '..', 'renderer') })
  } catch (e) {
    // the address or port given cannot be used: bad input, one line, exit 2
    service.dispose()
    throw new CliError((e as Error).message)
  }
  service.start()
  ;(io.text ?? io.out)(`Virtio Serial Lab: ${h.url}\n`)
  await new Promise<void>((resolve) => {
    const done = () => resolve()
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  service.dispose()
  await h.close()
  return 0
}

/** the same scenario in the seed and the spec profile: divergences with their quirk numbers */
export async function compare(f: Flags, io: Io): Promise<number> {
  const cfg = scenarioFrom(f, { speed: 'max', until: 20_000_000_000 })
  for (const l of formatComparison(compareProfiles(cfg, cfg.until ?? 20_000_000_000))) (io.text ?? io.out)(l + '\n')
  return 0
}

/** an IP literal (IPv6 maybe in brackets) or an RFC 1123 host name */
function isHost(h: string): boolean {
  if (isIP(h.replace(/^\[(.*)\]$/, '$1'))) return true
  return h.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i.test(h)
}

/** subcommands: each parses its own options (scenario options first) */
const COMMANDS: Record<string, { options: readonly CliOption[]; exec: (f: Flags, io: Io) => Promise<number> }> = {
  run: { options: [...SCENARIO_OPTIONS, ...RUN_OPTIONS], exec: run },
  serve: { options: [...SCENARIO_OPTIONS, ...SERVE_OPTIONS], exec: serve },
  compare: { options: SCENARIO_OPTIONS, exec: compare }
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const text = io.text ?? io.out
  try {
    const [cmd, ...rest] = argv
    if (cmd === undefined) {
      // no command is a usage error: the usage goes to stderr, exit 2 (README "CLI")
      io.err(usage())
      return 2
    }
    if (cmd === 'server') return await (await import('./server-cmd')).serverCmd(rest, io) // QEMU's own -X flags
    if (cmd === '--help' || cmd === '-h' || cmd === 'help' || rest.includes('--help') || rest.includes('-h')) {
      text(usage())
      return 0
    }
    const c = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined
    if (!c) throw new CliError(`unknown command '${cmd}' (${[...Object.keys(COMMANDS), 'server'].join(', ')} or --help)`)
    return await c.exec(parseFlags(attachSugar(rest), c.options), io)
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`virtio-lab: ${e.message}\n`)
      return 2
    }
    io.err(`virtio-lab: ${(e as Error).message ?? String(e)}\n`)
    return 1
  }
}
