// Pure formatting / parsing helpers for the renderer. No DOM, no Vue: unit-testable in node.
import type { ConfigError, Speed } from '../../shared/contract'
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

// ---- trace: summaries and export formats, shared with the service's streamed export -------------

export { escapeBytes, summarize, TRACE_CSV_HEADER, csvField, traceToCsv, traceToJsonl } from '../../shared/traceFormat'

/** latin1: every UTF-16 code unit above 0xff becomes '?' */
export function toLatin1(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i) > 0xff ? '?' : s[i]
  return out
}

