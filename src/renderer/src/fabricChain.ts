// The FABRIC lane's linked steps: a doorbell (store to BAR0 Doorbell), the eventfd signal it
// raised at the receiver, and the interrupt delivered from it (docs/ivshmem.md). Steps share the
// receiving peer and vector; the chain is found among the events at hand (the rendered rows).
import type { TraceEvent } from '../../shared/contract'

export const FABRIC_KINDS = new Set(['doorbell', 'signal', 'irq', 'peer'])

function flow(e: TraceEvent): string | null {
  if (e.k !== 'doorbell' && e.k !== 'signal' && e.k !== 'irq') return null
  return `${String(e.to)}:${String(e.vector)}`
}

/** trace index -> step (1 doorbell, 2 signal, 3 irq) of the chain the selected event is part of */
export function chainOf(list: readonly TraceEvent[], selected: number | null): Map<number, number> {
  const out = new Map<number, number>()
  if (selected === null) return out
  const at = list.findIndex((e) => e.i === selected)
  if (at < 0) return out
  const key = flow(list[at])
  if (key === null) return out
  const step = (e: TraceEvent) => (e.k === 'doorbell' ? 1 : e.k === 'signal' ? 2 : 3)
  out.set(list[at].i, step(list[at]))
  // backwards to the doorbell, forwards to the irq, never across another step of the same kind
  let want = step(list[at]) - 1
  for (let k = at - 1; k >= 0 && want >= 1; k--) {
    if (flow(list[k]) !== key) continue
    const s = step(list[k])
    if (s === want) {
      out.set(list[k].i, s)
      want--
    } else if (s > want) break
  }
  want = step(list[at]) + 1
  for (let k = at + 1; k < list.length && want <= 3; k++) {
    if (flow(list[k]) !== key) continue
    const s = step(list[k])
    if (s === want) {
      out.set(list[k].i, s)
      want++
    } else if (s < want) break
  }
  return out
}

/** one line for the fabric lane: who rang whom on which vector */
export function fabricText(e: TraceEvent): string {
  const v = typeof e.vector === 'number' ? ` v${e.vector}` : ''
  if (e.k === 'doorbell') return `peer ${String(e.from)} → peer ${String(e.to)}${v}`
  if (e.k === 'signal') return `eventfd → peer ${String(e.to)}${v}` + (typeof e.count === 'number' ? ` (count ${e.count})` : '')
  if (e.k === 'irq') return `irq → peer ${String(e.to)}${v}` + (typeof e.count === 'number' && e.count > 1 ? ` ×${e.count}` : '')
  return ''
}
