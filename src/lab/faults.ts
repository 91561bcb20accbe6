// Fault injection (--fault KIND@TIME, docs/spec-profile.md §7). Fabric faults act on the next
// doorbell whatever the profile; ring and device faults ask the spec firmwares to misbehave
// once. A kind that does not apply to the running profile says so in the trace instead.

import type { FaultSpec } from '../shared/scenario'
import type { Fabric, Peer } from '../ivshmem/fabric'
import type { LabSession } from './session'
import { SpecDevice } from '../profiles/spec/device'
import { SpecDriver } from '../profiles/spec/driver'
import { RING_FAULTS, type RingFault } from '../profiles/spec/rogue'

/** delay-irq: how late the next doorbell is delivered */
export const DELAY_IRQ_NS = 50_000_000
/** merge-doorbells: how long a held doorbell waits for the next one before it goes anyway */
export const MERGE_WINDOW_NS = 100_000_000
/** device-stall: how long the device ignores doorbells */
export const STALL_MS = 500

type Doorbell = Fabric['doorbell']

/** wrap the fabric's doorbell once; `next` decides what happens to the following doorbell */
function nextDoorbell(s: LabSession, f: (orig: Doorbell, from: Peer, value: number) => boolean): void {
  const fab = s.fabric
  const orig: Doorbell = fab.doorbell.bind(fab)
  fab.doorbell = (from, value) => {
    fab.doorbell = orig
    return f(orig, from, value)
  }
}

/** apply one fault now; returns what was done, or why nothing was */
export function applyFault(s: LabSession, f: FaultSpec): { applied: boolean; detail: string } {
  const dev = s.slots.device.fw
  const drv = s.slots.driver.fw
  const note = (applied: boolean, detail: string) => {
    if (s.trace.on) s.trace.emit('guest', undefined, { op: 'fault', kind: f.kind, applied, detail })
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
    case 'stale-used-id': {
      if (!(dev instanceof SpecDevice)) return note(false, 'applies to the spec profile only (the seed driver never checks used ids, Q18)')
      const d = dev.staleUsed()
      return d ? note(true, `${d}, expect InvalidUsedId at the driver`) : note(false, 'receiveq not ready')
    }
    case 'device-stall':
      if (!(dev instanceof SpecDevice)) return note(false, 'applies to the spec profile only')
      dev.stall(STALL_MS)
      return note(true, `the device ignores doorbells for ${STALL_MS} ms, then drains the write log`)
    default: {
      const kind = f.kind as RingFault
      if (!(kind in RING_FAULTS)) return note(false, 'unknown fault')
      if (!(drv instanceof SpecDriver)) return note(false, 'ring faults apply to the spec profile only (the seed device does not validate chains, Q18)')
      const d = drv.injectRing(kind)
      return d ? note(true, d) : note(false, 'transmitq not ready or the write log is full')
    }
  }
}
