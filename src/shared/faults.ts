// The fault kinds grouped as the UI shows them, and when a kind cannot act in a configured lab
// (docs/spec-profile.md §7). Shared by the service (injectFault) and the renderer's fault panel.

import { FAULT_KINDS, type FaultKind } from './scenario-text'
import type { ScenarioConfig } from './scenario'

/** fabric kinds act on doorbells, ring kinds on the driver's transmitq chain, device kinds on the device */
export const FAULT_GROUPS = {
  fabric: ['drop-doorbell', 'merge-doorbells', 'delay-irq'],
  ring: ['bad-head', 'next-out-of-range', 'desc-loop', 'avail-jump', 'len-beyond-shm', 'zero-len', 'tx-write-flag'],
  device: ['stale-used-id', 'device-stall']
} as const satisfies Record<string, readonly FaultKind[]>
export type FaultGroup = keyof typeof FAULT_GROUPS

export const isFaultKind = (k: unknown): k is FaultKind => typeof k === 'string' && (FAULT_KINDS as readonly string[]).includes(k)

export function faultGroupOf(kind: FaultKind): FaultGroup {
  return (Object.keys(FAULT_GROUPS) as FaultGroup[]).find((g) => (FAULT_GROUPS[g] as readonly string[]).includes(kind))!
}

/** why `kind` cannot act in a lab configured as `cfg`, or null when it can: ring kinds need the
 *  driver in this process, device kinds the device (on a real fabric `role` says which sides run
 *  here; docs/spec-profile.md §7, §11) */
export function faultUnavailable(kind: FaultKind, cfg: Pick<ScenarioConfig, 'fabric' | 'order' | 'role'>): string | null {
  const g = faultGroupOf(kind)
  if (cfg.fabric !== 'emulated') {
    if (g === 'ring' && cfg.role === 'device') return `ring faults act on the driver, which runs in another process on this ${cfg.fabric} fabric (role device): inject them there`
    if (g === 'device' && cfg.role === 'driver') return `device faults act on the device, which runs in another process on this ${cfg.fabric} fabric (role driver): inject them there`
    return null
  }
  if (g === 'ring' && cfg.order === 'device-only') return 'no driver in this lab (order device-only): ring faults act on the driver’s chains'
  if (g === 'device' && cfg.order === 'driver-only') return 'no device in this lab (order driver-only)'
  return null
}

/** what injectFault answers: what the lab did now (or why it could not act now), at virtual time t (ns) */
export interface FaultReply {
  kind: FaultKind
  applied: boolean
  detail: string
  t: number
}
