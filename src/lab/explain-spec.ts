// The lab's account of a spec-profile run (docs/spec-profile.md): peers found through the ready
// records, handshake state, the first device error, data moved.

import type { LabSession } from './session'
import { SpecDevice } from '../profiles/spec/device'
import { SpecDriver } from '../profiles/spec/driver'
import { STATUS } from '../virtio/mmio'

export function explainSpec(s: LabSession): string[] {
  const out: string[] = []
  const dev = s.slots.device.fw
  const drv = s.slots.driver.fw
  for (const side of ['device', 'driver'] as const) {
    const g = s.slots[side].guest
    if (!g?.peer) {
      out.push(`${side} was not started.`)
      continue
    }
    const ids = s.slots[side].ids
    const rang = [...g.peer.stats.targets].map(([d, t]) => `peer ${d} ${t.sent}×${t.dropped ? ` (${t.dropped} dropped: ${t.reason})` : ''}`)
    out.push(`${side} is ivshmem peer ${g.peer.id}${ids.length > 1 ? ` (ids over ${ids.length} starts: ${ids.join(', ')})` : ''}; it rings the peer named in the other side's ready record: ${rang.join(', ') || 'nobody yet'}.`)
  }
  if (dev instanceof SpecDevice) {
    const v = dev.view
    const st = v.status
    const bits = Object.entries(STATUS).filter(([, b]) => st & b).map(([n]) => n)
    out.push(`Device status 0x${st.toString(16)} (${bits.join(' | ') || 'reset'}), driver features ${v.features}.`)
    if (v.failure) out.push(`The device found ${v.failure.code} and set DEVICE_NEEDS_RESET: ${v.failure.message}`)
    out.push(`transmitq: ${v.stats.txChains} chains, ${v.stats.txBytes} bytes; receiveq: ${v.stats.rxChains} chains, ${v.stats.rxBytes} bytes; ${v.stats.interrupts} interrupts, ${v.stats.suppressed} suppressed.`)
  }
  if (drv instanceof SpecDriver) {
    const v = drv.view
    out.push(`Driver: ${v.phase}, ${v.stats.handshakes} handshake${v.stats.handshakes === 1 ? '' : 's'}, ${v.stats.notifies} notifications (${v.stats.suppressed} suppressed), ${v.stats.errors} errors.`)
    if (v.phase === 'ready') out.push('Type into the device console: the driver shell answers over transmitq (help, uptime, stats, echo, hello N, reset).')
    else if (v.phase === 'waiting') out.push('The driver waits for the device ready record (either start order works, docs/spec-profile.md §3).')
  }
  return out
}
