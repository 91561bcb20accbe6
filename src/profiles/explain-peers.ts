// Explanation lines every profile shares: whom each of a side's peers rang, and what became of it.

import type { Peer } from '../ivshmem/fabric'
import type { Side } from '../sim/types'
import type { ExplainInput, ExplainLine, ExplainRole } from './types'

export const SIDE_NAME: Record<Side, string> = { device: 'device (instance_1)', driver: 'driver (instance_2)' }

/** tag plain lines with one role */
export function tagged(role: ExplainRole, lines: readonly string[]): ExplainLine[] {
  return lines.map((text) => ({ text, role }))
}

export function doorbellLines(peers: readonly Peer[], side: Side): string[] {
  const out: string[] = []
  for (const p of peers.filter((h) => h.side === side)) {
    if (!p.stats.targets.size) out.push(`  as peer ${p.id} it rang nobody.`)
    for (const [dest, t] of p.stats.targets) {
      const holder = peers.find((h) => h.id === dest && h.connected)
      // a peer nobody here holds is a bare host connection in this process, or another process / a QEMU guest
      const who = holder ? `peer ${dest} (${holder.side ?? (holder.local ? 'host' : 'remote')})` : `peer ${dest}`
      if (t.dropped === t.sent) out.push(`  as peer ${p.id} it rang ${who} ${t.sent}× — all dropped by the hardware: ${t.reason}.`)
      else if (t.dropped) out.push(`  as peer ${p.id} it rang ${who} ${t.sent}×, ${t.dropped} dropped (${t.reason}).`)
      else out.push(`  as peer ${p.id} it rang ${who} ${t.sent}×, all delivered.`)
    }
  }
  return out
}

/** one line per fault the lab applied (docs/spec-profile.md §7), the first few */
export function faultLines(x: ExplainInput): ExplainLine[] {
  const f = x.faults ?? []
  const shown = f.slice(0, 5).map((a) => `Fault injected: ${a.kind} at ${(a.t / 1e9).toFixed(3)} s: ${a.detail} (docs/spec-profile.md §7).`)
  // an injected fault is a cause: the user broke the run on purpose
  return (f.length > 5 ? [...shown, `… and ${f.length - 5} more faults.`] : shown).map((text) => ({ text, role: 'cause' }))
}
