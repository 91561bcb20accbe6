// Trace events as text: the one-line summary the timeline shows, and the export formats (JSON
// Lines, CSV per RFC 4180) used by the renderer and by the service's streamed export
// (src/host/trace-export.ts). Pure: no DOM, no Node.
import type { TraceEvent } from './contract'

function hex(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  return '0x' + Math.trunc(v).toString(16)
}

function hex2(b: number): string {
  return (b & 0xff).toString(16).padStart(2, '0')
}

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
