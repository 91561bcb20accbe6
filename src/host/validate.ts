// One contract, one validation: every call that crosses a transport (Electron IPC 'lab:<method>'
// and the WebSocket host's /rpc) goes through dispatch() here before it reaches the LabService.
// Electron-free and DOM-free on purpose: src/main, src/host/ws-host and the tests import it.

import { z } from 'zod'
import { LAB_METHODS, type LabApi, type LabMethod } from '../shared/contract'
import { FAULT_KINDS, SCENARIO_LIMITS, SIDES, scenarioConfigSchema, scenarioPatchSchema, speedSchema, type ScenarioConfig } from '../shared/scenario'
import { describeValue, issueText, label, validatePatch, valueAt } from '../shared/scenario-check'

export { describeValue, scenarioConfigSchema, scenarioPatchSchema, speedSchema }

// ---- limits ------------------------------------------------------------------------------------

/** scenario limits come from the one scenario schema (src/shared/scenario.ts); the rest are the
 *  transport's own */
export const LIMITS = {
  ...SCENARIO_LIMITS,
  stepMax: 1_000_000,
  traceCountMax: 100_000,
  /** readShm: the contract caps len at 4096 */
  readShmLenMax: 4096,
  /** sendInput: characters (latin1 bytes) per call */
  inputMax: 65_536,
  /** exportBegin: display-filter length */
  filterMax: 4096
} as const

/** Thrown for an unknown method or invalid params; the message is meant for the user. */
export class LabRequestError extends Error {
  override name = 'LabRequestError'
}

// ---- schemas -----------------------------------------------------------------------------------

const intIn = (min: number, max: number) => z.number().int().min(min).max(max)

export const sideSchema = z.enum(SIDES)

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
  side: "'device' or 'driver'"
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
  /** the scenario schema's own messages (configure, control's speed) */
  scenario?: boolean
}

const METHOD_SPECS: Record<LabMethod, ParamSpec[]> = {
  getSnapshot: [],
  configure: [{ name: 'config', schema: scenarioPatchSchema, expect: 'an object with ScenarioConfig fields', scenario: true }],
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
  ],
  // cols/rows: le16 config fields (virtio 1.2 §5.3.4), 0 is no size; the code names the range error
  resizeConsole: [
    { name: 'side', schema: sideSchema, expect: "'device' or 'driver'" },
    { name: 'cols', schema: intIn(1, 0xffff), expect: 'an integer 1..65535 (CONSOLE_SIZE_RANGE)' },
    { name: 'rows', schema: intIn(1, 0xffff), expect: 'an integer 1..65535 (CONSOLE_SIZE_RANGE)' }
  ],
  compare: [],
  cancelCompare: [],
  exportBegin: [
    { name: 'filter', schema: z.string().max(LIMITS.filterMax), expect: `a display-filter string of at most ${LIMITS.filterMax} characters` },
    { name: 'format', schema: z.enum(['jsonl', 'csv']), expect: "'jsonl' or 'csv'" }
  ],
  exportNext: [{ name: 'id', schema: intIn(1, Number.MAX_SAFE_INTEGER), expect: 'an export id (an integer >= 1)' }],
  exportCancel: [{ name: 'id', schema: intIn(1, Number.MAX_SAFE_INTEGER), expect: 'an export id (an integer >= 1)' }],
  injectFault: [{ name: 'kind', schema: z.enum(FAULT_KINDS), expect: `one of ${FAULT_KINDS.join(', ')}` }]
}

// ---- messages ----------------------------------------------------------------------------------


function issueMessage(method: string, spec: ParamSpec, value: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path
  if (spec.scenario || (spec.name === 'command' && path[0] === 'speed')) return `${method}: ${issueText(issue, value).message}`
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
  const r = validatePatch(value)
  return r.ok ? r : { ok: false, message: `${context}: ${r.message}` }
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
