// The timeline's "go to" box: an event number (#1234 or 1234) or a virtual time (12.5s, 300ms,
// 40us, 5000ns; a bare decimal with a point is seconds).
export type Goto = { ok: true; kind: 'index' | 'time'; value: number } | { ok: false; error: string }

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 }

export function parseGoto(text: string): Goto {
  const s = text.trim()
  if (s === '') return { ok: false, error: 'type an event number (#1234) or a time (12.5s, 300ms)' }
  const idx = /^#?(\d+)$/.exec(s)
  if (idx) return { ok: true, kind: 'index', value: Number(idx[1]) }
  const t = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?$/.exec(s)
  if (t && (t[2] || t[1].includes('.'))) {
    return { ok: true, kind: 'time', value: Math.round(Number(t[1]) * UNITS[t[2] ?? 's']) }
  }
  return { ok: false, error: `"${s}" is neither an event number (#1234) nor a time (12.5s, 300ms, 40us)` }
}
