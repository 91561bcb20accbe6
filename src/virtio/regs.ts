// Declarative virtio-mmio register table (v86 style): one row per 32-bit cell, with names for the
// legacy (Version 1, virtio 1.2 §4.2.4) and modern (Version 2, virtio 1.2 §4.2.2) interfaces, a
// value decoder for the inspector. What a profile reads differently (the seed's QueuePFN ack, its
// queue index in DriverFeaturesSel) and its quirks (docs/quirks.md) come from the profile
// (Profile.regFields, Profile.regQuirks in src/profiles/types.ts).
// In the seed the block is plain shared RAM at shm 0x000-0x1FF (docs/wire-protocol.md#register-block, Q2).

import type { Side } from '../sim/types'
import { MMIO_WINDOW, REG, VIRTIO_MMIO_MAGIC } from './mmio'
import { ascii4, big, hex, hex64, isPow2 } from './fmt'
import { DEVICE_IDS, decodeFeatures, decodeInt, decodeStatus, queueName } from './names'

export { DEVICE_IDS, TRANSPORT_FEATURES, CONSOLE_FEATURES, featureName, decodeFeatures, decodeStatus, decodeInt, queueName } from './names'

/** QueueReset (virtio 1.2 §4.2.2, needs VIRTIO_F_RING_RESET); not in mmio.ts' REG */
export const REG_QUEUE_RESET = 0x0c0
/** console config space (virtio 1.2 §5.3.4): le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr */
export const CONSOLE_CFG = { colsRows: 0x100, maxNrPorts: 0x104, emergWr: 0x108, size: 12 } as const

export interface RegCtx {
  /** QueueAlign the device latched (seed multiplies QueuePFN by it, Q5) */
  queueAlign: number
  guestPageSize: number
  shmSize: number
  /** driver VA of shm offset 0 (docs/wire-protocol.md#addresses); number, exact below 2^53 */
  driverBase: number
  /** another cell of the same block, so Low/High halves and selectors can be decoded together */
  read32?: (off: number) => number
  /** selects the device-specific feature names; default 3 (console) */
  deviceId?: number
}

export type Access = 'RO' | 'WO' | 'RW'

/** one decoded field of a register value, e.g. {name:'DRIVER_OK', value:'1'} */
export interface RegField {
  name: string
  value: string
}

/** a quirk number and the spec rule it breaks; each profile has its own table (profiles/seed/quirks.ts) */
export interface QuirkRef {
  q: string
  rule: string
}

/** one register cell decoded for an inspector (src/lab maps it to the contract's RegCell) */
export interface RegCellInfo {
  off: number
  name: string
  legacy: string
  modern: string
  access: Access
  value: number
  fields: RegField[]
  lastWriter: Side | null
  lastWriteT: number | null
  lastWriteEvent: number | null
  quirks: QuirkRef[]
}

export interface RegDef {
  off: number
  /** spec name, e.g. 'QueuePFN' */
  name: string
  /** C name from <linux/virtio_mmio.h> / OpenAMP virtio_mmio.h, e.g. 'VIRTIO_MMIO_QUEUE_PFN' */
  legacy: string
  /** what the offset means in Version 2 when that differs from Version 1, else '' */
  modern: string
  /** from the driver's point of view (virtio 1.2 §4.2.2 / §4.2.4) */
  access: Access
  /** interfaces that define the cell */
  versions: readonly (1 | 2)[]
  decode(v: number, ctx: RegCtx): RegField[]
}

// ---- decoders -------------------------------------------------------------------------------

const num = (label: string) => (v: number): RegField[] => [{ name: label, value: String(v >>> 0) }]

function safeRead(ctx: RegCtx, off: number): number | null {
  if (!ctx.read32) return null
  try {
    return ctx.read32(off) >>> 0
  } catch {
    return null
  }
}

/** shm offset of a driver VA (bigint-exact), or null when [addr, addr+len) is not inside shm */
function shmOff(addr: bigint, len: number, ctx: RegCtx): number | null {
  const off = addr - big(ctx.driverBase)
  if (off < 0n || off + BigInt(len) > big(ctx.shmSize)) return null
  return Number(off)
}

function addrFields(addr: bigint, ctx: RegCtx, label: string): RegField[] {
  const off = shmOff(addr, 1, ctx)
  return [
    { name: label, value: hex(addr) },
    { name: 'shm off', value: off === null ? 'outside shm' : hex(off) }
  ]
}

/** Low/High pair: decode the 64-bit value when the partner cell is readable */
function pair(partner: number, isLow: boolean, label: string, asAddr: boolean) {
  return (v: number, ctx: RegCtx): RegField[] => {
    const other = safeRead(ctx, partner)
    const half: RegField = { name: isLow ? 'bits 31:0' : 'bits 63:32', value: hex(v >>> 0, 8) }
    if (other === null) return [half]
    const lo = isLow ? v >>> 0 : other
    const hi = isLow ? other : v >>> 0
    const full = (BigInt(hi) << 32n) | BigInt(lo)
    return [half, ...(asAddr ? addrFields(full, ctx, label) : [{ name: label, value: hex(full) }])]
  }
}

function decodeMagic(v: number): RegField[] {
  return [
    { name: 'ascii', value: `"${ascii4(v)}"` },
    { name: 'valid', value: v >>> 0 === VIRTIO_MMIO_MAGIC ? 'yes' : `no (expected ${hex(VIRTIO_MMIO_MAGIC)})` }
  ]
}

function decodeVersion(v: number): RegField[] {
  v >>>= 0
  const s = v === 1 ? 'legacy (Version 1)' : v === 2 ? 'modern (Version 2)' : 'invalid'
  return [{ name: 'interface', value: `${v} ${s}` }]
}

function decodeDeviceId(v: number): RegField[] {
  return [{ name: 'device', value: `${DEVICE_IDS[v >>> 0] ?? 'unknown'} (${v >>> 0})` }]
}

function decodeVendor(v: number): RegField[] {
  return [
    { name: 'vendor', value: hex(v >>> 0, 8) },
    { name: 'ascii', value: `"${ascii4(v)}"` }
  ]
}

function selPage(selOff: number) {
  return (v: number, ctx: RegCtx): RegField[] => {
    const sel = safeRead(ctx, selOff) ?? 0
    return decodeFeatures(v, sel, ctx.deviceId ?? 3)
  }
}

function decodeFeatSel(v: number): RegField[] {
  v >>>= 0
  return [{ name: 'page', value: `bits ${32 * v}-${32 * v + 31}` }]
}

function decodePageSize(v: number): RegField[] {
  v >>>= 0
  return [
    { name: 'bytes', value: String(v) },
    { name: 'power of two', value: isPow2(v) ? 'yes' : 'no' }
  ]
}

function decodeQueueIdx(v: number): RegField[] {
  return [{ name: 'queue', value: queueName(v) }]
}

function decodeNumMax(v: number): RegField[] {
  v >>>= 0
  return [{ name: 'max size', value: v === 0 ? '0 = queue not available (Q7)' : String(v) }]
}

function decodeQueueNum(v: number): RegField[] {
  v >>>= 0
  const okSize = isPow2(v) && v <= 32768
  return [
    { name: 'size', value: String(v) },
    { name: 'valid', value: okSize ? 'yes' : 'no (split ring: power of two, 1..32768, virtio 1.2 §2.7)' }
  ]
}

function decodeAlign(v: number): RegField[] {
  v >>>= 0
  return [
    { name: 'bytes', value: String(v) },
    { name: 'power of two', value: isPow2(v) ? 'yes' : 'no' }
  ]
}

/** QueuePFN (legacy, virtio 1.2 §4.2.4): the ring at PFN × QueueAlign as the seed's device reads
 *  it (Q5), and PFN × GuestPageSize as the spec says when the two differ. A profile's own values
 *  (the seed's ack, Q3) are its regFields. */
export function decodeQueuePfn(v: number, ctx: RegCtx): RegField[] {
  v >>>= 0
  if (v === 0) return [{ name: 'ring', value: 'none (0: queue not configured; a legacy write of 0 releases it)' }]
  const ring = BigInt(v) * BigInt(Math.trunc(ctx.queueAlign) >>> 0)
  const out = [{ name: 'pfn', value: hex(v) }, ...addrFields(ring, ctx, 'ring (PFN × QueueAlign)')]
  if ((ctx.guestPageSize >>> 0) !== (ctx.queueAlign >>> 0)) {
    const spec = BigInt(v) * BigInt(Math.trunc(ctx.guestPageSize) >>> 0)
    out.push({ name: 'spec ring (PFN × GuestPageSize)', value: hex(spec) })
  }
  return out
}

function decodeReady(v: number): RegField[] {
  return [{ name: 'ready', value: v & 1 ? '1' : '0' }]
}

function decodeShmLen(partner: number, isLow: boolean) {
  const p = pair(partner, isLow, 'length', false)
  return (v: number, ctx: RegCtx): RegField[] => {
    const f = p(v, ctx)
    const other = safeRead(ctx, partner)
    if (other !== null && (v >>> 0) === 0xffffffff && other === 0xffffffff) f.push({ name: 'region', value: 'none (all-ones)' })
    return f
  }
}

function decodeShmBase(partner: number, isLow: boolean) {
  const p = pair(partner, isLow, 'base', false)
  return (v: number, ctx: RegCtx): RegField[] => p(v, ctx)
}

function decodeColsRows(v: number): RegField[] {
  return [
    { name: 'cols', value: String(v & 0xffff) },
    { name: 'rows', value: String(v >>> 16) },
    { name: 'valid if', value: 'VIRTIO_CONSOLE_F_SIZE negotiated' }
  ]
}

function decodeMaxPorts(v: number): RegField[] {
  return [
    { name: 'max_nr_ports', value: String(v >>> 0) },
    { name: 'valid if', value: 'VIRTIO_CONSOLE_F_MULTIPORT negotiated' }
  ]
}

function decodeEmergWr(v: number): RegField[] {
  const c = v & 0xff
  return [
    { name: 'char', value: c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : hex(c, 2) },
    { name: 'valid if', value: 'VIRTIO_CONSOLE_F_EMERG_WRITE negotiated (write-only)' }
  ]
}

// ---- the table ------------------------------------------------------------------------------

const V1: readonly (1 | 2)[] = [1]
const V2: readonly (1 | 2)[] = [2]
const V12: readonly (1 | 2)[] = [1, 2]
const LEGACY_ONLY = 'reserved in Version 2 (legacy only)'
const MODERN_ONLY = 'Version 2 only (reserved in legacy)'

function d(
  off: number,
  name: string,
  legacy: string,
  modern: string,
  access: Access,
  versions: readonly (1 | 2)[],
  decode: (v: number, ctx: RegCtx) => RegField[]
): RegDef {
  return { off, name, legacy, modern, access, versions, decode }
}

const M = 'VIRTIO_MMIO_'

/** every cell virtio-mmio defines in 0x000-0x0FC, then the console config cells at 0x100.. */
export const REG_DEFS: readonly RegDef[] = [
  d(REG.MagicValue, 'MagicValue', M + 'MAGIC_VALUE', '', 'RO', V12, decodeMagic),
  d(REG.Version, 'Version', M + 'VERSION', '', 'RO', V12, decodeVersion),
  d(REG.DeviceID, 'DeviceID', M + 'DEVICE_ID', '', 'RO', V12, decodeDeviceId),
  d(REG.VendorID, 'VendorID', M + 'VENDOR_ID', '', 'RO', V12, decodeVendor),
  // legacy spec calls 0x010-0x024 Host/GuestFeatures(Sel); same meaning
  d(REG.DeviceFeatures, 'DeviceFeatures', M + 'DEVICE_FEATURES', '', 'RO', V12, selPage(REG.DeviceFeaturesSel)),
  d(REG.DeviceFeaturesSel, 'DeviceFeaturesSel', M + 'DEVICE_FEATURES_SEL', '', 'WO', V12, decodeFeatSel),
  d(REG.DriverFeatures, 'DriverFeatures', M + 'DRIVER_FEATURES', '', 'WO', V12, selPage(REG.DriverFeaturesSel)),
  d(REG.DriverFeaturesSel, 'DriverFeaturesSel', M + 'DRIVER_FEATURES_SEL', '', 'WO', V12, decodeFeatSel),
  d(REG.GuestPageSize, 'GuestPageSize', M + 'GUEST_PAGE_SIZE', LEGACY_ONLY, 'WO', V1, decodePageSize),
  d(REG.QueueSel, 'QueueSel', M + 'QUEUE_SEL', '', 'WO', V12, decodeQueueIdx),
  d(REG.QueueNumMax, 'QueueNumMax', M + 'QUEUE_NUM_MAX', '', 'RO', V12, decodeNumMax),
  d(REG.QueueNum, 'QueueNum', M + 'QUEUE_NUM', '', 'WO', V12, decodeQueueNum),
  d(REG.QueueAlign, 'QueueAlign', M + 'QUEUE_ALIGN', LEGACY_ONLY, 'WO', V1, decodeAlign),
  d(
    REG.QueuePFN,
    'QueuePFN',
    M + 'QUEUE_PFN',
    LEGACY_ONLY + '; Version 2 uses QueueDesc/Driver/Device Low/High',
    'RW',
    V1,
    decodeQueuePfn
  ),
  d(REG.QueueReady, 'QueueReady', M + 'QUEUE_READY', MODERN_ONLY, 'RW', V2, decodeReady),
  d(REG.QueueNotify, 'QueueNotify', M + 'QUEUE_NOTIFY', '', 'WO', V12, decodeQueueIdx),
  d(REG.InterruptStatus, 'InterruptStatus', M + 'INTERRUPT_STATUS', '', 'RO', V12, decodeInt),
  d(REG.InterruptACK, 'InterruptACK', M + 'INTERRUPT_ACK', '', 'WO', V12, decodeInt),
  d(REG.Status, 'Status', M + 'STATUS', '', 'RW', V12, decodeStatus),
  d(REG.QueueDescLow, 'QueueDescLow', M + 'QUEUE_DESC_LOW', MODERN_ONLY, 'WO', V2, pair(REG.QueueDescHigh, true, 'desc table', true)),
  d(REG.QueueDescHigh, 'QueueDescHigh', M + 'QUEUE_DESC_HIGH', MODERN_ONLY, 'WO', V2, pair(REG.QueueDescLow, false, 'desc table', true)),
  d(REG.QueueDriverLow, 'QueueDriverLow', M + 'QUEUE_AVAIL_LOW', MODERN_ONLY, 'WO', V2, pair(REG.QueueDriverHigh, true, 'avail ring', true)),
  d(REG.QueueDriverHigh, 'QueueDriverHigh', M + 'QUEUE_AVAIL_HIGH', MODERN_ONLY, 'WO', V2, pair(REG.QueueDriverLow, false, 'avail ring', true)),
  d(REG.QueueDeviceLow, 'QueueDeviceLow', M + 'QUEUE_USED_LOW', MODERN_ONLY, 'WO', V2, pair(REG.QueueDeviceHigh, true, 'used ring', true)),
  d(REG.QueueDeviceHigh, 'QueueDeviceHigh', M + 'QUEUE_USED_HIGH', MODERN_ONLY, 'WO', V2, pair(REG.QueueDeviceLow, false, 'used ring', true)),
  d(REG.SHMSel, 'SHMSel', M + 'SHM_SEL', MODERN_ONLY, 'WO', V2, num('region')),
  d(REG.SHMLenLow, 'SHMLenLow', M + 'SHM_LEN_LOW', MODERN_ONLY, 'RO', V2, decodeShmLen(REG.SHMLenHigh, true)),
  d(REG.SHMLenHigh, 'SHMLenHigh', M + 'SHM_LEN_HIGH', MODERN_ONLY, 'RO', V2, decodeShmLen(REG.SHMLenLow, false)),
  d(REG.SHMBaseLow, 'SHMBaseLow', M + 'SHM_BASE_LOW', MODERN_ONLY, 'RO', V2, decodeShmBase(REG.SHMBaseHigh, true)),
  d(REG.SHMBaseHigh, 'SHMBaseHigh', M + 'SHM_BASE_HIGH', MODERN_ONLY, 'RO', V2, decodeShmBase(REG.SHMBaseLow, false)),
  d(REG_QUEUE_RESET, 'QueueReset', M + 'QUEUE_RESET', MODERN_ONLY + '; needs VIRTIO_F_RING_RESET', 'RW', V2, decodeReady),
  d(REG.ConfigGeneration, 'ConfigGeneration', M + 'CONFIG_GENERATION', MODERN_ONLY, 'RO', V2, num('generation')),
  // device config space, console layout (virtio 1.2 §5.3.4); seed: never read, all zero
  d(CONSOLE_CFG.colsRows, 'Config.cols/rows', M + 'CONFIG+0x0', '', 'RW', V12, decodeColsRows),
  d(CONSOLE_CFG.maxNrPorts, 'Config.max_nr_ports', M + 'CONFIG+0x4', '', 'RW', V12, decodeMaxPorts),
  d(CONSOLE_CFG.emergWr, 'Config.emerg_wr', M + 'CONFIG+0x8', '', 'RW', V12, decodeEmergWr)
]

const BY_OFF = new Map<number, RegDef>(REG_DEFS.map((r) => [r.off, r]))

/** the definition of the 32-bit cell starting at `off`, or undefined */
export function regDef(off: number): RegDef | undefined {
  return BY_OFF.get(off)
}

/** Name of any offset in the register window 0x000-0x1FF: 'QueuePFN', 'QueuePFN+0x2',
 *  'Config+0x4', 'reserved+0x0C8'. Offsets outside the window give 'shm+0x...' */
export function regName(off: number): string {
  if (!Number.isInteger(off) || off < 0 || off >= MMIO_WINDOW) return `shm+${hex(off)}`
  if (off >= REG.Config) return `Config+${hex(off - REG.Config)}`
  const cell = off & ~3
  const def = BY_OFF.get(cell)
  if (!def) return `reserved+0x${off.toString(16).toUpperCase().padStart(3, '0')}`
  return off === cell ? def.name : `${def.name}+${hex(off - cell)}`
}

export interface RegMeta {
  lastWriter: Side | null
  lastWriteT: number | null
  lastWriteEvent: number | null
}

/** RegCtx from the live register block (QueueAlign/GuestPageSize as currently stored) */
export function regCtxFrom(read32: (off: number) => number, shmSize: number, driverBase: number): RegCtx {
  const r = (o: number): number => {
    try {
      return read32(o) >>> 0
    } catch {
      return 0
    }
  }
  return { queueAlign: r(REG.QueueAlign), guestPageSize: r(REG.GuestPageSize), shmSize, driverBase, read32, deviceId: r(REG.DeviceID) }
}

/** One RegCell per REG_DEFS row, for the inspector. Never throws: a failing read shows value 0
 *  and an 'error' field; a failing decoder shows its message. */
export function buildRegCells(
  read32: (off: number) => number,
  ctx: RegCtx,
  meta: (off: number) => RegMeta,
  quirks: (off: number) => readonly QuirkRef[] = () => [],
  /** the profile's reading of a value (Profile.regFields), given the shared one */
  profileFields?: (off: number, value: number, ctx: RegCtx, shared: RegField[]) => RegField[]
): RegCellInfo[] {
  const c: RegCtx = ctx.read32 ? ctx : { ...ctx, read32 }
  return REG_DEFS.map((def) => {
    let value = 0
    let fields: RegField[]
    try {
      value = read32(def.off) >>> 0
      try {
        fields = def.decode(value, c)
        if (profileFields) fields = profileFields(def.off, value, c, fields)
      } catch (e) {
        fields = [{ name: 'error', value: `decode failed: ${String(e)}` }]
      }
    } catch (e) {
      fields = [{ name: 'error', value: `unreadable: ${e instanceof Error ? e.message : String(e)}` }]
    }
    let m: RegMeta = { lastWriter: null, lastWriteT: null, lastWriteEvent: null }
    try {
      m = meta(def.off)
    } catch {
      /* keep empty metadata */
    }
    return {
      off: def.off,
      name: def.name,
      legacy: def.legacy,
      modern: def.modern,
      access: def.access,
      value,
      fields,
      lastWriter: m.lastWriter,
      lastWriteT: m.lastWriteT,
      lastWriteEvent: m.lastWriteEvent,
      quirks: quirks(def.off).map((x) => ({ ...x }))
    }
  })
}

/** value of a 64-bit Low/High register pair, hex; exported for views that show pairs as one */
export function pairHex(lo: number, hi: number): string {
  return hex64(lo, hi)
}
