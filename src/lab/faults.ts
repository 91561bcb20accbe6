// Fault injection (--fault KIND@TIME, docs/spec-profile.md §7). Fabric faults act on the next
// doorbell whatever the profile; ring and device faults ask the firmwares to misbehave once:
// through their fault hooks (src/profiles/types.ts; each profile's rogue.ts). A
// kind that cannot act (no firmware in this process, queue not in service) says so instead.

import type { FaultSpec } from '../shared/scenario'
import type { Fabric, Peer } from '../ivshmem/fabric'
import type { LabSession } from './session'
import { DEVICE_STALL_MS, type AppliedFault } from '../profiles/types'

/** delay-irq: how late the next doorbell is delivered */
export const DELAY_IRQ_NS = 50_000_000
/** merge-doorbells: how long a held doorbell waits for the next one before it goes anyway */
export const MERGE_WINDOW_NS = 100_000_000
/** device-stall: how long the device ignores doorbells */
export const STALL_MS = DEVICE_STALL_MS

type Doorbell = Fabric['doorbell']

/** the faults applied in each session, for the explanation (profiles' explain.ts) */
const logs = new WeakMap<LabSession, AppliedFault[]>()
export function appliedFaults(s: LabSession): readonly AppliedFault[] {
  return logs.get(s) ?? []
}

/** wrap the fabric's doorbell once; `next` decides what happens to the following doorbell */
function nextDoorbell(s: LabSession, f: (orig: Doorbell, from: Peer, value: number) => boolean): void {
  const fab = s.fabric
  const orig: Doorbell = fab.doorbell.bind(fab)
  fab.doorbell = (from, value) => {
    fab.doorbell = orig
    return f(orig, from, value)
  }
}

const FAULT_LOG_MAX = 64 // the scenario's own cap on faults (src/shared/scenario-text.ts)

function appliedFaultsOf(s: LabSession): AppliedFault[] {
  let log = logs.get(s)
  if (!log) logs.set(s, (log = []))
  return log
}

/** apply one fault now; returns what was done, or why nothing was. `injected`: asked for while
 *  the lab runs (injectFault), not scheduled by the scenario: the `fault` event says so, and a
 *  trace replay applies it again at the same instant (src/host/replay.ts). */
export function applyFault(s: LabSession, f: FaultSpec, injected = false): { applied: boolean; detail: string } {
  const dev = s.slots.device.device
  const drv = s.slots.driver.driver
  const note = (applied: boolean, detail: string) => {
    const log = appliedFaultsOf(s)
    if (applied && log.length < FAULT_LOG_MAX) log.push({ kind: f.kind, t: s.clock.now, detail })
    if (s.trace.on) s.trace.emit('guest', undefined, injected ? { op: 'fault', kind: f.kind, applied, detail, injected } : { op: 'fault', kind: f.kind, applied, detail })
    return { applied, detail }
  }
  switch (f.kind) {
    case 'drop-doorbell':
      nextDoorbell(s, (_o, from, v) => {
        if (s.trace.on) s.trace.emit('guest', undefined, { op: 'fault', kind: f.kind, applied: true, detail: `doorbell 0x${(v >>> 0).toString(16)} from peer ${from.id} dropped` })
        return false
      })
      return note(true, 'the next doorbell will be dropped')
    case 'delay-irq':
      nextDoorbell(s, (orig, from, v) => {
        s.clock.after(DELAY_IRQ_NS, () => orig(from, v))
        return true
      })
      return note(true, `the next doorbell is delivered ${DELAY_IRQ_NS / 1e6} ms late`)
    case 'merge-doorbells':
      nextDoorbell(s, (orig, from, v) => {
        // hold it; the following doorbell to the same peer delivers both as one interrupt
        let done = false
        const timer = s.clock.after(MERGE_WINDOW_NS, () => {
          if (done) return
          done = true
          orig(from, v)
        })
        const fab = s.fabric
        const cur = fab.doorbell
        fab.doorbell = (f2, v2) => {
          if (v2 >>> 16 === v >>> 16 && !done) {
            done = true
            fab.doorbell = cur
            s.clock.cancel(timer)
            return orig(f2, v2)
          }
          return cur(f2, v2)
        }
        return true
      })
      return note(true, 'the next two doorbells to one peer arrive as one interrupt')
    default: {
      // ring kinds are the driver's, device kinds the device's (each profile's rogue.ts)
      // a timer outlives no restart: the firmware that asked for it must still be the one running
      const after = (ns: number, fn: () => void) =>
        void s.clock.after(ns, () => {
          if (s.slots.device.device === dev && s.slots.driver.driver === drv) fn()
        })
      const r = dev?.fault?.(f.kind, after) ?? drv?.fault?.(f.kind, after)
      return r ? note(r.applied, r.detail) : note(false, `not applicable: no firmware in this process acts on ${f.kind}`)
    }
  }
}
