// A display-filter language for trace events in the spirit of Wireshark's (docs/timeline.md):
//
//   side == driver && reg == QueuePFN      off in 0x101000..0x102000      kind == doorbell && dropped
//   q == 1      t >= 12s && t < 12.5s      !(kind in {store memset})      "Hello"      data contains "\n"
//
// Pure (no DOM, no Vue): the timeline compiles what is typed on every key stroke and shows the
// first error with its column; the service may run the same predicate to stream matching events.
import type { TraceEvent } from './contract'

export class FilterError extends Error {
  constructor(
    readonly code: 'FILTER_SYNTAX' | 'FILTER_FIELD' | 'FILTER_VALUE',
    message: string,
    /** 0-based column of the offending token */
    readonly pos: number
  ) {
    super(message)
    this.name = 'FilterError'
  }
}

export type TracePredicate = (e: TraceEvent) => boolean

/** user-facing field names -> event keys */
const ALIASES: Record<string, string> = { kind: 'k', reg: 'name', q: 'queue', time: 't', vec: 'vector' }
/** keys events carry (src/sim/trace.ts, src/ivshmem, src/guest, the profiles' p.event calls) */
const KEYS = new Set([
  'i', 't', 'k', 'side', 'off', 'name', 'w', 'old', 'new', 'len', 'value', 'data', 'op', 'peer', 'from', 'to',
  'vector', 'outcome', 'reason', 'count', 'merged', 'dropped', 'queue', 'id', 'head', 'addr', 'byte', 'availIdx',
  'usedIdx', 'usedCons', 'where', 'message', 'state', 'detail', 'instance', 'code'
])
/** bare words that test a condition rather than a field's presence */
const FLAGS: Record<string, TracePredicate> = {
  dropped: (e) => e.dropped === true || e.outcome === 'dropped' || e.outcome === 'lost',
  merged: (e) => e.merged === true || (typeof e.merged === 'number' && e.merged > 0) || e.outcome === 'merged',
  error: (e) => e.k === 'error'
}
/** time units for numbers (the trace counts ns) */
const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 }

export const FILTER_FIELDS: readonly string[] = [...Object.keys(ALIASES), ...KEYS].sort()

type Tok =
  | { kind: 'op'; v: string; pos: number }
  | { kind: 'word'; v: string; pos: number }
  | { kind: 'num'; v: number; pos: number; text: string }
  | { kind: 'str'; v: string; pos: number }
  | { kind: 'end'; pos: number }

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '..', '<', '>', '!', '(', ')', '{', '}', ',']

function tokenize(src: string): Tok[] {
  const out: Tok[] = []
  let k = 0
  while (k < src.length) {
    const c = src[k]
    if (/\s/.test(c)) {
      k++
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, k))
    if (op) {
      out.push({ kind: 'op', v: op, pos: k })
      k += op.length
      continue
    }
    if (c === '"') {
      let s = ''
      let j = k + 1
      for (; j < src.length && src[j] !== '"'; j++) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[++j]
          s += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n
        } else s += src[j]
      }
      if (j >= src.length) throw new FilterError('FILTER_SYNTAX', 'unterminated string', k)
      out.push({ kind: 'str', v: s, pos: k })
      k = j + 1
      continue
    }
    if (/[0-9]/.test(c)) {
      // "1..2": a number's dot is only a decimal point when a digit follows
      const num = /^(0x[0-9a-fA-F]+|\d+(?:\.\d+)?)(ns|us|µs|ms|s)?(?![A-Za-z0-9_])/.exec(src.slice(k))
      if (!num) throw new FilterError('FILTER_VALUE', `bad number '${/^[\w.µ]+/.exec(src.slice(k))![0]}' (decimal, 0x hex, or a time: 5ms, 1.5s)`, k)
      const base = num[1].startsWith('0x') ? parseInt(num[1], 16) : Number(num[1])
      out.push({ kind: 'num', v: base * (num[2] ? UNITS[num[2]] : 1), pos: k, text: num[0] })
      k += num[0].length
      continue
    }
    const word = /^[A-Za-z_][\w-]*/.exec(src.slice(k))
    if (word) {
      // '-' belongs to words like desc-add
      out.push({ kind: 'word', v: word[0], pos: k })
      k += word[0].length
      continue
    }
    throw new FilterError('FILTER_SYNTAX', `unexpected '${c}'`, k)
  }
  out.push({ kind: 'end', pos: src.length })
  return out
}

type Value = { kind: 'num'; v: number } | { kind: 'str'; v: string }

/** compile a filter; an empty or blank text matches every event */
export function compileFilter(src: string): TracePredicate {
  const toks = tokenize(src)
  let p = 0
  const peek = (): Tok => toks[p]
  const isOp = (v: string): boolean => {
    const t = peek()
    return t.kind === 'op' && t.v === v
  }
  const isWord = (...v: string[]): boolean => {
    const t = peek()
    return t.kind === 'word' && v.includes(t.v.toLowerCase())
  }
  const describe = (t: Tok): string => (t.kind === 'end' ? 'the end' : `'${t.kind === 'num' ? t.text : t.v}'`)
  const expect = (v: string): void => {
    if (!isOp(v)) throw new FilterError('FILTER_SYNTAX', `expected '${v}' but found ${describe(peek())}`, peek().pos)
    p++
  }

  function or(): TracePredicate {
    let l = and()
    while (isOp('||') || isWord('or')) {
      p++
      const a = l
      const b = and()
      l = (e) => a(e) || b(e)
    }
    return l
  }
  function and(): TracePredicate {
    let l = not()
    while (isOp('&&') || isWord('and')) {
      p++
      const a = l
      const b = not()
      l = (e) => a(e) && b(e)
    }
    return l
  }
  function not(): TracePredicate {
    if (isOp('!') || isWord('not')) {
      p++
      const a = not()
      return (e) => !a(e)
    }
    return primary()
  }
  function value(): Value {
    const t = peek()
    if (t.kind === 'num') {
      p++
      return { kind: 'num', v: t.v }
    }
    if (t.kind === 'str' || t.kind === 'word') {
      p++
      return { kind: 'str', v: t.v }
    }
    throw new FilterError('FILTER_VALUE', `expected a value but found ${describe(t)}`, t.pos)
  }
  function primary(): TracePredicate {
    const t = peek()
    if (isOp('(')) {
      p++
      const inner = or()
      expect(')')
      return inner
    }
    if (t.kind === 'str') {
      // a bare string: text search over the event's fields
      p++
      const needle = t.v.toLowerCase()
      return (e) => textOf(e).includes(needle)
    }
    if (t.kind !== 'word') throw new FilterError('FILTER_SYNTAX', `expected a field, '(' or a "text" but found ${describe(t)}`, t.pos)
    p++
    const name = t.v
    const key = ALIASES[name] ?? name
    const opTok = peek()
    const isCmp = opTok.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(opTok.v)
    const isIn = isWord('in')
    const isContains = isWord('contains')
    if (!isCmp && !isIn && !isContains) {
      if (FLAGS[name]) return FLAGS[name]
      if (!KEYS.has(key)) throw unknownField(name, t.pos)
      return (e) => truthy(e[key])
    }
    if (!KEYS.has(key) && !FLAGS[name]) throw unknownField(name, t.pos)
    p++
    if (isContains) {
      const v = value()
      const needle = String(v.v).toLowerCase()
      return (e) => e[key] !== undefined && e[key] !== null && String(e[key]).toLowerCase().includes(needle)
    }
    if (isIn) {
      if (isOp('{')) {
        p++
        const set: (Value | RangeValue)[] = []
        while (!isOp('}')) {
          if (peek().kind === 'end') throw new FilterError('FILTER_SYNTAX', "expected '}'", peek().pos)
          if (isOp(',')) {
            p++
            continue
          }
          const a = value()
          if (isOp('..')) {
            p++
            const b = value()
            set.push(rangeOf(a, b, opTok.pos))
          } else set.push(a)
        }
        p++
        return (e) => set.some((v) => (v.kind === 'range' ? inRange(e[key], v) : cmp(e[key], '==', v)))
      }
      const a = value()
      expect('..')
      const b = value()
      const r = rangeOf(a, b, opTok.pos)
      return (e) => inRange(e[key], r)
    }
    const v = value()
    const op = (opTok as { v: string }).v
    return (e) => cmp(e[key], op, v)
  }

  const pred = peek().kind === 'end' ? () => true : or()
  if (peek().kind !== 'end') throw new FilterError('FILTER_SYNTAX', `expected '&&', '||' or the end but found ${describe(peek())}`, peek().pos)
  return pred
}

type RangeValue = { kind: 'range'; lo: number; hi: number }

function rangeOf(a: Value, b: Value, pos: number): RangeValue {
  if (a.kind !== 'num' || b.kind !== 'num') throw new FilterError('FILTER_VALUE', 'a range needs numbers on both sides of ..', pos)
  if (b.v < a.v) throw new FilterError('FILTER_VALUE', `empty range ${a.v}..${b.v}`, pos)
  return { kind: 'range', lo: a.v, hi: b.v }
}

function unknownField(name: string, pos: number): FilterError {
  return new FilterError('FILTER_FIELD', `unknown field '${name}' (try ${['side', 'kind', 'reg', 'off', 'q', 'vector', 't', 'dropped'].join(', ')}…)`, pos)
}

function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== ''
}

/** a field as a number: numbers, and strings written as hex ('0x00000004') or decimal */
function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return v.startsWith('0x') || v.startsWith('0X') ? parseInt(v, 16) : Number(v)
  return null
}

function cmp(field: unknown, op: string, v: Value): boolean {
  if (field === undefined || field === null) return op === '!=' // Wireshark: an absent field never equals
  if (v.kind === 'num') {
    const n = asNumber(field)
    if (n === null) return op === '!='
    switch (op) {
      case '==':
        return n === v.v
      case '!=':
        return n !== v.v
      case '<':
        return n < v.v
      case '<=':
        return n <= v.v
      case '>':
        return n > v.v
      default:
        return n >= v.v
    }
  }
  const s = String(field).toLowerCase()
  const w = v.v.toLowerCase()
  switch (op) {
    case '==':
      return s === w
    case '!=':
      return s !== w
    case '<':
      return s < w
    case '<=':
      return s <= w
    case '>':
      return s > w
    default:
      return s >= w
  }
}

function inRange(field: unknown, r: RangeValue): boolean {
  const n = asNumber(field)
  return n !== null && n >= r.lo && n <= r.hi
}

/** what a bare "text" searches: every field value of the event, lower-cased */
function textOf(e: TraceEvent): string {
  let s = ''
  for (const [k, v] of Object.entries(e)) if (k !== 'i' && k !== 't') s += ' ' + (typeof v === 'object' ? JSON.stringify(v) : String(v))
  return s.toLowerCase()
}

/** compile, or return the error to show as the user types */
export function tryCompile(src: string): { ok: true; pred: TracePredicate } | { ok: false; error: FilterError } {
  try {
    return { ok: true, pred: compileFilter(src) }
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, error: e }
    throw e
  }
}
