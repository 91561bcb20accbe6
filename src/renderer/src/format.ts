// Pure formatting / parsing helpers for the renderer. No DOM, no Vue: unit-testable in node.
import type { ConfigError, Speed, TraceEvent } from '../../shared/contract'
import { SCENARIO_KEYS } from '../../shared/scenario'

/** 0x%08x */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0')
}

/** 0x + lower-case hex, at least `width` digits */
export function hex(v: number, width = 1): string {
  if (!Number.isFinite(v)) return String(v)
  return '0x' + Math.trunc(v).toString(16).padStart(width, '0')
}

export function hex2(b: number): string {
  return (b & 0xff).toString(16).padStart(2, '0')
}

/** register row test id: reg-0x000 (lower-case, at least 3 hex digits) */
export function regTestId(off: number): string {
  return 'reg-0x' + off.toString(16).padStart(3, '0')
}

export function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'
}

export function asciiOf(bytes: number[]): string {
  return bytes.map(printable).join('')
}

/** virtual time ns -> "12.345678 s" */
export function fmtTime(ns: number | null | undefined): string {
  if (ns === null || ns === undefined || !Number.isFinite(ns)) return '—'
  return (ns / 1e9).toFixed(6) + ' s'
}

/** virtual time ns -> "12.345678" (no unit), fixed width for console prefixes */
export function fmtTimePrefix(ns: number): string {
  return (ns / 1e9).toFixed(6).padStart(11, ' ')
}

export function fmtSpeed(s: Speed | undefined): string {
  if (s === undefined) return '—'
  return s === 'max' ? 'max' : '×' + s
}

// ---- the scenario form: derived from the one scenario schema (src/shared/scenario.ts) ----------

export { fmtSize, parseSize } from '../../shared/scenario'
export { formFromConfig, parseForm, type FieldErrors, type ScenarioForm } from '../../shared/scenario-check'

/**
 * A thrown RPC error ("configure: vectors must be at most 64 (got 65)", possibly wrapped by
 * Electron's "Error invoking remote method ...") mapped onto the field it names.
 */
export function errorsFromThrown(e: unknown): FormErrors {
  const msg = e instanceof Error ? e.message : String(e)
  const m = /\b(?:configure|control): ([A-Za-z]+)/.exec(msg)
  const clean = msg.replace(/^.*?\b((?:configure|control): )/, '')
  if (m && (SCENARIO_KEYS as string[]).includes(m[1])) return { [m[1]]: clean } as FormErrors
  return { form: clean }
}

export type FormErrors = Partial<Record<ConfigError['field'] | 'form', string>>

// ---- trace -------------------------------------------------------------------------------------

const HEX_KEYS = new Set(['off', 'addr', 'offset'])
/** keys shown by the lane itself (kind badge, vector, marks) */
const SKIP_KEYS = new Set(['i', 't', 'k', 'side', 'vector', 'merged', 'dropped'])

/** one-line summary of a trace event's payload (everything except i, t, k, side) */
export function summarize(e: TraceEvent): string {
  if (e.k === 'store' && typeof e.name === 'string' && typeof e.new === 'string') {
    return `${e.name} ← ${e.new}` + (typeof e.old === 'string' ? ` (was ${e.old})` : '') + (typeof e.off === 'number' ? ` @${hex(e.off)}` : '')
  }
  const parts: string[] = []
  for (const [key, v] of Object.entries(e)) {
    if (SKIP_KEYS.has(key)) continue
    if (key === 'outcome' && (v === 'sent' || v === 'delivered')) continue
    if (v === undefined || v === null || v === false) continue
    if (v === true) parts.push(key)
    else if (typeof v === 'number') parts.push(`${key}=${HEX_KEYS.has(key) ? hex(v) : v}`)
    else if (typeof v === 'string') parts.push(key === 'data' ? `"${escapeBytes(v)}"` : `${key}=${v}`)
    else parts.push(`${key}=${JSON.stringify(v)}`)
  }
  return parts.join(' ')
}

/** show control bytes of a latin1 string as \n, \r, \xNN */
export function escapeBytes(s: string, max = 64): string {
  let out = ''
  for (let i = 0; i < s.length && i < max; i++) {
    const c = s.charCodeAt(i)
    if (c === 10) out += '\\n'
    else if (c === 13) out += '\\r'
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + hex2(c)
    else out += s[i]
  }
  return s.length > max ? out + '…' : out
}

/** latin1: every UTF-16 code unit above 0xff becomes '?' */
export function toLatin1(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i) > 0xff ? '?' : s[i]
  return out
}

// ---- trace export ----------------------------------------------------------------------------------

export const TRACE_CSV_HEADER = 'i,t_ns,kind,side,summary'

/** one CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break */
export function csvField(v: string | number): string {
  const s = String(v)
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/** trace events as CSV (RFC 4180, CRLF line ends): i, t_ns, kind, side, summary */
export function traceToCsv(events: readonly TraceEvent[]): string {
  const rows = [TRACE_CSV_HEADER]
  for (const e of events) rows.push([e.i, e.t, e.k, e.side ?? '', summarize(e)].map(csvField).join(','))
  return rows.join('\r\n') + '\r\n'
}

/** trace events as JSON Lines (one event object per line, as the service sent it) */
export function traceToJsonl(events: readonly TraceEvent[]): string {
  let out = ''
  for (const e of events) out += JSON.stringify(e) + '\n'
  return out
}
