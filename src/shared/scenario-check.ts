// Checks derived from the scenario field table (scenario.ts): values (configure, settings, trace
// headers), texts (CLI flags, the Controls form) and the combinations that make no sense. Every
// message names the field and the limit; the same value gets the same message on every path.
// Renderer-safe: no Node imports.

import type { z } from 'zod'
import {
  FIELDS,
  SCENARIO_KEYS,
  SCENARIO_LIMITS,
  scenarioPatchSchema,
  type ConfigError,
  type Parsed,
  type ScenarioConfig,
  type ScenarioKey
} from './scenario'

/** A short, safe rendering of a received value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'function') return 'a function'
  if (Array.isArray(v) && v.length > 3) return `${v.length} entries`
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = Object.prototype.toString.call(v)
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** the value at a zod issue's path, or undefined (own properties only) */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    if (typeof k === 'symbol' || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined
    cur = (cur as Record<string, unknown>)[k as string]
  }
  return cur
}

/** a zod issue's path as people write it: restarts[1].side */
export function label(path: readonly PropertyKey[]): string {
  let s = ''
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? String(k) : `.${String(k)}`
  return s
}

const isKey = (k: unknown): k is ScenarioKey => typeof k === 'string' && (SCENARIO_KEYS as string[]).includes(k)

/** one zod issue as "<field> must be <rule> (got <value>)"; `got` overrides the shown value */
export function issueText(issue: z.core.$ZodIssue, root: unknown, got?: string): ConfigError | { field: null; message: string } {
  const path = issue.path
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ')
    return { field: null, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${path.length ? ` in ${label(path)}` : ''}` }
  }
  const where = path.length > 1 ? `${label(path)}: ` : ''
  const message = `${where}${issue.message} (got ${got ?? describeValue(valueAt(root, path))})`
  return isKey(path[0]) ? { field: path[0], message } : { field: null, message }
}

export type PatchResult = { ok: true; value: Partial<ScenarioConfig> } | { ok: false; field: ScenarioKey | null; message: string }

/** a scenario patch (configure, settings file, trace header): the first problem, readable */
export function validatePatch(value: unknown): PatchResult {
  const r = scenarioPatchSchema.safeParse(value)
  if (r.success) return { ok: true, value: r.data }
  return { ok: false, ...issueText(r.error.issues[0]!, value) }
}

/** every schema problem of a complete scenario, each on its field */
export function schemaErrors(c: unknown): ConfigError[] {
  const r = scenarioPatchSchema.safeParse(c)
  if (r.success) return []
  const out: ConfigError[] = []
  for (const i of r.error.issues) {
    const e = issueText(i, c)
    if (e.field) out.push(e)
  }
  return out
}

/** text (a CLI flag's value, a form control) -> value, with the schema's limits and messages */
export function parseFieldText<K extends ScenarioKey>(key: K, text: string): Parsed<ScenarioConfig[K]> {
  const f = FIELDS[key] as unknown as { parse(t: string): Parsed<ScenarioConfig[K]>; schema: z.ZodType }
  const got = `'${text.length > 60 ? text.slice(0, 57) + '...' : text}'`
  const p = f.parse(text)
  if (!p.ok) return { ok: false, message: `${p.message} (got ${got})` }
  const r = f.schema.safeParse(p.value)
  if (r.success) return p
  const issue = r.error.issues[0]!
  return { ok: false, message: issueText({ ...issue, path: [key, ...issue.path] }, { [key]: p.value }, got).message }
}

const realFabric = (c: ScenarioConfig): boolean => c.fabric !== 'emulated'

/** a value equals its field's default; lists (restarts, faults) compare by content, not identity */
function isDefault(v: unknown, d: unknown): boolean {
  return v === d || (Array.isArray(v) && Array.isArray(d) && JSON.stringify(v) === JSON.stringify(d))
}
const asLeft = (f: { default: unknown; format(v: unknown): string }): string => {
  const t = f.default === null ? '' : f.format(f.default)
  return t === '' ? 'empty' : `at ${t}`
}

/** Combinations that make no sense, whatever the profiles built in (docs/architecture.md#fabric-seam, #time). */
export function crossCheck(c: ScenarioConfig): ConfigError[] {
  const e: ConfigError[] = []
  const real = realFabric(c)
  if (real && c.socket === null) e.push({ field: 'socket', message: `socket is required for the ${c.fabric} fabric (the ivshmem-server's Unix socket path)` })
  for (const k of SCENARIO_KEYS) {
    const f = FIELDS[k] as { emulatedOnly?: boolean; realFabricOnly?: boolean; default: unknown; format(v: unknown): string }
    if (real && f.emulatedOnly && !isDefault(c[k], f.default))
      e.push({ field: k, message: `${k} does not apply to the ${c.fabric} fabric: it runs on the wall clock (leave ${k} ${asLeft(f)})` })
    if (!real && f.realFabricOnly && !isDefault(c[k], f.default))
      e.push({ field: k, message: `${k} applies to the attached and hosted fabrics only; the emulated fabric runs both sides in process (leave ${k} ${asLeft(f)})` })
  }
  for (const k of ['driverBase', 'deviceBase'] as const)
    if (c[k] + c.shmSize > SCENARIO_LIMITS.vaTop) e.push({ field: k, message: `${k} must leave room for the whole shm below 2^48 (${k} + shmSize)` })
  return e
}

// ---- the form: one text per field --------------------------------------------------------------

export type ScenarioForm = Record<ScenarioKey, string>
export type FieldErrors = Partial<Record<ScenarioKey, string>>

export function formFromConfig(c: ScenarioConfig): ScenarioForm {
  const f = {} as ScenarioForm
  for (const k of SCENARIO_KEYS) f[k] = (FIELDS[k] as { format(v: unknown): string }).format(c[k])
  return f
}

/** Parses the texts given, field by field. Combinations are judged by the service's semantic
 *  check (src/lab/config.ts), whose errors come back per field: one place for them. */
export function parseForm(f: Partial<ScenarioForm>): { ok: true; cfg: Partial<ScenarioConfig> } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {}
  const cfg: Partial<Record<ScenarioKey, unknown>> = {}
  for (const k of SCENARIO_KEYS) {
    const t = f[k]
    if (t === undefined) continue
    const p = parseFieldText(k, t)
    if (p.ok) cfg[k] = p.value
    else errors[k] = p.message
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, cfg: cfg as Partial<ScenarioConfig> }
}

// ---- untrusted JSON (trace headers) -------------------------------------------------------------

/** Size and depth of a parsed JSON value, iteratively (a 100k-deep value must not blow the stack);
 *  stops counting past the limits. */
export function jsonBounds(v: unknown, maxDepth: number, maxBytes: number): { depth: number; bytes: number } {
  let depth = 0
  let bytes = 0
  const stack: [unknown, number][] = [[v, 1]]
  while (stack.length) {
    const [x, d] = stack.pop()!
    if (d > depth) depth = d
    if (depth > maxDepth || bytes > maxBytes) break
    if (x !== null && typeof x === 'object') {
      const entries = Array.isArray(x) ? x.map((y) => ['', y] as const) : Object.entries(x)
      bytes += 2
      for (const [k, y] of entries) {
        bytes += k.length + 4
        stack.push([y, d + 1])
      }
    } else bytes += typeof x === 'string' ? x.length + 2 : String(x).length
  }
  return { depth, bytes }
}

/** limits of a scenario read from a file (trace header): checked before anything else is touched */
export const UNTRUSTED = { maxDepth: 8, maxBytes: 64 * 1024 } as const

/** A scenario patch from an untrusted file: a plain object, bounded in depth and size, then the
 *  strict schema (unknown keys, > 32 restarts, bad values refused with the schema's messages). */
export function validateUntrustedPatch(value: unknown): PatchResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, field: null, message: `the scenario must be an object (got ${Array.isArray(value) ? 'an array' : describeValue(value)})` }
  const b = jsonBounds(value, UNTRUSTED.maxDepth, UNTRUSTED.maxBytes)
  if (b.depth > UNTRUSTED.maxDepth) return { ok: false, field: null, message: `the scenario is nested more than ${UNTRUSTED.maxDepth} levels deep` }
  if (b.bytes > UNTRUSTED.maxBytes) return { ok: false, field: null, message: `the scenario is larger than ${UNTRUSTED.maxBytes / 1024} KiB` }
  return validatePatch(value)
}
