// Step by step (docs/spec-profile.md §8): the protocol steps of each compare run by kind —
// register stores in the MMIO window, doorbells, used entries, interrupts, errors — and, per kind,
// the first step where the seed and the spec run differ, with its time and the quirk behind it.

import type { CompareEventRef, CompareStep, TraceEvent } from '../shared/contract'
import { MMIO_WINDOW } from '../virtio/mmio'
import { regName } from '../virtio/regs'
import { hex } from '../virtio/fmt'
import { regQuirk } from './compare-quirks'

/** the kinds compared, in the order the rows are listed, with the quirk behind a divergence */
const KINDS: { kind: string; q: string; why: string }[] = [
  { kind: 'register store', q: '', why: '' }, // the quirk of the register concerned
  { kind: 'doorbell', q: 'Q24', why: 'the seed rings own ± 1 three times per byte; spec the peer from the ready record, per chain' },
  { kind: 'used entry', q: 'Q19', why: 'one byte per descriptor in the seed; whole chains with used.len = bytes written in spec' },
  { kind: 'interrupt', q: 'Q20', why: 'the seed device always interrupts; spec honours NO_INTERRUPT / EVENT_IDX' },
  { kind: 'error', q: 'Q18', why: 'the seed validates nothing; spec reports each violation with its code' }
]

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0)

/** the kind and one-line text of a protocol step, or null for other events */
export function stepOf(e: TraceEvent): { kind: string; text: string } | null {
  switch (e.k) {
    case 'store': {
      const off = num(e.off)
      if (off >= MMIO_WINDOW || e.side !== 'driver') return null
      return { kind: 'register store', text: `${regName(off & ~3)} ← ${hex(num(e.value ?? e.new))}` }
    }
    case 'doorbell':
      return { kind: 'doorbell', text: `${e.side ?? '?'} → peer ${String(e.to ?? e.dest ?? '?')} vector ${num(e.vector)}` }
    case 'desc-used':
      return { kind: 'used entry', text: `queue ${num(e.queue)} id ${num(e.id)} len ${num(e.len)}` }
    case 'irq':
      return { kind: 'interrupt', text: `${e.side ?? '?'} vector ${num(e.vector)}` }
    case 'error':
      return { kind: 'error', text: `${String(e.where ?? '')} ${String(e.code ?? 'error')}`.trim() }
    default:
      return null
  }
}

export function eventRef(e: TraceEvent, text: string): CompareEventRef {
  return { i: e.i, t: e.t, k: e.k, text }
}

/** per kind, the first step that differs (by its text) between the two runs */
export function firstDivergentSteps(seed: readonly TraceEvent[], spec: readonly TraceEvent[]): CompareStep[] {
  const byKind = (ev: readonly TraceEvent[]): Map<string, CompareEventRef[]> => {
    const m = new Map<string, CompareEventRef[]>(KINDS.map((k) => [k.kind, []]))
    for (const e of ev) {
      const s = stepOf(e)
      if (s) m.get(s.kind)!.push(eventRef(e, s.text))
    }
    return m
  }
  const a = byKind(seed)
  const b = byKind(spec)
  const out: CompareStep[] = []
  for (const { kind, q, why } of KINDS) {
    const x = a.get(kind)!
    const y = b.get(kind)!
    for (let n = 0; n < Math.max(x.length, y.length); n++) {
      const sx = x[n] ?? null
      const sy = y[n] ?? null
      if (sx?.text === sy?.text) continue
      if (kind === 'register store') {
        // the register the seed stored (or spec, when the seed stored nothing more)
        const [rq, rwhy] = regQuirk((sx ?? sy)!.text.split(' ')[0] ?? '')
        out.push({ kind, n, seed: sx, spec: sy, q: rq, why: rwhy })
      } else out.push({ kind, n, seed: sx, spec: sy, q, why })
      break
    }
  }
  return out
}
