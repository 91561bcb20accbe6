// One contract, one validation: every call that crosses a transport (Electron IPC 'lab:<method>'
// and the WebSocket host's /rpc) goes through dispatch() here before it reaches the LabService.
// Electron-free and DOM-free on purpose: src/main, src/host/ws-host and the tests import it.

import { z } from 'zod'
import { isPow2 } from '../sim/shm'
import { FAULT_KINDS, LAB_METHODS, type LabApi, type LabMethod, type ScenarioConfig } from '../shared/contract'

// ---- limits ------------------------------------------------------------------------------------

export const LIMITS = {
  vectorsMin: 1,
  vectorsMax: 64,
  shmSizeMin: 64 * 1024,
  shmSizeMax: 1024 * 1024 * 1024,
  speedMin: 0.01,
  speedMax: 10_000,
  // time bounds mirror src/lab/config.ts (checkScenario), which owns the semantic rules
  /** doorbell delivery latency: up to 1 s of virtual time */
  latencyMaxNs: 1_000_000_000,
  /** gap between the two guests' starts: up to a year of virtual time */
  gapMaxNs: 365 * 24 * 3600 * 1_000_000_000,
  /** any virtual instant (until, restart.at): up to a year */
  timeMaxNs: 365 * 24 * 3600 * 1_000_000_000,
  restartsMax: 32,
  stepMax: 1_000_000,
  traceCountMax: 100_000,
  /** readShm: the contract caps len at 4096 */
  readShmLenMax: 4096,
  /** sendInput: characters (latin1 bytes) per call */
  inputMax: 65_536
} as const

/** Thrown for an unknown method or invalid params; the message is meant for the user. */
export class LabRequestError extends Error {
  override name = 'LabRequestError'
}

// ---- schemas -----------------------------------------------------------------------------------


const intIn = (min: number, max: number) => z.number().int().min(min).max(max)

export const sideSchema = z.enum(['device', 'driver'])
export const orderSchema = z.enum(['device-first', 'driver-first', 'device-only', 'driver-only'])
export const profileSchema = z.enum(['seed', 'spec'])
export const shmStateSchema = z.enum(['fresh', 'leftover'])
export const speedSchema = z.union([
  z.literal('max'),
  z.number().min(LIMITS.speedMin).max(LIMITS.speedMax)
])
export const restartSchema = z.strictObject({
  side: sideSchema,
  at: intIn(0, LIMITS.timeMaxNs)
})

export const faultSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  at: intIn(0, LIMITS.timeMaxNs)
})

const scenarioShape = {
  profile: profileSchema,
  order: orderSchema,
  vectors: intIn(LIMITS.vectorsMin, LIMITS.vectorsMax),
  shmSize: intIn(LIMITS.shmSizeMin, LIMITS.shmSizeMax).refine(isPow2),
  shmState: shmStateSchema,
  speed: speedSchema,
  latency: intIn(0, LIMITS.latencyMaxNs),
  gap: intIn(0, LIMITS.gapMaxNs),
  until: intIn(1, LIMITS.timeMaxNs).nullable(),
  restarts: z.array(restartSchema).max(LIMITS.restartsMax),
  faults: z.array(faultSchema).max(64).optional(),
  driverBase: intIn(1, 2 ** 48),
  deviceBase: intIn(1, 2 ** 48)
}

/** A complete ScenarioConfig. */
export const scenarioConfigSchema: z.ZodType<ScenarioConfig> = z.strictObject(scenarioShape)
/** Partial<ScenarioConfig>, as configure() takes it; unknown fields are refused. */
export const scenarioPatchSchema: z.ZodType<Partial<ScenarioConfig>> = z.strictObject(scenarioShape).partial()

const CONFIG_EXPECT: Record<string, string> = {
  '': 'an object with ScenarioConfig fields',
  profile: "'seed' or 'spec'",
  order: "one of 'device-first', 'driver-first', 'device-only', 'driver-only'",
  vectors: `an integer ${LIMITS.vectorsMin}..${LIMITS.vectorsMax}`,
  shmSize: 'a power of two from 65536 (64 KiB) to 1073741824 (1 GiB)',
  shmState: "'fresh' or 'leftover'",
  speed: `'max' or a number ${LIMITS.speedMin}..${LIMITS.speedMax}`,
  latency: `an integer number of ns 0..${LIMITS.latencyMaxNs}`,
  gap: `an integer number of ns 0..${LIMITS.gapMaxNs}`,
  until: `null or an integer number of ns 1..${LIMITS.timeMaxNs}`,
  restarts: `an array of at most ${LIMITS.restartsMax} { side, at } entries`,
  'restarts.*': 'an object { side, at }',
  faults: 'an array of at most 64 { kind, at } entries',
  'faults.*': `an object { kind, at } with kind one of ${FAULT_KINDS.join(', ')}`,
  'restarts.*.side': "'device' or 'driver'",
  'restarts.*.at': `an integer number of ns 0..${LIMITS.timeMaxNs}`
}

const controlSchema = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('start') }),
  z.strictObject({ cmd: z.literal('pause') }),
  z.strictObject({ cmd: z.literal('resume') }),
  z.strictObject({ cmd: z.literal('step'), count: intIn(1, LIMITS.stepMax).optional() }),
  z.strictObject({ cmd: z.literal('reset') }),
  z.strictObject({ cmd: z.literal('restart'), side: sideSchema }),
  z.strictObject({ cmd: z.literal('speed'), speed: speedSchema })
])

const CONTROL_EXPECT: Record<string, string> = {
  '': 'an object { cmd, ... }',
  cmd: "one of 'start', 'pause', 'resume', 'step', 'reset', 'restart', 'speed'",
  count: `an integer 1..${LIMITS.stepMax}`,
  side: "'device' or 'driver'",
  speed: CONFIG_EXPECT.speed
}

// latin1 only: the consoles carry bytes as a latin1 string
// eslint-disable-next-line no-control-regex
const latin1 = z.string().max(LIMITS.inputMax).regex(/^[\u0000-\u00ff]*$/)

interface ParamSpec {
  name: string
  schema: z.ZodType
  expect: string
  /** expectations by field path ('' = the param itself); when set, errors name the field only */
  fields?: Record<string, string>
}

const METHOD_SPECS: Record<LabMethod, ParamSpec[]> = {
  getSnapshot: [],
  configure: [{ name: 'config', schema: scenarioPatchSchema, expect: CONFIG_EXPECT[''], fields: CONFIG_EXPECT }],
  control: [{ name: 'command', schema: controlSchema, expect: CONTROL_EXPECT[''], fields: CONTROL_EXPECT }],
  sendInput: [
    { name: 'side', schema: sideSchema, expect: "'device' or 'driver'" },
    { name: 'data', schema: latin1, expect: `a latin1 string of at most ${LIMITS.inputMax} characters` }
  ],
  getTrace: [
    { name: 'from', schema: intIn(0, Number.MAX_SAFE_INTEGER), expect: 'an integer >= 0' },
    { name: 'count', schema: intIn(0, LIMITS.traceCountMax), expect: `an integer 0..${LIMITS.traceCountMax}` }
  ],
  snapshotAt: [{ name: 'i', schema: intIn(0, Number.MAX_SAFE_INTEGER), expect: 'an integer trace index >= 0' }],
  readShm: [
    { name: 'off', schema: intIn(0, LIMITS.shmSizeMax), expect: `an integer 0..${LIMITS.shmSizeMax}` },
    { name: 'len', schema: intIn(0, LIMITS.readShmLenMax), expect: `an integer 0..${LIMITS.readShmLenMax}` }
  ],
  consoleSince: [
    { name: 'side', schema: sideSchema, expect: "'device' or 'driver'" },
    { name: 'seq', schema: intIn(0, Number.MAX_SAFE_INTEGER), expect: 'an integer >= 0' }
  ]
}

// ---- messages ----------------------------------------------------------------------------------

/** A short, safe rendering of a received value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'function') return 'a function'
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = Object.prototype.toString.call(v)
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    if (typeof k === 'symbol' || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined
    cur = (cur as Record<string, unknown>)[k as string]
  }
  return cur
}

function label(path: readonly PropertyKey[]): string {
  let s = ''
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? String(k) : `.${String(k)}`
  return s
}

function issueMessage(method: string, spec: ParamSpec, value: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path
  if (issue.code === 'unrecognized_keys') {
    const at = path.length ? ` in ${label(path)}` : ''
    const keys = issue.keys.map((k) => `'${k}'`).join(', ')
    return `${method}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${at}`
  }
  if (spec.fields) {
    const key = path.map((k) => (typeof k === 'number' ? '*' : String(k))).join('.')
    const expect = spec.fields[key] ?? issue.message
    const what = path.length ? label(path) : spec.name
    return `${method}: ${what} must be ${expect} (got ${describeValue(valueAt(value, path))})`
  }
  return `${method}: ${spec.name} must be ${spec.expect} (got ${describeValue(value)})`
}

// ---- API ---------------------------------------------------------------------------------------

export function isLabMethod(m: unknown): m is LabMethod {
  return typeof m === 'string' && (LAB_METHODS as readonly string[]).includes(m)
}

/**
 * Validates a call and returns its positional arguments, ready to apply to a LabApi method.
 * Throws LabRequestError with a specific message otherwise.
 */
export function validateCall(method: unknown, params: unknown): { method: LabMethod; args: unknown[] } {
  if (!isLabMethod(method)) {
    throw new LabRequestError(
      `unknown method ${describeValue(method)} (expected one of ${LAB_METHODS.join(', ')})`
    )
  }
  const specs = METHOD_SPECS[method]
  const list = params === undefined && specs.length === 0 ? [] : params
  if (!Array.isArray(list)) {
    throw new LabRequestError(`${method}: params must be an array of positional arguments (got ${describeValue(params)})`)
  }
  if (list.length !== specs.length) {
    const names = specs.map((s) => s.name).join(', ')
    throw new LabRequestError(
      `${method}: expected ${specs.length} param${specs.length === 1 ? '' : 's'}${names ? ` (${names})` : ''}, got ${list.length}`
    )
  }
  const args: unknown[] = []
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]
    const r = spec.schema.safeParse(list[i])
    if (!r.success) throw new LabRequestError(issueMessage(method, spec, list[i], r.error.issues[0]))
    args.push(r.data)
  }
  return { method, args }
}

/** Validates a scenario patch; returns the parsed value or a user-facing message. */
export function parseScenarioPatch(
  value: unknown,
  context = 'configure'
): { ok: true; value: Partial<ScenarioConfig> } | { ok: false; message: string } {
  const r = scenarioPatchSchema.safeParse(value)
  if (r.success) return { ok: true, value: r.data }
  const spec = METHOD_SPECS.configure[0]
  return { ok: false, message: issueMessage(context, spec, value, r.error.issues[0]) }
}

/**
 * The one entry point of both transports: rejects unknown methods and invalid params with a
 * LabRequestError, otherwise calls the service and resolves to its result.
 */
export async function dispatch(service: LabApi, method: string, params: unknown): Promise<unknown> {
  const call = validateCall(method, params)
  const fn = service[call.method] as (...a: unknown[]) => Promise<unknown>
  return await fn.apply(service, call.args)
}
