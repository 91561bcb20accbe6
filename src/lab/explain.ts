// The lab's account of a run: who has which peer id, whom each side rang and what became of those
// doorbells, what the driver saw, and why Hello lines did (or did not) reach the device.
// docs/wire-protocol.md#start-order and #driver-first are the reasoning this encodes.

import type { Side } from '../shared/contract'
import type { LabSession } from './session'

const NAME: Record<Side, string> = { device: 'device (instance_1)', driver: 'driver (instance_2)' }

export function explain(s: LabSession): string[] {
  const out: string[] = []
  const dev = s.slots.device
  const drv = s.slots.driver
  const helloSeen = s.helloLines
  const peers = s.fabric.peerList()
  for (const slot of [dev, drv]) {
    const g = slot.guest
    if (!g?.peer) {
      out.push(`${NAME[slot.side]} was not started.`)
      continue
    }
    const rule = slot.side === 'device' ? 'own + 1' : 'own − 1 as a uint16'
    const id = g.peer.id
    const partner = slot.side === 'device' ? (id + 1) & 0xffff : (id - 1) & 0xffff
    const ids = slot.ids.length > 1 ? ` (ids over ${slot.starts} starts: ${slot.ids.join(', ')})` : ''
    out.push(`${NAME[slot.side]} is ivshmem peer ${id}${ids} and rings peer ${partner} (${rule}, Q24).`)
    for (const p of peers.filter((h) => h.side === slot.side)) {
      if (!p.stats.targets.size) out.push(`  as peer ${p.id} it rang nobody.`)
      for (const [dest, t] of p.stats.targets) {
        const holder = peers.find((h) => h.id === dest && h.connected)
        const who = holder ? `peer ${dest} (${holder.side ?? 'host'})` : `peer ${dest}`
        if (t.dropped === t.sent) out.push(`  as peer ${p.id} it rang ${who} ${t.sent}× — all dropped by the hardware: ${t.reason}.`)
        else if (t.dropped) out.push(`  as peer ${p.id} it rang ${who} ${t.sent}×, ${t.dropped} dropped (${t.reason}).`)
        else out.push(`  as peer ${p.id} it rang ${who} ${t.sent}×, all delivered.`)
      }
    }
  }
  const d = drv.driver?.view
  if (d?.failure === 'bad-magic')
    out.push(
      `The driver probed virtio-mmio before any device had published its registers: MagicValue read 0x${(d.magicSeen ?? 0).toString(16).padStart(8, '0')} → "Bad magic value", so virtio-serial never came up (docs/wire-protocol.md#driver-first).`
    )
  if (d?.failure === 'hvl-config' && drv.guest?.peer) {
    const partner = (drv.guest.peer.id - 1) & 0xffff
    const target = peers.find((h) => h.id === partner && h.connected)
    const wiped = dev.guest && dev.guest.bootT > drv.guest.bootT
    out.push(
      `The driver found valid registers at its probe (left over in the server's shm object, which survives a SIGKILLed or crashed server) and configured its queues, but QueuePFN was never acknowledged with 0xAABBAABB: ` +
        `its doorbells went to peer ${partner}, ${target ? `which is the ${target.side ?? 'host'}, not the device` : 'which does not exist'}` +
        (wiped ? ', and the device booting later wiped the whole shm (Q26)' : '') +
        ' → "HVL mode: configuration failed" (Q3, docs/wire-protocol.md#driver-first).'
    )
  }
  if (d && !d.initialized && d.txDropped) out.push(`The printk hook dropped ${d.txDropped} bytes: the virtio-serial device is not ready.`)
  const { driverBase, deviceBase } = s.cfg
  if (driverBase !== deviceBase)
    out.push(
      `The guests map BAR2 at different addresses (driver 0x${driverBase.toString(16)}, device 0x${deviceBase.toString(16)}). The driver publishes its own VAs (QueuePFN, desc.addr) and the device dereferences them as its own (Q11, docs/wire-protocol.md#addresses), so it looks for the rings 0x${Math.abs(driverBase - deviceBase).toString(16)} bytes ${driverBase > deviceBase ? 'too high' : 'too low'}.`
    )
  if (d?.initialized && d.txDropped)
    out.push(`The driver dropped ${d.txDropped} bytes: its transmitq stayed full because the device used nothing, and a full ring drops bytes without a kick (Q16).`)
  if (dev.guest?.peer && drv.guest?.peer) {
    const adjacent = drv.guest.peer.id === ((dev.guest.peer.id + 1) & 0xffff)
    if (!adjacent)
      out.push(
        `Peer ids are not adjacent (device ${dev.guest.peer.id}, driver ${drv.guest.peer.id}): both firmwares hard-code their partner as own ± 1, so the doorbells miss. Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).`
      )
  }
  // the device's own printk lines end in \r\n, so an open line after DRIVER_OK is forwarded bytes
  const partial = s.deviceLineOpen && s.slots.device.device?.view.state === 'READY'
  if (helloSeen) out.push(`${helloSeen} Hello line${helloSeen > 1 ? 's' : ''} reached the device${partial ? ', and the next is arriving (20 ms per byte)' : ''}.`)
  else if (partial) out.push('The first Hello line is arriving at the device, one byte every 20 ms (docs/wire-protocol.md#timing).')
  else out.push('No Hello line reached the device.')
  return out
}
