// The lab's explanation of a run: the profile writes it (profiles/<name>/explain.ts) from the
// session's state in lower-layer terms.

import type { ExplainInput, ExplainLine } from '../profiles/types'
import type { LabSession } from './session'
import { appliedFaults } from './faults'

export function explainInput(s: LabSession): ExplainInput {
  const side = (k: 'device' | 'driver'): ExplainInput['sides']['device'] => {
    const slot = s.slots[k]
    const g = slot.guest
    return {
      started: !!g,
      peer: g?.peer ? g.peer.id : null,
      ids: slot.ids,
      starts: slot.starts,
      bootT: g ? g.bootT : 0,
      device: slot.device,
      driver: slot.driver
    }
  }
  return {
    sides: { device: side('device'), driver: side('driver') },
    peers: s.fabric.peerList(),
    dataLines: s.helloLines,
    lineOpen: s.deviceLineOpen,
    driverBase: s.cfg.driverBase,
    deviceBase: s.cfg.deviceBase,
    shm: s.shm,
    faults: appliedFaults(s)
  }
}

/** the profile's lines with their roles (verdict, cause, fix, roster, info) */
export function explainLines(s: LabSession): ExplainLine[] {
  return s.profile.explain(explainInput(s))
}

/** the lines' texts (CLI, logs) */
export function explain(s: LabSession): string[] {
  return explainLines(s).map((l) => l.text)
}
