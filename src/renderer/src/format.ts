// Pure formatting / parsing helpers for the renderer. No DOM, no Vue: unit-testable in node.
import type { ConfigError, ScenarioConfig, Speed, TraceEvent } from '../../shared/contract'

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

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }

/** "64K", "4M", "1G", "4MiB", "0x400000", "4194304" -> bytes; NaN when unparsable */
export function parseSize(text: string): number {
  const t = text.trim()
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16)
  const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(t)
  if (!m) return NaN
  return Number(m[1]) * SIZE_UNITS[m[2].toUpperCase()]
}

export function fmtSize(bytes: number): string {
  for (const [u, f] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024]
  ] as const) {
    if (bytes >= f && bytes % f === 0) return bytes / f + u
  }
  return String(bytes)
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30
}

export const SHM_MIN = 64 * 1024
export const SHM_MAX = 1024 ** 3
export const SHM_CHOICES = [
  '64K',
  '128K',
  '256K',
  '512K',
  '1M',
  '2M',
  '4M',
  '8M',
  '16M',
  '32M',
  '64M',
  '128M',
  '256M',
  '512M',
  '1G'
]

/** What the user typed in the controls (strings, never lost on error). */
export interface ControlForm {
  profile: string
  order: string
  vectors: string
  shmSize: string
  shmState: string
  latencyUs: string
  gapMs: string
  speed: string
  untilS: string
  /** BAR2 virtual addresses, hex (docs/wire-protocol.md#addresses) */
  driverBase: string
  deviceBase: string
}

export function formFromConfig(c: ScenarioConfig): ControlForm {
  return {
    profile: c.profile,
    order: c.order,
    vectors: String(c.vectors),
    shmSize: fmtSize(c.shmSize),
    shmState: c.shmState,
    latencyUs: trimNum(c.latency / 1000),
    gapMs: trimNum(c.gap / 1e6),
    speed: String(c.speed),
    untilS: c.until === null ? '' : trimNum(c.until / 1e9),
    driverBase: '0x' + c.driverBase.toString(16),
    deviceBase: '0x' + c.deviceBase.toString(16)
  }
}

function trimNum(n: number): string {
  return String(Number(n.toFixed(6)))
}

export const SPEED_MIN = 0.01
export const SPEED_MAX = 10_000

export function parseSpeed(s: string): Speed | null {
  if (s === 'max') return 'max'
  const n = Number(s)
  return Number.isFinite(n) && n >= SPEED_MIN && n <= SPEED_MAX ? n : null
}

const CONFIG_FIELDS = ['profile', 'order', 'vectors', 'shmSize', 'shmState', 'speed', 'latency', 'gap', 'until', 'restarts', 'driverBase', 'deviceBase']

/**
 * A thrown RPC error ("configure: vectors must be an integer 1..64 (got 65)", possibly wrapped by
 * Electron's "Error invoking remote method ...") mapped onto the field it names.
 */
export function errorsFromThrown(e: unknown): FormErrors {
  const msg = e instanceof Error ? e.message : String(e)
  const m = /\b(?:configure|control): ([A-Za-z]+)/.exec(msg)
  const clean = msg.replace(/^.*?\b((?:configure|control): )/, '')
  if (m && CONFIG_FIELDS.includes(m[1])) return { [m[1]]: clean } as FormErrors
  return { form: clean }
}

export type FormErrors = Partial<Record<ConfigError['field'] | 'form', string>>

/**
 * Client-side validation. Returns either the parsed partial config or per-field messages
 * (field names are ScenarioConfig keys, so server ConfigErrors land in the same slots).
 */
export function parseForm(f: ControlForm): { ok: true; cfg: Partial<ScenarioConfig> } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {}
  const vectorsText = f.vectors.trim()
  const vectors = Number(vectorsText)
  if (!/^\d+$/.test(vectorsText) || vectors < 1 || vectors > 64) {
    errors.vectors = 'vectors must be an integer 1..64 (ivshmem-server -n)'
  }
  const shmSize = parseSize(f.shmSize)
  if (!Number.isFinite(shmSize)) errors.shmSize = 'size like 64K, 4M, 1G or 0x400000'
  else if (!isPowerOfTwo(shmSize)) errors.shmSize = 'shm size must be a power of two (ivshmem-server -l)'
  else if (shmSize < SHM_MIN || shmSize > SHM_MAX) errors.shmSize = 'shm size must be 64K..1G'
  const latencyUs = Number(f.latencyUs)
  if (f.latencyUs.trim() === '' || !Number.isFinite(latencyUs) || latencyUs < 0) {
    errors.latency = 'latency must be a number ≥ 0 (µs)'
  }
  const gapMs = Number(f.gapMs)
  if (f.gapMs.trim() === '' || !Number.isFinite(gapMs) || gapMs < 0) errors.gap = 'gap must be a number ≥ 0 (ms)'
  const speed = parseSpeed(f.speed)
  if (speed === null) errors.speed = `speed must be max or a number ${SPEED_MIN}..${SPEED_MAX}`
  let until: number | null = null
  if (f.untilS.trim() !== '') {
    const u = Number(f.untilS)
    if (!Number.isFinite(u) || u <= 0) errors.until = 'until must be empty (forever) or seconds > 0'
    else until = Math.round(u * 1e9)
  }
  const bases: Record<'driverBase' | 'deviceBase', number> = { driverBase: 0, deviceBase: 0 }
  for (const k of ['driverBase', 'deviceBase'] as const) {
    const t = f[k].trim().toLowerCase()
    const v = /^0x[0-9a-f]{1,12}$/.test(t) ? parseInt(t, 16) : NaN
    if (!(v > 0) || v % 4096 !== 0) errors[k] = 'a non-zero 4 KiB-aligned address like 0xafa00000'
    else bases[k] = v
  }
  if (!['device-first', 'driver-first', 'device-only', 'driver-only'].includes(f.order)) errors.order = 'unknown start order'
  if (f.profile !== 'seed') errors.profile = 'unknown profile'
  if (f.shmState !== 'fresh' && f.shmState !== 'leftover') errors.shmState = 'fresh or leftover'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return {
    ok: true,
    cfg: {
      profile: f.profile as ScenarioConfig['profile'],
      order: f.order as ScenarioConfig['order'],
      vectors,
      shmSize,
      shmState: f.shmState as ScenarioConfig['shmState'],
      latency: Math.round(latencyUs * 1000),
      gap: Math.round(gapMs * 1e6),
      speed: speed as Speed,
      until,
      driverBase: bases.driverBase,
      deviceBase: bases.deviceBase
    }
  }
}

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
