// Split-ring views (virtio 1.2 §2.7) over shared memory, addressed by shm OFFSETS.
// Typed readers/writers are thin: they use ShmAccess, which throws ShmBoundsError, so call
// checkRing() first. describeRing() and fieldAt() never throw, whatever the ring contents.

import type { ShmAccess } from '../sim/shm'
import { VRING_DESC_F, vringLayout } from './mmio'
import { err, ok, type Result } from './errors'
import { big, hex, hex64, isPow2 } from './fmt'

export interface RingAddr {
  descOff: number
  availOff: number
  usedOff: number
  /** queue size */
  num: number
}

/** 64-bit guest address as two u32 halves (JSON-safe; numbers above 2^53 stay exact) */
export interface Addr64 {
  lo: number
  hi: number
}

export interface Desc {
  addr: Addr64
  len: number
  flags: number
  next: number
}

export interface UsedElem {
  id: number
  len: number
}

export const MAX_QUEUE_SIZE = 32768
export const DESC_SIZE = 16
export const USED_ELEM_SIZE = 8

// ---- field offsets (virtio 1.2 §2.7.5, §2.7.6, §2.7.8) -----------------------------------

export const ringOff = {
  desc: (r: RingAddr, i: number) => r.descOff + DESC_SIZE * i,
  descAddr: (r: RingAddr, i: number) => r.descOff + DESC_SIZE * i,
  descLen: (r: RingAddr, i: number) => r.descOff + DESC_SIZE * i + 8,
  descFlags: (r: RingAddr, i: number) => r.descOff + DESC_SIZE * i + 12,
  descNext: (r: RingAddr, i: number) => r.descOff + DESC_SIZE * i + 14,
  availFlags: (r: RingAddr) => r.availOff,
  availIdx: (r: RingAddr) => r.availOff + 2,
  availRing: (r: RingAddr, i: number) => r.availOff + 4 + 2 * i,
  usedEvent: (r: RingAddr) => r.availOff + 4 + 2 * r.num,
  usedFlags: (r: RingAddr) => r.usedOff,
  usedIdx: (r: RingAddr) => r.usedOff + 2,
  usedId: (r: RingAddr, i: number) => r.usedOff + 4 + USED_ELEM_SIZE * i,
  usedLen: (r: RingAddr, i: number) => r.usedOff + 8 + USED_ELEM_SIZE * i,
  availEvent: (r: RingAddr) => r.usedOff + 4 + USED_ELEM_SIZE * r.num
} as const

/** byte sizes of the three parts, including used_event / avail_event (virtio 1.2 §2.7) */
export function ringSizes(num: number): { desc: number; avail: number; used: number } {
  return { desc: DESC_SIZE * num, avail: 6 + 2 * num, used: 6 + USED_ELEM_SIZE * num }
}

// ---- constructing addresses -------------------------------------------------------------------

/** legacy contiguous ring at shm offset `base` (vring_init layout; used part aligned to `align`) */
export function ringAt(base: number, num: number, align = 4096): RingAddr {
  const l = vringLayout(num, align)
  return { descOff: base + l.desc, availOff: base + l.avail, usedOff: base + l.used, num }
}

/** seed ring from QueuePFN: driver VA = PFN × QueueAlign (Q5), shm off = VA − driverBase.
 *  null when that offset is negative or not a safe integer. */
export function ringFromPfn(pfn: number, align: number, num: number, driverBase: number): RingAddr | null {
  const off = BigInt(pfn >>> 0) * BigInt(align >>> 0) - big(driverBase)
  if (off < 0n || off > BigInt(Number.MAX_SAFE_INTEGER)) return null
  if (!(align > 0)) return null
  return ringAt(Number(off), num, align)
}

/** Version 2 ring from the three 64-bit QueueDesc/Driver/Device addresses (virtio 1.2 §4.2.2) */
export function ringFromAddrs(desc: Addr64, avail: Addr64, used: Addr64, num: number, driverBase: number): RingAddr | null {
  const t = (a: Addr64): number | null => {
    const o = a64(a) - big(driverBase)
    return o < 0n || o > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(o)
  }
  const d = t(desc)
  const a = t(avail)
  const u = t(used)
  return d === null || a === null || u === null ? null : { descOff: d, availOff: a, usedOff: u, num }
}

// ---- addresses ----------------------------------------------------------------------------------

export function a64(a: Addr64): bigint {
  return (BigInt(a.hi >>> 0) << 32n) | BigInt(a.lo >>> 0)
}

/** '0xafb01000'; all-ones stays exact: '0xffffffffffffffff' */
export function addrHex(a: Addr64): string {
  return hex64(a.lo, a.hi)
}

export function addrOf(v: number | bigint): Addr64 {
  const b = BigInt.asUintN(64, big(v))
  return { lo: Number(b & 0xffffffffn), hi: Number(b >> 32n) }
}

/** shm offset of [addr, addr + len) (addr a driver VA, docs/wire-protocol.md#addresses), or null when the
 *  whole range is not inside shm (len 0 checks the start only) */
export function translate(a: Addr64, len: number, driverBase: number | bigint, shmSize: number): number | null {
  if (Number.isNaN(len) || len === Infinity) return null
  // fast path, exact in doubles: a 32-bit address, a safe-integer base, a u32-sized length
  if (a.hi === 0 && typeof driverBase === 'number' && Number.isSafeInteger(driverBase) && len >= 0 && len <= 0xffffffff) {
    const off = (a.lo >>> 0) - driverBase
    const l = Math.trunc(len)
    if (off < 0 || off + l > shmSize || (l === 0 && off >= shmSize)) return null
    return off
  }
  const off = a64(a) - big(driverBase)
  const l = len > 0 ? big(len) : 0n
  const size = big(shmSize)
  if (off < 0n || off + l > size || (l === 0n && off >= size)) return null
  return Number(off)
}

// ---- validation -----------------------------------------------------------------------------------

function inside(off: number, len: number, size: number): boolean {
  return Number.isSafeInteger(off) && off >= 0 && len >= 0 && off + len <= size
}

/** every part inside shm, alignment desc 16 / avail 2 / used 4 (virtio 1.2 §2.7.2), size a power
 *  of two <= 32768 (virtio 1.2 §2.7) */
export function checkRing(r: RingAddr, shmSize: number): Result<void> {
  const n = r.num
  if (!isPow2(n) || n > MAX_QUEUE_SIZE) return err('InvalidQueueSize', `queue size ${n} is not a power of two in 1..32768`, { num: n })
  const s = ringSizes(n)
  const parts: [string, number, number, number][] = [
    ['desc', r.descOff, s.desc, 16],
    ['avail', r.availOff, s.avail, 2],
    ['used', r.usedOff, s.used, 4]
  ]
  for (const [name, off, len, al] of parts) {
    if (!inside(off, len, shmSize))
      return err('RingOutOfBounds', `${name} [${hex(off)}, +${hex(len)}) is outside shm (size ${hex(shmSize)})`, { part: name, off, len, shmSize })
    if (off % al !== 0) return err('MisalignedRing', `${name} at ${hex(off)} is not ${al}-byte aligned`, { part: name, off, align: al })
  }
  return ok(undefined)
}

export function ringFits(r: RingAddr, shmSize: number): boolean {
  return checkRing(r, shmSize).ok
}

// ---- typed readers (throw ShmBoundsError when out of shm; check the ring first) -------------------

export function readDesc(shm: ShmAccess, r: RingAddr, i: number): Desc {
  const o = ringOff.desc(r, i)
  return { addr: { lo: shm.r32(o), hi: shm.r32(o + 4) }, len: shm.r32(o + 8), flags: shm.r16(o + 12), next: shm.r16(o + 14) }
}
export const availFlags = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.availFlags(r))
export const availIdx = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.availIdx(r))
export const availRing = (shm: ShmAccess, r: RingAddr, i: number): number => shm.r16(ringOff.availRing(r, i))
export const usedEvent = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.usedEvent(r))
export const usedFlags = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.usedFlags(r))
export const usedIdx = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.usedIdx(r))
export const usedElem = (shm: ShmAccess, r: RingAddr, i: number): UsedElem => ({
  id: shm.r32(ringOff.usedId(r, i)),
  len: shm.r32(ringOff.usedLen(r, i))
})
export const availEvent = (shm: ShmAccess, r: RingAddr): number => shm.r16(ringOff.availEvent(r))

// ---- typed writers ------------------------------------------------------------------------------

export function writeDesc(shm: ShmAccess, r: RingAddr, i: number, d: Desc): void {
  const o = ringOff.desc(r, i)
  shm.w32(o, d.addr.lo)
  shm.w32(o + 4, d.addr.hi)
  shm.w32(o + 8, d.len)
  shm.w16(o + 12, d.flags)
  shm.w16(o + 14, d.next)
}
export const setAvailFlags = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.availFlags(r), v)
export const setAvailIdx = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.availIdx(r), v & 0xffff)
export const setAvailRing = (shm: ShmAccess, r: RingAddr, i: number, head: number): void => shm.w16(ringOff.availRing(r, i), head)
export const setUsedEvent = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.usedEvent(r), v)
export const setUsedFlags = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.usedFlags(r), v)
export const setUsedIdx = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.usedIdx(r), v & 0xffff)
export function setUsedElem(shm: ShmAccess, r: RingAddr, i: number, e: UsedElem): void {
  shm.w32(ringOff.usedId(r, i), e.id)
  shm.w32(ringOff.usedLen(r, i), e.len)
}
export const setAvailEvent = (shm: ShmAccess, r: RingAddr, v: number): void => shm.w16(ringOff.availEvent(r), v)

// ---- description for the inspector ------------------------------------------------------------

/** one descriptor as the inspector shows it (ownership needs driver-side state: src/lab adds it) */
export interface DescInfo {
  i: number
  /** desc.addr as the driver wrote it (guest VA), hex */
  addr: string
  /** shm offset addr - driverBase, or null when outside the shared memory */
  off: number | null
  len: number
  flags: number
  flagNames: string[]
  next: number
  /** up to opts.bytes bytes of the buffer (when off is valid) */
  bytes: number[]
}

export interface RingDescription {
  desc: DescInfo[]
  avail: { flags: number; idx: number; ring: number[]; usedEvent: number }
  used: { flags: number; idx: number; ring: UsedElem[]; availEvent: number }
  /** true when only the first opts.maxDesc descriptors/entries are shown */
  truncated: boolean
  errors: string[]
}

export interface DescribeOpts {
  /** buffer preview length per descriptor (default 16) */
  bytes?: number
  /** cap on rows shown for huge or hostile sizes (default 256) */
  maxDesc?: number
  /** extra checks on the pending avail entries, e.g. chain validation (added by chain.ts users) */
  validate?: (shm: ShmAccess, r: RingAddr) => string[]
}

export function descFlagNames(flags: number): string[] {
  const out: string[] = []
  if (flags & VRING_DESC_F.NEXT) out.push('NEXT')
  if (flags & VRING_DESC_F.WRITE) out.push('WRITE')
  if (flags & VRING_DESC_F.INDIRECT) out.push('INDIRECT')
  const rest = flags & ~7 & 0xffff
  if (rest) out.push(hex(rest))
  return out
}

/** Snapshot of one split ring for the UI. Never throws: unreadable fields read as 0 and every
 *  inconsistency (bad size, misalignment, parts outside shm, heads >= num, avail/used index jumps)
 *  becomes a string in `errors`. */
export function describeRing(shm: ShmAccess, r: RingAddr, driverBase: number, opts: DescribeOpts = {}): RingDescription {
  const errors: string[] = []
  const size = shm.size
  const maxBytes = Math.max(0, Math.min(opts.bytes ?? 16, 4096))
  const maxDesc = Math.max(0, Math.trunc(opts.maxDesc ?? 256))
  const num = r.num
  const chk = checkRing(r, size)
  if (!chk.ok) errors.push(chk.error.message)
  const validNum = Number.isInteger(num) && num > 0
  const rows = validNum ? Math.min(num, maxDesc, MAX_QUEUE_SIZE) : 0
  const truncated = validNum && rows < num

  // bounds-checked reads: null when out of shm
  const r16 = (o: number): number | null => (inside(o, 2, size) ? shm.r16(o) : null)
  const r32 = (o: number): number | null => (inside(o, 4, size) ? shm.r32(o) : null)
  const missing = new Set<string>()
  const get = (v: number | null, what: string): number => {
    if (v === null) missing.add(what)
    return v ?? 0
  }

  const desc: DescInfo[] = []
  for (let i = 0; i < rows; i++) {
    const o = r.descOff + DESC_SIZE * i
    const lo = get(r32(o), 'desc')
    const hi = get(r32(o + 4), 'desc')
    const len = get(r32(o + 8), 'desc')
    const flags = get(r16(o + 12), 'desc')
    const next = get(r16(o + 14), 'desc')
    const a = { lo, hi }
    const off = translate(a, 0, driverBase, size)
    let bytes: number[] = []
    if (off !== null && maxBytes > 0) {
      const n = Math.min(len, maxBytes, size - off)
      try {
        bytes = Array.from(shm.read(off, n))
      } catch {
        bytes = []
      }
    }
    desc.push({ i, addr: addrHex(a), off, len, flags, flagNames: descFlagNames(flags), next, bytes })
  }

  const aFlags = get(r16(ringOff.availFlags(r)), 'avail')
  const aIdx = get(r16(ringOff.availIdx(r)), 'avail')
  const aRing: number[] = []
  for (let i = 0; i < rows; i++) aRing.push(get(r16(ringOff.availRing(r, i)), 'avail'))
  const uEvent = validNum ? get(r16(ringOff.usedEvent(r)), 'avail') : 0

  const uFlags = get(r16(ringOff.usedFlags(r)), 'used')
  const uIdx = get(r16(ringOff.usedIdx(r)), 'used')
  const uRing: UsedElem[] = []
  for (let i = 0; i < rows; i++) uRing.push({ id: get(r32(ringOff.usedId(r, i)), 'used'), len: get(r32(ringOff.usedLen(r, i)), 'used') })
  const aEvent = validNum ? get(r16(ringOff.availEvent(r)), 'used') : 0

  for (const m of missing) errors.push(`${m}: part of the ring is outside shm; unreadable fields shown as 0`)

  if (validNum && chk.ok) {
    // outstanding = avail.idx - used.idx (free-running u16) can never exceed num (virtio 1.2 §2.7.6)
    const pending = (aIdx - uIdx) & 0xffff
    if (pending > num) errors.push(`avail.idx ${aIdx} is ${pending} ahead of used.idx ${uIdx}, more than num ${num}`)
    else {
      for (let k = 0; k < pending && k < rows; k++) {
        const slot = (uIdx + k) % num
        const head = aRing[slot] ?? 0
        if (head >= num) errors.push(`avail.ring[${slot}] = ${head} is not a descriptor index (num ${num})`)
      }
    }
    // used entries the device published in the last `num` slots must name descriptors
    const shown = Math.min(num, rows, uIdx)
    for (let k = 1; k <= shown; k++) {
      const slot = (uIdx - k + 0x10000) % num
      const e = uRing[slot]
      if (e && e.id >= num) errors.push(`used.ring[${slot}].id = ${e.id} is not a descriptor index (num ${num})`)
    }
    for (const dr of desc) {
      if (dr.flags & VRING_DESC_F.NEXT && dr.next >= num) errors.push(`desc[${dr.i}].next = ${dr.next} >= num ${num} with NEXT set`)
    }
    if (opts.validate) {
      try {
        errors.push(...opts.validate(shm, r))
      } catch (e) {
        errors.push(`validation failed: ${String(e)}`)
      }
    }
  }
  return {
    desc,
    avail: { flags: aFlags, idx: aIdx, ring: aRing, usedEvent: uEvent },
    used: { flags: uFlags, idx: uIdx, ring: uRing, availEvent: aEvent },
    truncated,
    errors
  }
}

// ---- naming shm offsets -------------------------------------------------------------------------

function sub(name: string, rel: number): string {
  return rel === 0 ? name : `${name}+${hex(rel)}`
}

/** Name the ring field holding shm offset `off`: 'q1.desc[2].len', 'q0.avail.idx',
 *  'q1.used.ring[3].id', 'q0.desc[1].addr+0x4'; null when no ring field covers it. */
export function fieldAt(off: number, rings: readonly { queue: number; addr: RingAddr }[]): string | null {
  if (!Number.isSafeInteger(off)) return null
  for (const { queue, addr: r } of rings) {
    const n = r.num
    if (!Number.isInteger(n) || n <= 0 || n > MAX_QUEUE_SIZE) continue
    const s = ringSizes(n)
    const p = `q${queue}`
    let rel = off - r.descOff
    if (rel >= 0 && rel < s.desc) {
      const i = rel >> 4
      const f = rel & 15
      const base = `${p}.desc[${i}]`
      if (f < 8) return sub(`${base}.addr`, f)
      if (f < 12) return sub(`${base}.len`, f - 8)
      if (f < 14) return sub(`${base}.flags`, f - 12)
      return sub(`${base}.next`, f - 14)
    }
    rel = off - r.availOff
    if (rel >= 0 && rel < s.avail) {
      if (rel < 2) return sub(`${p}.avail.flags`, rel)
      if (rel < 4) return sub(`${p}.avail.idx`, rel - 2)
      if (rel < 4 + 2 * n) return sub(`${p}.avail.ring[${(rel - 4) >> 1}]`, (rel - 4) & 1)
      return sub(`${p}.avail.used_event`, rel - 4 - 2 * n)
    }
    rel = off - r.usedOff
    if (rel >= 0 && rel < s.used) {
      if (rel < 2) return sub(`${p}.used.flags`, rel)
      if (rel < 4) return sub(`${p}.used.idx`, rel - 2)
      if (rel < 4 + 8 * n) {
        const i = (rel - 4) >> 3
        const f = (rel - 4) & 7
        return f < 4 ? sub(`${p}.used.ring[${i}].id`, f) : sub(`${p}.used.ring[${i}].len`, f - 4)
      }
      return sub(`${p}.used.avail_event`, rel - 4 - 8 * n)
    }
  }
  return null
}
