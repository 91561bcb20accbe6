// Explanation lines every profile shares: whom each of a side's peers rang, and what became of it.

import type { Peer } from '../ivshmem/fabric'
import type { Side } from '../sim/types'

export const SIDE_NAME: Record<Side, string> = { device: 'device (instance_1)', driver: 'driver (instance_2)' }

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
