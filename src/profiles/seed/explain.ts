// The seed's account of a run: who has which peer id, whom each side rang and what became of those
// doorbells, what the driver saw, and why Hello lines did (or did not) reach the device.
// docs/wire-protocol.md#start-order and #driver-first are the reasoning this encodes.

import type { Side } from '../../sim/types'
import type { ExplainInput, ExplainLine } from '../types'
import type { DriverSideDemo } from './driver_side_demo'
import type { DeviceSide } from './device_side'
import { SIDE_NAME as NAME, doorbellLines, faultLines, tagged } from '../explain-peers'

/** the seed README's start order: the fix for every driver-first failure */
export const FIX_ORDER = 'Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).'


/** the peer id each side rings: device own + 1, driver own − 1, as uint16 (Q24) */
export function seedPartner(side: Side, own: number): number {
  return side === 'device' ? (own + 1) & 0xffff : (own - 1) & 0xffff
}

export function seedExplain(x: ExplainInput): ExplainLine[] {
  const out: ExplainLine[] = []
  const fixes = new Set<string>()
  const cause = (text: string, fix?: string): void => {
    out.push({ text, role: 'cause' })
    if (fix) fixes.add(fix)
  }
  const dev = x.sides.device
  const drv = x.sides.driver
  const helloSeen = x.dataLines
  const peers = x.peers
  for (const side of ['device', 'driver'] as const) {
    const slot = x.sides[side]
    if (!slot.started || slot.peer === null) {
      out.push({ text: `${NAME[side]} was not started.`, role: 'roster' })
      continue
    }
    const rule = side === 'device' ? 'own + 1' : 'own − 1 as a uint16'
    const id = slot.peer
    const partner = seedPartner(side, id)
    const ids = slot.ids.length > 1 ? ` (ids over ${slot.starts} starts: ${slot.ids.length < slot.starts ? '…, ' : ''}${slot.ids.join(', ')})` : ''
    out.push({ text: `${NAME[side]} is ivshmem peer ${id}${ids} and rings peer ${partner} (${rule}, Q24).`, role: 'roster' })
    out.push(...tagged('roster', doorbellLines(peers, side)))
  }
  const d = (drv.driver as DriverSideDemo | null)?.view
  if (d?.failure === 'bad-magic')
    cause(
      `The driver probed virtio-mmio before any device had published its registers: MagicValue read 0x${(d.magicSeen ?? 0).toString(16).padStart(8, '0')} → "Bad magic value", so virtio-serial never came up (docs/wire-protocol.md#driver-first).`,
      FIX_ORDER
    )
  if (d?.failure === 'hvl-config' && drv.peer !== null) {
    const partner = seedPartner('driver', drv.peer)
    const target = peers.find((h) => h.id === partner && h.connected)
    const wiped = dev.started && dev.bootT > drv.bootT
    cause(
      `The driver found valid registers at its probe (left over in the server's shm object, which survives a SIGKILLed or crashed server) and configured its queues, but QueuePFN was never acknowledged with 0xAABBAABB: ` +
        `its doorbells went to peer ${partner}, ${target ? `which is the ${target.side ?? 'host'}, not the device` : 'which does not exist'}` +
        (wiped ? ', and the device booting later wiped the whole shm (Q26)' : '') +
        ' → "HVL mode: configuration failed" (Q3, docs/wire-protocol.md#driver-first).',
      FIX_ORDER
    )
  }
  if (d && !d.initialized && d.txDropped) cause(`The printk hook dropped ${d.txDropped} bytes: the virtio-serial device is not ready.`)
  const { driverBase, deviceBase } = x
  if (driverBase !== deviceBase)
    cause(
      `The guests map BAR2 at different addresses (driver 0x${driverBase.toString(16)}, device 0x${deviceBase.toString(16)}). The driver publishes its own VAs (QueuePFN, desc.addr) and the device dereferences them as its own (Q11, docs/wire-protocol.md#addresses), so it looks for the rings 0x${Math.abs(driverBase - deviceBase).toString(16)} bytes ${driverBase > deviceBase ? 'too high' : 'too low'}.`,
      'Map BAR2 at the same address in both guests (the same device and driver base, Q11).'
    )
  if (d?.initialized && d.txDropped)
    cause(`The driver dropped ${d.txDropped} bytes: its transmitq stayed full because the device used nothing, and a full ring drops bytes without a kick (Q16).`)
  if (dev.peer !== null && drv.peer !== null) {
    const adjacent = drv.peer === ((dev.peer + 1) & 0xffff)
    if (!adjacent)
      cause(
        `Peer ids are not adjacent (device ${dev.peer}, driver ${drv.peer}): both firmwares hard-code their partner as own ± 1, so the doorbells miss.`,
        FIX_ORDER
      )
  }
  out.push(...faultLines(x))
  for (const l of lagLines(x)) cause(l)
  for (const f of fixes) out.push({ text: f, role: 'fix' })
  // the device's own printk lines end in \r\n, so an open line after DRIVER_OK is forwarded bytes
  const partial = x.lineOpen && !!dev.device?.view.ready
  const verdict = (text: string): void => void out.push({ text, role: 'verdict' })
  if (helloSeen) verdict(`${helloSeen} Hello line${helloSeen > 1 ? 's' : ''} reached the device${partial ? ', and the next is arriving (20 ms per byte)' : ''}.`)
  else if (partial) verdict('The first Hello line is arriving at the device, one byte every 20 ms (docs/wire-protocol.md#timing).')
  else verdict('No Hello line reached the device.')
  return out
}

/** transmitq kicks the device never served: avail.idx − used.idx as the device's own view of the
 *  ring locates them. One can be in flight; more means the device fell behind for good: an ack and
 *  the next kick merged into one callback and it serves one descriptor per callback
 *  (docs/wire-protocol.md#ack-notify-merge, Q18, Q27; docs/ivshmem.md#lost-bytes) */
function lagLines(x: ExplainInput): string[] {
  const v = (x.sides.device.device as DeviceSide | null)?.view
  const o = v?.ready ? v.vrings[1]?.off : null
  const shm = x.shm
  if (!o || !shm || !v) return []
  const num = v.vrings[1]!.num
  if (!(o.avail + 4 <= shm.size && o.used + 4 <= shm.size)) return []
  const behind = (shm.r16(o.avail + 2) - shm.r16(o.used + 2)) & 0xffff
  if (behind < 2 || behind > num) return []
  const stop = behind >= num ? ' The ring is full: the driver drops further bytes without a kick (Q16), so output has stopped for good.' : ''
  const n = `The device is ${behind} transmitq descriptor${behind > 1 ? 's' : ''} behind the driver`
  // an injected fault, not a merge, is then the first suspect (docs/spec-profile.md §7)
  if (x.faults?.length) return [`${n} since the injected fault: it serves one descriptor per callback, with used.idx as its consumer index, and does not catch up (Q18).${stop}`]
  return [
    `${n}: merged doorbells (an ack and the next kick in one callback) each cost it a descriptor, since it serves one per callback — bytes of the Hello line go missing ("Hel World") (docs/wire-protocol.md#ack-notify-merge, Q18, Q27).${stop}`
  ]
}
