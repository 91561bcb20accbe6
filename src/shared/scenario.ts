// The one scenario schema. Every entry point derives from the field table below: the CLI's flags,
// their parsing and --help (src/host/cli.ts), configure's payload validation (src/host/validate.ts),
// the semantic check (src/lab/config.ts), the settings file (src/main/settings.ts), trace headers
// (LabService.loadTrace) and the Controls form (src/renderer). Adding a field = one descriptor here.
// Runs in the renderer too: zod and plain TypeScript only, no Node imports.

import { z } from 'zod'
import type { Side } from '../sim/types'
import { PROFILE_NAMES, type ProfileName } from '../profiles/names'

export { PROFILE_NAMES }
export type { ProfileName, Side }
export * from './scenario-text'
import {
  FABRICS,
  FAULT_KINDS,
  MAX_TIME_NS,
  NS,
  ORDERS,
  ROLES,
  SCENARIO_LIMITS,
  SHM_STATES,
  SIDES,
  bad,
  fmtAddr,
  fmtDuration,
  fmtSize,
  fmtTimeLimit,
  ok,
  parseAddr,
  parseDuration,
  parseFault,
  parseRestart,
  parseSize,
  parseSpeed,
  type FabricKind,
  type FaultSpec,
  type Order,
  type Parsed,
  type RestartSpec,
  type Role,
  type ShmState,
  type Speed
} from './scenario-text'
const L = SCENARIO_LIMITS


// ---- descriptors --------------------------------------------------------------------------------

/** how the Controls form shows a field */
export type ControlKind = 'select' | 'text' | 'speed'

export interface FieldDesc<T> {
  /** --flag (run and serve) */
  flag: string
  metavar: string
  /** one line for --help and README */
  help: string
  unit?: 'ns' | 'bytes' | 'address' | 'factor'
  /** short label of the form control */
  label: string
  control: ControlKind
  choices?: readonly string[]
  /** the flag may repeat; each occurrence is one list item (restarts) */
  repeatable?: boolean
  /** meaningful on the emulated fabric only (virtual time); refused on real fabrics (docs/architecture.md#time) */
  emulatedOnly?: boolean
  /** meaningful on attached/hosted fabrics only; the form shows it only there */
  realFabricOnly?: boolean
  /** values the form offers (a datalist), the text stays free */
  suggest?: readonly string[]
  /** form hint: what to type, and how wide the text box is */
  placeholder?: string
  width?: 'short' | 'medium' | 'long'
  default: T
  /** value checks with readable messages that name the field and the limit */
  schema: z.ZodType<T>
  /** text -> value, syntax only (limits are the schema's) */
  parse(text: string): Parsed<T>
  format(v: T): string
}

const field = <T>(d: FieldDesc<T>): FieldDesc<T> => d

const choice = <T extends string>(key: string, values: readonly T[]) =>
  z.enum(values as unknown as [T, ...T[]], { error: `${key} must be one of ${values.join(', ')}` })

function int(key: string, min: number, max: number, show: (v: number) => string = String, what = 'a whole number') {
  // Number.isInteger, not z.int(): a year in ns (3.15e16) is past 2^53, which z.int() refuses
  return z
    .number({ error: `${key} must be ${what}` })
    .min(min, { error: `${key} must be at least ${show(min)}` })
    .max(max, { error: `${key} must be at most ${show(max)}` })
    .refine(Number.isInteger, { error: `${key} must be ${what}` })
}

const time = (key: string, min: number, max: number) => int(key, min, max, fmtTimeLimit, 'a whole number of ns')

function enumField<T extends string>(key: string, values: readonly T[], d: Omit<FieldDesc<T>, 'schema' | 'parse' | 'format' | 'control' | 'choices' | 'metavar'> & { metavar?: string }): FieldDesc<T> {
  return field<T>({
    metavar: values.join('|'),
    ...d,
    control: 'select',
    choices: values,
    schema: choice(key, values),
    parse: (t) => ((values as readonly string[]).includes(t.trim()) ? ok(t.trim() as T) : bad(`${key} must be one of ${values.join(', ')}`)),
    format: (v) => v
  })
}

function durationField(key: string, min: number, max: number, d: Pick<FieldDesc<number>, 'flag' | 'help' | 'label' | 'default' | 'emulatedOnly'>): FieldDesc<number> {
  return field<number>({
    ...d,
    metavar: 'TIME',
    unit: 'ns',
    control: 'text',
    schema: time(key, min, max),
    parse: (t) => {
      const v = parseDuration(t)
      return v === null ? bad(`${key} must be a time like 20s, 500ms, 250us`) : ok(v)
    },
    format: fmtDuration
  })
}

function baseField(key: 'driverBase' | 'deviceBase', d: Pick<FieldDesc<number>, 'flag' | 'help' | 'label'>): FieldDesc<number> {
  return field<number>({
    ...d,
    metavar: 'VA',
    unit: 'address',
    control: 'text',
    width: 'medium',
    default: 0xafa00000,
    schema: int(key, L.baseMin, L.vaTop - L.shmSizeMin, fmtAddr, 'a whole-number address').refine((v) => v % 4096 === 0, {
      error: `${key} must be 4 KiB-aligned (a multiple of 0x1000)`
    }),
    parse: (t) => {
      const v = parseAddr(t)
      return v === null ? bad(`${key} must be an address like 0xafa00000`) : ok(v)
    },
    format: fmtAddr
  })
}

const restartSchema = z.strictObject(
  {
    side: choice('restart side', SIDES),
    at: time('restart time', 0, MAX_TIME_NS)
  },
  { error: 'restarts must hold { side, at } entries' }
)

export const FIELDS = {
  profile: enumField<ProfileName>('profile', PROFILE_NAMES, {
    flag: 'profile',
    label: 'profile',
    default: 'seed',
    help: 'seed: byte-compatible with the Zephyr/OpenAMP demo (default); spec: virtio 1.2, where built in'
  }),
  fabric: enumField<FabricKind>('fabric', FABRICS, {
    flag: 'fabric',
    label: 'fabric',
    default: 'emulated',
    help: 'emulated: in process, virtual time (default); attached/hosted: a real ivshmem-server (native addon)'
  }),
  socket: field<string | null>({
    flag: 'socket',
    metavar: 'PATH',
    label: 'socket',
    control: 'text',
    realFabricOnly: true,
    placeholder: '/tmp/ivshmem_socket',
    width: 'long',
    default: null,
    help: "the ivshmem-server's Unix socket (attached: join it; hosted: create it)",
    schema: z
      .string({ error: 'socket must be a path or null' })
      .min(1, { error: 'socket must not be empty (use null for none)' })
      .max(L.socketMax, { error: `socket must be at most ${L.socketMax} bytes (sun_path)` })
      .nullable(),
    parse: (t) => ok(t.trim() === '' ? null : t),
    format: (v) => v ?? ''
  }),
  role: enumField<Role>('role', ROLES, {
    flag: 'role',
    label: 'role',
    default: 'both',
    realFabricOnly: true,
    help: 'which side(s) this process runs on a real fabric (default both)'
  }),
  order: enumField<Order>('order', ORDERS, {
    flag: 'order',
    metavar: 'ORDER',
    label: 'start order',
    default: 'device-first',
    help: 'device-first (default, works) | driver-first (fails, as in reality) | device-only | driver-only'
  }),
  vectors: field<number>({
    flag: 'vectors',
    metavar: 'N',
    label: 'vectors',
    control: 'text',
    default: 2,
    help: 'ivshmem-server -n: vectors per peer, 1..64 (default 2)',
    schema: int('vectors', L.vectorsMin, L.vectorsMax),
    parse: (t) => (/^\s*\d+\s*$/.test(t) ? ok(Number(t)) : bad('vectors must be a whole number')),
    format: String
  }),
  shmSize: field<number>({
    flag: 'shm-size',
    metavar: 'SIZE',
    unit: 'bytes',
    label: 'shm size',
    control: 'text',
    suggest: Array.from({ length: 15 }, (_, i) => fmtSize(L.shmSizeMin << i)),
    default: 4 * 1024 ** 2,
    help: 'ivshmem-server -l: a power of two, 64K..1G, e.g. 4M (default) or 0x400000',
    schema: int('shmSize', L.shmSizeMin, L.shmSizeMax, fmtSize, 'a whole number of bytes').refine((v) => v > 0 && (v & (v - 1)) === 0, {
      error: 'shmSize must be a power of two (ivshmem-server -l)'
    }),
    parse: (t) => {
      const v = parseSize(t)
      return v === null ? bad('shmSize must be a size like 4M, 64K, 1G or 0x400000') : ok(v)
    },
    format: fmtSize
  }),
  shmState: enumField<ShmState>('shmState', SHM_STATES, {
    flag: 'shm-state',
    label: 'shm state',
    default: 'fresh',
    help: "leftover = the registers an earlier run left in the server's shm object (after a SIGKILL or crash)"
  }),
  latency: durationField('latency', 0, L.latencyMaxNs, {
    flag: 'latency',
    label: 'latency',
    default: 20 * NS.us,
    emulatedOnly: true,
    help: 'doorbell delivery latency, 0..1s (default 20us)'
  }),
  gap: durationField('gap', 0, MAX_TIME_NS, {
    flag: 'gap',
    label: 'gap',
    default: NS.s,
    help: 'time between the first and the second start (default 1s)'
  }),
  until: field<number | null>({
    flag: 'until',
    metavar: 'TIME',
    unit: 'ns',
    label: 'until',
    control: 'text',
    placeholder: '∞',
    default: null,
    help: 'stop at this virtual time (run: default 20s; serve and the app: never)',
    schema: time('until', 1, MAX_TIME_NS).nullable(),
    parse: (t) => {
      if (/^\s*(never|none|∞)?\s*$/i.test(t)) return ok(null)
      const v = parseDuration(t)
      return v === null ? bad('until must be a time like 20s, or empty for never') : ok(v)
    },
    format: (v) => (v === null ? '' : fmtDuration(v))
  }),
  restarts: field<RestartSpec[]>({
    flag: 'restart',
    metavar: 'SIDE@TIME',
    label: 'restarts',
    control: 'text',
    placeholder: 'driver@12s, …',
    width: 'long',
    repeatable: true,
    default: [],
    help: 'power-cycle a side, e.g. driver@12s (repeatable; at most 32)',
    schema: z
      .array(restartSchema, { error: 'restarts must be a list' })
      .max(L.restartsMax, { error: `restarts must have at most ${L.restartsMax} entries` }),
    parse: (t) => {
      const out: RestartSpec[] = []
      const items = t.split(/[\s,]+/).filter(Boolean)
      for (const item of items) {
        const r = parseRestart(item)
        if (!r) return bad(`restarts must be device@TIME or driver@TIME, like driver@12s${items.length > 1 ? ` ('${item}')` : ''}`)
        out.push(r)
      }
      return ok(out)
    },
    format: (v) => v.map((r) => `${r.side}@${fmtDuration(r.at)}`).join(', ')
  }),
  faults: field<FaultSpec[]>({
    flag: 'fault',
    metavar: 'KIND@TIME',
    label: 'faults',
    control: 'text',
    placeholder: 'bad-head@3s, …',
    width: 'long',
    repeatable: true,
    default: [],
    help: `inject a fault at a time after the start (virtual; wall clock on attached/hosted fabrics, in the process that runs the side it acts on), e.g. bad-head@3s (repeatable): ${FAULT_KINDS.join(', ')} (docs/spec-profile.md §7)`,
    schema: z
      .array(
        z.strictObject(
          { kind: choice('fault kind', FAULT_KINDS), at: time('fault time', 0, MAX_TIME_NS) },
          { error: 'faults must hold { kind, at } entries' }
        ),
        { error: 'faults must be a list' }
      )
      .max(L.faultsMax, { error: `faults must have at most ${L.faultsMax} entries` }),
    parse: (t) => {
      const out: FaultSpec[] = []
      const items = t.split(/[\s,]+/).filter(Boolean)
      for (const item of items) {
        const f = parseFault(item)
        if (!f) return bad(`faults must be KIND@TIME like bad-head@3s, KIND one of ${FAULT_KINDS.join(', ')}${items.length > 1 ? ` ('${item}')` : ''}`)
        out.push(f)
      }
      return ok(out)
    },
    format: (v) => v.map((f) => `${f.kind}@${fmtDuration(f.at)}`).join(', ')
  }),
  driverBase: baseField('driverBase', {
    flag: 'driver-base',
    label: 'driver VA',
    help: 'where the driver maps BAR2 (default 0xafa00000); the seed needs both bases equal (Q11)'
  }),
  deviceBase: baseField('deviceBase', {
    flag: 'device-base',
    label: 'device VA',
    help: 'where the device maps BAR2 (default 0xafa00000)'
  }),
  cpuScale: field<number>({
    flag: 'cpu-scale',
    metavar: 'N',
    unit: 'factor',
    label: 'CPU time',
    control: 'text',
    suggest: ['0', '1', '10', '100'],
    default: 0,
    emulatedOnly: true,
    help: `guest CPU time per shm access and code block: 0 = none (default; the golden timing), 1 = a Cortex-A53 under QEMU TCG, up to ${L.cpuScaleMax} (docs/wire-protocol.md#cpu-time)`,
    schema: z
      .number({ error: 'cpuScale must be a number' })
      .min(0, { error: 'cpuScale must be at least 0' })
      .max(L.cpuScaleMax, { error: `cpuScale must be at most ${L.cpuScaleMax}` }),
    parse: (t) => (/^\s*\d+(\.\d+)?\s*$/.test(t) ? ok(Number(t)) : bad('cpuScale must be a number like 0, 1 or 2.5')),
    format: String
  }),
  speed: field<Speed>({
    flag: 'speed',
    metavar: 'max|N',
    unit: 'factor',
    label: 'speed',
    control: 'speed',
    choices: ['1', '10', '100', 'max'],
    default: 1,
    emulatedOnly: true,
    help: 'virtual seconds per wall second, 0.01..10000 or max (run: default max; serve: 1)',
    schema: z
      .union([z.literal('max'), z.number()], { error: "speed must be 'max' or a number" })
      .refine((v) => v === 'max' || v >= L.speedMin, { error: `speed must be at least ${L.speedMin}` })
      .refine((v) => v === 'max' || v <= L.speedMax, { error: `speed must be at most ${L.speedMax}` }),
    parse: (t) => {
      const v = parseSpeed(t)
      return v === null ? bad("speed must be 'max' or a number like 1, 10, ×100") : ok(v)
    },
    format: (v) => String(v)
  })
}

export type ScenarioKey = keyof typeof FIELDS
type ValueOf<F> = F extends FieldDesc<infer T> ? T : never
export type ScenarioConfig = { [K in ScenarioKey]: ValueOf<(typeof FIELDS)[K]> }
export const SCENARIO_KEYS = Object.keys(FIELDS) as ScenarioKey[]

export interface ConfigError {
  field: ScenarioKey
  message: string
}
export type ConfigureResult = { ok: true; config: ScenarioConfig } | { ok: false; errors: ConfigError[] }

/** every field's default */
export const DEFAULT_SCENARIO: ScenarioConfig = Object.freeze(
  Object.fromEntries(SCENARIO_KEYS.map((k) => [k, FIELDS[k].default])) as ScenarioConfig
)

const shape = Object.fromEntries(SCENARIO_KEYS.map((k) => [k, FIELDS[k].schema])) as Record<ScenarioKey, z.ZodType>
/** a complete ScenarioConfig; unknown keys refused */
export const scenarioConfigSchema = z.strictObject(shape, { error: 'a scenario must be an object' }) as unknown as z.ZodType<ScenarioConfig>
/** Partial<ScenarioConfig>, as configure() and settings take it; unknown keys refused */
export const scenarioPatchSchema = z.strictObject(shape, { error: 'a scenario must be an object' }).partial() as unknown as z.ZodType<Partial<ScenarioConfig>>
export const restartEntrySchema = restartSchema
export const speedSchema = FIELDS.speed.schema

