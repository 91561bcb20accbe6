// Validating split-ring consumer, in the manner of rust-vmm's AvailIter/DescriptorChain and
// crosvm's split_descriptor_chain: free-running u16 indices, TTL = queue size, every index and
// buffer checked before use. Returns Results; never throws on ring contents.

import type { ShmAccess } from '../sim/shm'
import { VRING_DESC_F } from './mmio'
import { err, ok, type Result, type VirtioError } from './errors'
import { hex, hex64 } from './fmt'
import {
  DESC_SIZE,
  MAX_QUEUE_SIZE,
  addrHex,
  availIdx,
  availRing,
  checkRing,
  describeRing,
  ringOff,
  setUsedElem,
  setUsedIdx,
  translate,
  usedElem,
  usedIdx,
  type Addr64,
  type DescribeOpts,
  type RingAddr,
  type RingDescription
} from './ring'

/** one buffer of a chain, already translated to a shm range that lies wholly inside shm */
export interface ChainBuf {
  /** descriptor index (in the queue's table, or in the indirect table when `indirect`) */
  i: number
  off: number
  len: number
  /** device-writable (VRING_DESC_F_WRITE) */
  write: boolean
  /** desc.addr as the driver wrote it, hex */
  addr: string
  indirect: boolean
}

/** a ChainBuf whose hex address is formatted only when read (the hot path never reads it) */
class Buf implements ChainBuf {
  constructor(
    readonly i: number,
    readonly off: number,
    readonly len: number,
    readonly write: boolean,
    readonly indirect: boolean,
    private readonly lo: number,
    private readonly hi: number
  ) {}
  get addr(): string {
    return hex64(this.lo, this.hi)
  }
}

// module-level copies: one binding lookup instead of one per descriptor
const F_NEXT = VRING_DESC_F.NEXT
const F_WRITE = VRING_DESC_F.WRITE
const F_INDIRECT = VRING_DESC_F.INDIRECT
const DSZ = DESC_SIZE
const xlate = translate

export interface DescChain {
  head: number
  bufs: ChainBuf[]
  /** total device-readable / device-writable bytes */
  readLen: number
  writeLen: number
}

export interface ChainOpts {
  /** VIRTIO_F_RING_INDIRECT_DESC negotiated (virtio 1.2 §2.7.5.3); default false (seed: none, Q8) */
  indirect?: boolean
  /** the caller validated the ring with checkRing already (Queue does at QueueReady) */
  ringChecked?: boolean
}

/** Walk the chain starting at descriptor `head` (virtio 1.2 §2.7.5). */
export function walkChain(
  shm: ShmAccess,
  r: RingAddr,
  head: number,
  driverBase: number | bigint,
  opts: ChainOpts = {}
): Result<DescChain> {
  if (!opts.ringChecked) {
    const rc = checkRing(r, shm.size)
    if (!rc.ok) return rc
  }
  const num = r.num
  if (!Number.isInteger(head) || head < 0 || head >= num)
    return err('InvalidDescriptorIndex', `head ${head} >= queue size ${num}`, { head, num })

  const bufs: ChainBuf[] = []
  let readLen = 0
  let writeLen = 0
  let sawWrite = false
  // current table: the queue's own, or an indirect table (virtio 1.2 §2.7.5.3)
  let tOff = r.descOff
  let tNum = num
  let inIndirect = false
  let ttl = num // a chain can never be longer than the queue size (virtio 1.2 §2.7.5.2)
  let i = head

  for (;;) {
    if (ttl === 0)
      return err('DescriptorChainOverflow', `chain from head ${head} has more than ${inIndirect ? tNum : num} descriptors (loop?)`, {
        head,
        desc: i,
        num
      })
    ttl--
    const o = tOff + DSZ * i
    const addr: Addr64 = { lo: shm.r32(o), hi: shm.r32(o + 4) }
    const len = shm.r32(o + 8)
    const flags = shm.r16(o + 12)
    const next = shm.r16(o + 14)
    const where = inIndirect ? `indirect desc[${i}]` : `desc[${i}]`

    if (flags & F_INDIRECT) {
      const bad = (why: string) =>
        err('InvalidIndirectDescriptor', `${where} (head ${head}): ${why}`, { head, desc: i, flags, len })
      if (!opts.indirect) return bad('INDIRECT set but VIRTIO_F_RING_INDIRECT_DESC was not negotiated')
      if (inIndirect) return bad('nested indirect table')
      if (flags & VRING_DESC_F.NEXT) return bad('INDIRECT together with NEXT')
      if (len === 0 || len % DESC_SIZE !== 0) return bad(`table length ${len} is not a non-zero multiple of 16`)
      if (len / DESC_SIZE > MAX_QUEUE_SIZE) return bad(`table of ${len / DESC_SIZE} entries exceeds 32768`)
      const t = translate(addr, len, driverBase, shm.size)
      if (t === null)
        return err('AddressOutOfRange', `${where} (head ${head}): indirect table ${addrHex(addr)} +${len} is outside shm`, {
          head,
          desc: i,
          addr: addrHex(addr),
          len
        })
      tOff = t
      tNum = len / DESC_SIZE
      ttl = tNum
      inIndirect = true
      i = 0 // an indirect table starts at entry 0 (virtio 1.2 §2.7.5.3.2)
      continue
    }

    if (len === 0) return err('ZeroLengthBuffer', `${where} (head ${head}) has length 0`, { head, desc: i })
    const off = xlate(addr, len, driverBase, shm.size)
    if (off === null)
      return err(
        'AddressOutOfRange',
        `${where} (head ${head}): buffer ${addrHex(addr)} +${hex(len)} is outside shm [${hex(driverBase)}, +${hex(shm.size)})`,
        { head, desc: i, addr: addrHex(addr), len }
      )
    const write = (flags & F_WRITE) !== 0
    // device-readable buffers come first (virtio 1.2 §2.7.4.2)
    if (!write && sawWrite)
      return err('ReadableAfterWritable', `${where} (head ${head}) is device-readable after a device-writable descriptor`, {
        head,
        desc: i
      })
    sawWrite ||= write
    if (write) writeLen += len
    else readLen += len
    bufs.push(new Buf(i, off, len, write, inIndirect, addr.lo, addr.hi))

    if (!(flags & F_NEXT)) break
    if (next >= tNum)
      return err('InvalidDescriptorIndex', `${where} (head ${head}).next = ${next} >= ${inIndirect ? 'table size' : 'queue size'} ${tNum}`, {
        head,
        desc: i,
        next,
        num: tNum
      })
    i = next
  }
  return ok({ head, bufs, readLen, writeLen })
}

/** Chains made available since `nextAvail`, or an InvalidAvailRingIndex error when avail.idx
 *  claims more than `num` of them (virtio 1.2 §2.7.6; indices are free-running u16). */
export function pendingAvail(shm: ShmAccess, r: RingAddr, nextAvail: number, ringChecked = false): Result<number> {
  if (!ringChecked) {
    const rc = checkRing(r, shm.size)
    if (!rc.ok) return rc
  }
  const next = nextAvail & 0xffff
  const idx = availIdx(shm, r)
  const n = (idx - next) & 0xffff
  if (n > r.num)
    return err('InvalidAvailRingIndex', `avail.idx ${idx} is ${n} ahead of next_avail ${next}, more than queue size ${r.num}`, {
      availIdx: idx,
      nextAvail: next,
      num: r.num
    })
  return ok(n)
}

export interface Popped {
  slot: number
  chain: DescChain
  /** next_avail after this chain */
  nextAvail: number
}

/** Take the next available chain. ok(null) when there is none. On a chain error the error's
 *  values carry `nextAvail` (the index past the bad entry) so a caller may skip it. */
export function popAvail(
  shm: ShmAccess,
  r: RingAddr,
  nextAvail: number,
  driverBase: number | bigint,
  opts: ChainOpts = {}
): Result<Popped | null> {
  const p = pendingAvail(shm, r, nextAvail, opts.ringChecked)
  if (!p.ok) return p
  if (p.value === 0) return ok(null)
  const next = nextAvail & 0xffff
  const slot = next % r.num
  const head = availRing(shm, r, slot)
  const after = (next + 1) & 0xffff
  const c = walkChain(shm, r, head, driverBase, opts)
  if (!c.ok) {
    Object.assign(c.error.values, { slot, nextAvail: after })
    return c
  }
  return ok({ slot, chain: c.value, nextAvail: after })
}

/** Pop every pending chain (at most `num`: bounded work per notification), stopping at the first
 *  error. */
export function drainAvail(
  shm: ShmAccess,
  r: RingAddr,
  nextAvail: number,
  driverBase: number | bigint,
  opts: ChainOpts = {}
): { chains: Popped[]; nextAvail: number; error: VirtioError | null } {
  const chains: Popped[] = []
  let next = nextAvail & 0xffff
  const limit = Number.isInteger(r.num) && r.num > 0 ? Math.min(r.num, MAX_QUEUE_SIZE) : 0
  for (let k = 0; k <= limit; k++) {
    const p = popAvail(shm, r, next, driverBase, opts)
    if (!p.ok) return { chains, nextAvail: next, error: p.error }
    if (p.value === null) break
    chains.push(p.value)
    next = p.value.nextAvail
  }
  return { chains, nextAvail: next, error: null }
}

/** Device side: publish used element (id, len) at next_used, then used.idx = next_used + 1 —
 *  element before index (virtio 1.2 §2.7.8.2; the seed has no barrier, Q35). Returns next_used. */
export function addUsed(shm: ShmAccess, r: RingAddr, nextUsed: number, id: number, len: number): Result<number> {
  const rc = checkRing(r, shm.size)
  if (!rc.ok) return rc
  if (!Number.isInteger(id) || id < 0 || id >= r.num)
    return err('InvalidDescriptorIndex', `used id ${id} >= queue size ${r.num}`, { id, num: r.num })
  const next = nextUsed & 0xffff
  setUsedElem(shm, r, next % r.num, { id, len: len >>> 0 })
  setUsedIdx(shm, r, next + 1)
  return ok((next + 1) & 0xffff)
}

export interface UsedPopped {
  id: number
  len: number
  /** driver's used consumer index after this element */
  lastUsed: number
}

/** Driver side: take the next used element, checking it like Linux's hardened virtio_ring
 *  (id in range and outstanding, len <= the chain's writable bytes). `writable(id)` returns the
 *  posted writable length for an outstanding head, or null when `id` is not outstanding. */
export function popUsed(
  shm: ShmAccess,
  r: RingAddr,
  lastUsed: number,
  writable?: (id: number) => number | null
): Result<UsedPopped | null> {
  const rc = checkRing(r, shm.size)
  if (!rc.ok) return rc
  const last = lastUsed & 0xffff
  const idx = usedIdx(shm, r)
  const n = (idx - last) & 0xffff
  if (n > r.num)
    return err('InvalidUsedRingIndex', `used.idx ${idx} is ${n} ahead of last_used ${last}, more than queue size ${r.num}`, {
      usedIdx: idx,
      lastUsed: last,
      num: r.num
    })
  if (n === 0) return ok(null)
  const slot = last % r.num
  const e = usedElem(shm, r, slot)
  if (e.id >= r.num) return err('InvalidUsedId', `used.ring[${slot}].id = ${e.id} >= queue size ${r.num}`, { slot, id: e.id, num: r.num })
  if (writable) {
    const w = writable(e.id)
    if (w === null) return err('InvalidUsedId', `used.ring[${slot}].id = ${e.id} is not an outstanding head`, { slot, id: e.id })
    if (e.len > w)
      return err('InvalidUsedLen', `used.ring[${slot}].len = ${e.len} > ${w} writable bytes of head ${e.id}`, {
        slot,
        id: e.id,
        len: e.len,
        writable: w
      })
  }
  return ok({ id: e.id, len: e.len, lastUsed: (last + 1) & 0xffff })
}

/** Errors of every pending chain (from `nextAvail`, default used.idx as the seed device does, Q18),
 *  as strings for describeRing's `validate` hook. Heads >= num are left to describeRing. */
export function chainErrors(
  shm: ShmAccess,
  r: RingAddr,
  driverBase: number | bigint,
  nextAvail?: number,
  opts: ChainOpts = {}
): string[] {
  const rc = checkRing(r, shm.size)
  if (!rc.ok) return [rc.error.message]
  const from = nextAvail ?? usedIdx(shm, r)
  const p = pendingAvail(shm, r, from)
  if (!p.ok) return [p.error.message]
  return chainFaults(shm, r, driverBase, from, opts).map((f) => `avail.ring[${f.slot}]: ${f.error.message}`)
}

/** a pending chain that does not walk: which avail slot, its head, the descriptor at fault */
export interface ChainFault {
  slot: number
  head: number
  /** the descriptor the walk stopped at (null when the error names none) */
  desc: number | null
  error: VirtioError
}

/** Walk every chain made available since `nextAvail` (default used.idx, Q18) and return the
 *  ones that fail, with the descriptor at fault. Heads >= num are left to describeRing; nothing
 *  when the ring or the avail index is unusable (describeRing reports those). Never throws. */
export function chainFaults(shm: ShmAccess, r: RingAddr, driverBase: number | bigint, nextAvail?: number, opts: ChainOpts = {}): ChainFault[] {
  if (!checkRing(r, shm.size).ok) return []
  const from = nextAvail ?? usedIdx(shm, r)
  const p = pendingAvail(shm, r, from, true)
  if (!p.ok) return []
  const out: ChainFault[] = []
  for (let k = 0; k < p.value; k++) {
    const slot = (from + k) % r.num
    const head = shm.r16(ringOff.availRing(r, slot))
    if (head >= r.num) continue
    const c = walkChain(shm, r, head, driverBase, { ...opts, ringChecked: true })
    if (!c.ok) {
      const d = c.error.values.desc
      out.push({ slot, head, desc: typeof d === 'number' ? d : null, error: c.error })
    }
  }
  return out
}

/** describeRing plus validation of every pending chain (from `nextAvail`, default used.idx, Q18) */
export function inspectRing(
  shm: ShmAccess,
  r: RingAddr,
  driverBase: number,
  opts: DescribeOpts & ChainOpts & { nextAvail?: number } = {}
): RingDescription {
  return describeRing(shm, r, driverBase, {
    ...opts,
    validate: (s, rr) => [...(opts.validate?.(s, rr) ?? []), ...chainErrors(s, rr, driverBase, opts.nextAvail, opts)]
  })
}
