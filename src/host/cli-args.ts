// The CLI's options, derived from the one scenario schema (src/shared/scenario.ts): flag names,
// parsing, limits, messages, --help and README's option table all come from the field table, plus
// a short table of the subcommands' own options.

import { DEFAULT_SCENARIO, FIELDS, SCENARIO_KEYS, type FabricKind, type ScenarioConfig, type ScenarioKey } from '../shared/scenario'
import { parseFieldText } from '../shared/scenario-check'
import { resolveScenario } from '../lab/config'

/** bad input: one line on stderr, exit 2 */
export class CliError extends Error {}

export type Flags = Map<string, string[]>

/** an option of a subcommand that is not a scenario field */
export interface CliOption {
  flag: string
  metavar?: string
  help: string
  boolean?: boolean
}

export const RUN_OPTIONS: readonly CliOption[] = [
  { flag: 'console', metavar: 'device|driver|both', help: "device: exactly the bytes instance_1's UART emitted; driver: the lab's diagnostic log for instance_2 (the real one has no console), every line starting with [lab]; both: each line labelled (default)" },
  { flag: 'trace', metavar: 'FILE', help: 'write every event as JSON Lines (stores, doorbells, interrupts, descriptors, console bytes)' },
  { flag: 'quiet', help: "do not print the lab's explanation on stderr", boolean: true },
  { flag: 'stdin', help: "attached and hosted fabrics: what arrives on stdin is typed into the console of this process's side (the device for --role device or both); with --profile spec the driver's shell answers", boolean: true }
]

export const SERVE_OPTIONS: readonly CliOption[] = [
  { flag: 'port', metavar: 'N', help: 'default 4173 (0 = any free port)' },
  { flag: 'host', metavar: 'ADDR', help: 'default 127.0.0.1; any other address needs --token' },
  { flag: 'token', metavar: 'T', help: 'access token for the page and the WebSocket' },
  {
    flag: 'socket-dir',
    metavar: 'DIR',
    help: 'a directory whose ivshmem sockets the page may host or join (repeatable; default $XDG_RUNTIME_DIR/virtio-lab, else <tmp>/virtio-lab-<uid>); others are refused with SOCKET_NOT_ALLOWED'
  }
]

/** the scenario fields as CLI options, in table order */
export const SCENARIO_OPTIONS: readonly (CliOption & { key: ScenarioKey })[] = SCENARIO_KEYS.map((key) => {
  const f = FIELDS[key] as { flag: string; metavar: string; help: string }
  return { key, flag: f.flag, metavar: f.metavar, help: f.help }
})

const KEY_OF_FLAG = new Map(SCENARIO_OPTIONS.map((o) => [o.flag, o.key]))
export const flagOf = (key: ScenarioKey): string => (FIELDS[key] as { flag: string }).flag

export function parseFlags(args: readonly string[], options: readonly CliOption[]): Flags {
  const byName = new Map(options.map((o) => [o.flag, o]))
  const f: Flags = new Map()
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (!a.startsWith('--')) throw new CliError(`unexpected argument '${a}'`)
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    let value = inline
    const o = byName.get(name)
    if (!o) throw new CliError(`unknown option --${name}`)
    if (o.boolean) {
      if (value !== undefined) throw new CliError(`--${name} takes no value`)
      value = ''
    } else if (value === undefined) {
      value = args[++i]
      if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value`)
    }
    const key = KEY_OF_FLAG.get(name)
    const repeatable = key !== undefined && (FIELDS[key] as { repeatable?: boolean }).repeatable
    if (f.has(name) && !repeatable) throw new CliError(`--${name} given more than once`)
    f.set(name, [...(f.get(name) ?? []), value])
  }
  return f
}

export function one(f: Flags, name: string): string | undefined {
  return f.get(name)?.[0]
}

/** The scenario from the flags given; `defaults` fills what the command defaults differently
 *  (run: speed max, until 20s) where the user left it out. */
export function scenarioFrom(f: Flags, defaults: Partial<ScenarioConfig> = {}, fabrics?: readonly FabricKind[]): ScenarioConfig {
  const p: Partial<Record<ScenarioKey, unknown>> = {}
  for (const o of SCENARIO_OPTIONS) {
    const v = f.get(o.flag)
    if (v === undefined) continue
    const r = parseFieldText(o.key, v.join(','))
    if (!r.ok) throw new CliError(`--${o.flag}: ${r.message}`)
    p[o.key] = r.value
  }
  const given = p as Partial<ScenarioConfig>
  const real = (given.fabric ?? DEFAULT_SCENARIO.fabric) !== 'emulated'
  const d: Partial<ScenarioConfig> = {}
  // virtual-time defaults of a subcommand do not apply on a real fabric (wall clock)
  for (const [k, v] of Object.entries(defaults) as [ScenarioKey, never][])
    if (!(real && (FIELDS[k] as { emulatedOnly?: boolean }).emulatedOnly)) d[k] = v
  const r = resolveScenario({ ...d, ...given }, DEFAULT_SCENARIO, fabrics)
  if (!r.ok) {
    const e = r.errors[0]!
    throw new CliError(`--${flagOf(e.field)}: ${e.message}`)
  }
  return r.config
}

// ---- help ---------------------------------------------------------------------------------------

const COL = 31
function helpLine(o: CliOption): string {
  const left = `  --${o.flag}${o.metavar ? ' ' + o.metavar : ''}`
  return left.length < COL ? `${left.padEnd(COL)}${o.help}\n` : `${left}\n${' '.repeat(COL)}${o.help}\n`
}

export function usage(): string {
  return (
    'virtio-lab — Virtio Serial Lab, headless\n\n' +
    'Usage:\n' +
    '  virtio-lab run   [options]   run a scenario, print console output\n' +
    '  virtio-lab serve [options]   serve the lab UI and service over HTTP/WebSocket\n' +
    '  virtio-lab compare [options] the scenario in the seed and the spec profile: where they diverge\n' +
    '  virtio-lab server [-S path] [-l size] [-n vectors] [-M name] [-F] [-v]\n' +
    '                               an ivshmem-server (QEMU\'s protocol); virtio-lab server --help\n' +
    '  virtio-lab --help\n\n' +
    'Scenario options (run and serve):\n' +
    SCENARIO_OPTIONS.map(helpLine).join('') +
    '\nrun options:\n' +
    RUN_OPTIONS.map(helpLine).join('') +
    '  --attach SOCKET                same as --fabric attached --socket SOCKET (wall clock)\n' +
    '\nserve options:\n' +
    SERVE_OPTIONS.map(helpLine).join('') +
    '\nTIME: 20s, 1500ms, 250us, 2m, 1h (at most 8760h). SIZE: 64K, 4M, 1G, 0x400000 or bytes.\n' +
    'Bad input: one line on stderr, exit 2.\n'
  )
}

/** README's option table (checked against README by tests/host/readme-cli.test.ts) */
export function readmeTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|')
  const rows = [...SCENARIO_OPTIONS, ...RUN_OPTIONS.map((o) => ({ ...o, help: `run: ${o.help}` })), ...SERVE_OPTIONS.map((o) => ({ ...o, help: `serve: ${o.help}` }))]
  return ['| option | meaning |', '|---|---|', ...rows.map((o) => `| \`--${o.flag}${o.metavar ? ' ' + cell(o.metavar) : ''}\` | ${cell(o.help)} |`)].join('\n') + '\n'
}

const TABLE_BEGIN = /<!-- cli-table:begin[^>]*-->\n/
const TABLE_END = '<!-- cli-table:end -->'

/** README with its option table regenerated (scripts/readme-cli.ts writes it back) */
export function readmeWithTable(readme: string): string {
  const b = TABLE_BEGIN.exec(readme)
  const e = readme.indexOf(TABLE_END)
  if (!b || e < b.index) throw new Error('README.md has no <!-- cli-table:begin --> ... <!-- cli-table:end --> block')
  return readme.slice(0, b.index + b[0].length) + readmeTable() + readme.slice(e)
}
