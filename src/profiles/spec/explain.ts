// The spec profile's account of a run: peer ids and doorbells, and how far each side got.
// Partners are found through the ready records (docs/spec-profile.md §3), not own ± 1.

import type { ExplainInput } from '../types'
import { SIDE_NAME, doorbellLines, faultLines } from '../explain-peers'
import type { SpecDevice } from './device'
import type { SpecDriver } from './driver'

export function specExplain(x: ExplainInput): string[] {
  const out: string[] = []
  for (const side of ['device', 'driver'] as const) {
    const slot = x.sides[side]
    if (!slot.started || slot.peer === null) {
      out.push(`${SIDE_NAME[side]} was not started.`)
      continue
    }
    const ids = slot.ids.length > 1 ? ` (ids over ${slot.starts} starts: ${slot.ids.length < slot.starts ? '…, ' : ''}${slot.ids.join(', ')})` : ''
    out.push(`${SIDE_NAME[side]} is ivshmem peer ${slot.peer}${ids}; it finds its partner through the ready records (docs/spec-profile.md §3).`)
    out.push(...doorbellLines(x.peers, side))
  }
  const dev = (x.sides.device.device as SpecDevice | null)?.view
  const drv = (x.sides.driver.driver as SpecDriver | null)?.view
  out.push(...faultLines(x))
  if (dev?.failure) out.push(`The device needs a reset: ${dev.failure.code}: ${dev.failure.message}.`)
  if (drv) out.push(drv.initialized ? `The driver is ready (features ${drv.features}).` : `The driver is ${drv.phase}.`)
  out.push(`${x.dataLines} line${x.dataLines === 1 ? '' : 's'} from the driver reached the device console.`)
  return out
}
