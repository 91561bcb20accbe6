// The spec profile's account of a run: peer ids and doorbells, and how far each side got.
// Partners are found through the ready records (docs/spec-profile.md §3), not own ± 1.

import type { ExplainInput, ExplainLine } from '../types'
import { SIDE_NAME, doorbellLines, faultLines, tagged } from '../explain-peers'
import type { SpecDevice } from './device'
import type { SpecDriver } from './driver'

export function specExplain(x: ExplainInput): ExplainLine[] {
  const out: ExplainLine[] = []
  // on a real fabric the other side may run in another process or a QEMU guest (docs/spec-profile.md §11)
  const remote = x.peers.filter((p) => !p.local).map((p) => p.id)
  for (const side of ['device', 'driver'] as const) {
    const slot = x.sides[side]
    if (!slot.started || slot.peer === null) {
      out.push({
        text: remote.length
          ? `${SIDE_NAME[side]} does not run in this process; remote peer${remote.length === 1 ? '' : 's'} ${remote.join(', ')} (another process or a QEMU guest) may hold it, found through its ready record.`
          : `${SIDE_NAME[side]} was not started.`,
        role: 'roster'
      })
      continue
    }
    const ids = slot.ids.length > 1 ? ` (ids over ${slot.starts} starts: ${slot.ids.length < slot.starts ? '…, ' : ''}${slot.ids.join(', ')})` : ''
    out.push({ text: `${SIDE_NAME[side]} is ivshmem peer ${slot.peer}${ids}; it finds its partner through the ready records (docs/spec-profile.md §3).`, role: 'roster' })
    out.push(...tagged('roster', doorbellLines(x.peers, side)))
  }
  const dev = (x.sides.device.device as SpecDevice | null)?.view
  const drv = (x.sides.driver.driver as SpecDriver | null)?.view
  out.push(...faultLines(x))
  if (dev?.failure) out.push({ text: `The device needs a reset: ${dev.failure.code}: ${dev.failure.message}.`, role: 'cause' })
  if (drv) out.push({ text: drv.initialized ? `The driver is ready (features ${drv.features}).` : `The driver is ${drv.phase}.`, role: 'info' })
  if (x.sides.device.started) out.push({ text: `${x.dataLines} line${x.dataLines === 1 ? '' : 's'} from the driver reached the device console.`, role: 'verdict' })
  return out
}
