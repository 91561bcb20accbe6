// Names and bit decoders of the virtio values the register table shows: device ids (virtio 1.2 §5),
// feature bits (§6, §5.3.3), device status (§2.1), interrupt bits (§4.2.2), console queue names (§5.3.2).

import type { RegField } from './regs'
import { INT, STATUS } from './mmio'
import { hex } from './fmt'

/** virtio 1.2 §5 device IDs (the common ones) */
export const DEVICE_IDS: Readonly<Record<number, string>> = {
  0: 'reserved (no device)',
  1: 'network card',
  2: 'block device',
  3: 'console',
  4: 'entropy source',
  5: 'memory balloon (traditional)',
  8: 'SCSI host',
  9: '9P transport',
  16: 'GPU',
  18: 'input',
  19: 'socket (vsock)',
  20: 'crypto',
  26: 'file system',
  32: 'SCMI'
}

/** reserved feature bits (virtio 1.2 §6; 24/27/30 are legacy-only names) */
export const TRANSPORT_FEATURES: Readonly<Record<number, string>> = {
  24: 'NOTIFY_ON_EMPTY',
  27: 'ANY_LAYOUT',
  28: 'RING_INDIRECT_DESC',
  29: 'RING_EVENT_IDX',
  30: 'UNUSED',
  32: 'VERSION_1',
  33: 'ACCESS_PLATFORM',
  34: 'RING_PACKED',
  35: 'IN_ORDER',
  36: 'ORDER_PLATFORM',
  37: 'SR_IOV',
  38: 'NOTIFICATION_DATA',
  39: 'NOTIF_CONFIG_DATA',
  40: 'RING_RESET'
}

/** console device feature bits (virtio 1.2 §5.3.3) */
export const CONSOLE_FEATURES: Readonly<Record<number, string>> = {
  0: 'SIZE',
  1: 'MULTIPORT',
  2: 'EMERG_WRITE'
}

/** name of feature bit `bit` (0..2^32*32) for a device type; bits 0-23 are device-specific */
export function featureName(bit: number, deviceId = 3): string {
  const t = TRANSPORT_FEATURES[bit]
  if (t) return t
  if (bit < 24 && deviceId === 3) {
    const c = CONSOLE_FEATURES[bit]
    if (c) return c
  }
  return `bit${bit}`
}

/** one field per set bit of a 32-bit feature word on page `sel` (bits 32·sel .. 32·sel+31) */
export function decodeFeatures(v: number, sel: number, deviceId = 3): RegField[] {
  v >>>= 0
  const base = 32 * (sel >>> 0)
  const out: RegField[] = [{ name: 'page', value: `Sel ${sel >>> 0}: bits ${base}-${base + 31}` }]
  for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out.push({ name: featureName(base + b, deviceId), value: '1' })
  if (v === 0) out.push({ name: 'features', value: 'none' })
  return out
}

function bitFields(v: number, names: Readonly<Record<string, number>>): RegField[] {
  v >>>= 0
  const set: string[] = []
  const out: RegField[] = []
  let known = 0
  for (const [n, m] of Object.entries(names)) {
    known |= m
    if (v & m) set.push(n)
    out.push({ name: n, value: v & m ? '1' : '0' })
  }
  const rest = (v & ~known) >>> 0
  if (rest) out.push({ name: 'reserved', value: hex(rest) })
  return [{ name: 'set', value: set.length ? set.join('|') : 'none' }, ...out]
}

export function decodeStatus(v: number): RegField[] {
  const f = bitFields(v, STATUS)
  if (v >>> 0 === 0) f.push({ name: 'state', value: 'reset (0)' })
  // seed writes 0x01, 0x02, 0x04 one after the other (Q9): DRIVER_OK without ACKNOWLEDGE|DRIVER
  else if (v & STATUS.DRIVER_OK && (v & (STATUS.ACKNOWLEDGE | STATUS.DRIVER)) !== (STATUS.ACKNOWLEDGE | STATUS.DRIVER))
    f.push({ name: 'note', value: 'DRIVER_OK without ACKNOWLEDGE|DRIVER: not cumulative (Q9)' })
  else if (v & STATUS.DRIVER && !(v & STATUS.ACKNOWLEDGE))
    f.push({ name: 'note', value: 'DRIVER without ACKNOWLEDGE: not cumulative (Q9)' })
  return f
}

export function decodeInt(v: number): RegField[] {
  return bitFields(v, INT)
}

/** console queue names (virtio 1.2 §5.3.2): 0/1 port 0, 2/3 control, then 2 per extra port */
export function queueName(i: number): string {
  i >>>= 0
  if (i === 0) return 'receiveq (0)'
  if (i === 1) return 'transmitq (1)'
  if (i === 2) return 'control receiveq (2)'
  if (i === 3) return 'control transmitq (3)'
  if (i < 0x10000) return `port${(i >> 1) - 1} ${i & 1 ? 'transmitq' : 'receiveq'} (${i})`
  return `invalid (${i})`
}
