// What crosses to the renderer: registers and rings decoded from shared memory, peers, guests,
// counters. Built from any ShmAccess, so the same code serves the live view and time travel.
// Never throws on hostile shm contents: problems become strings in RingView.errors.

import type {
  DescOwner,
  DescRow,
  GuestView,
  LabSnapshot,
  PeerView,
  RegCell,
  RingView,
  ShmRegion,
  Side
} from '../shared/contract'
import { Shm, type ShmAccess } from '../sim/shm'
import { buildRegCells, regCtxFrom, type RegCellInfo, type RegMeta } from '../virtio/regs'
import { describeRing, type RingAddr } from '../virtio/ring'
import { MMIO_WINDOW, VRING_DESC_F } from '../virtio/mmio'
import { HEAP_LEN, HVL_HEAP_OFF, VMRAM0_OFF, VRING_HEAP_OFF } from '../profiles/seed/driver_side_demo'
import { INSTANCE, type LabSession } from './session'
import { explain } from './explain'

const SIDES: Side[] = ['device', 'driver']

export interface SnapshotInput {
  shm: ShmAccess
  regMeta: (off: number) => RegMeta
  /** the driver's rings and its used consumer index per queue */
  rings: { queue: number; addr: RingAddr; usedCons: number }[]
  atEvent: number | null
}

export function seedRegions(shmSize: number): ShmRegion[] {
  const r: ShmRegion[] = [
    { off: 0, len: MMIO_WINDOW, name: 'virtio-mmio registers', note: 'virtio_mmio@0: plain shared RAM, no trap (Q2, docs/wire-protocol.md#register-block)' },
    { off: 0x200, len: 0x600, name: 'unused', note: 'zero' },
    { off: VMRAM0_OFF, len: 0x80000, name: 'vmram_ivshmem0', note: "OpenAMP shm I/O region base; nothing is allocated here (Q12: its length overruns shm by 0x600)" },
    { off: HVL_HEAP_OFF, len: HEAP_LEN, name: 'hvl_shmem heap', note: 'HVL bounce buffers + 40-byte bookkeeping records (Q13, Q14, docs/wire-protocol.md#bounce-buffers)' },
    { off: VRING_HEAP_OFF, len: 0x800, name: 'vring heap: driver private', note: 'heap metadata and struct virtqueue objects (Q13)' },
    { off: 0x101000, len: 0x1026, name: 'vring q0 (receiveq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: 0x103000, len: 0x1026, name: 'vring q1 (transmitq)', note: 'desc +0x0, avail +0x40, used +0x1000 (docs/wire-protocol.md#vring-layout)' },
    { off: VRING_HEAP_OFF + HEAP_LEN, len: Math.max(0, shmSize - (VRING_HEAP_OFF + HEAP_LEN)), name: 'unused', note: 'never touched' }
  ]
  return r.filter((x) => x.off < shmSize && x.len > 0)
}

/** src/virtio's register view -> the contract's RegCell (plain JSON) */
function toRegCell(c: RegCellInfo): RegCell {
  return {
    off: c.off,
    name: c.name,
    legacy: c.legacy,
    modern: c.modern,
    access: c.access,
    value: c.value,
    fields: c.fields.map((f) => ({ name: f.name, value: f.value })),
    lastWriter: c.lastWriter,
    lastWriteT: c.lastWriteT,
    lastWriteEvent: c.lastWriteEvent,
    quirks: c.quirks.map((q) => ({ q: q.q, rule: q.rule }))
  }
}

/** descriptor ownership from ring contents: in flight = avail entries the device has not used
 *  (seed device consumes at used.idx, Q18); used = entries the driver has not reclaimed */
export function ringView(shm: ShmAccess, queue: number, addr: RingAddr, usedCons: number, configured: boolean, driverBase: number): RingView {
  const d = describeRing(shm, addr, driverBase, { bytes: 16, maxDesc: 64 })
  const num = addr.num
  const owner: DescOwner[] = new Array<DescOwner>(d.desc.length).fill('free')
  const head: (number | null)[] = new Array<number | null>(d.desc.length).fill(null)
  const errors = [...d.errors]
  const mark = (h: number, o: DescOwner) => {
    // follow NEXT with a TTL of num (loop guard)
    let i = h
    for (let ttl = 0; ttl < num && i >= 0 && i < d.desc.length; ttl++) {
      owner[i] = o
      head[i] = h
      if (!(d.desc[i]!.flags & VRING_DESC_F.NEXT)) break
      i = d.desc[i]!.next
    }
  }
  const inflight = (d.avail.idx - d.used.idx) & 0xffff
  if (inflight <= num) for (let k = 0; k < inflight; k++) mark(d.avail.ring[(d.used.idx + k) % num] ?? -1, 'avail')
  const pending = (d.used.idx - usedCons) & 0xffff
  if (pending <= num) for (let k = 0; k < pending; k++) mark(d.used.ring[(usedCons + k) % num]?.id ?? -1, 'used')
  else errors.push(`used.idx ${d.used.idx} is ${pending} ahead of the driver's consumer index ${usedCons}`)
  const desc: DescRow[] = d.desc.map((r, i) => ({
    i: r.i,
    addr: r.addr,
    off: r.off,
    len: r.len,
    flags: r.flags,
    flagNames: r.flagNames,
    next: r.next,
    bytes: r.bytes,
    owner: owner[i]!,
    chainHead: head[i]!
  }))
  return {
    queue,
    name: queue === 0 ? 'receiveq' : queue === 1 ? 'transmitq' : `queue ${queue}`,
    configured,
    num,
    descOff: addr.descOff,
    availOff: addr.availOff,
    usedOff: addr.usedOff,
    guestAddr: '0x' + (driverBase + addr.descOff).toString(16),
    desc,
    avail: { flags: d.avail.flags, idx: d.avail.idx, ring: d.avail.ring },
    used: { flags: d.used.flags, idx: d.used.idx, ring: d.used.ring.map((e) => ({ id: e.id, len: e.len })) },
    driverUsedCons: usedCons,
    deviceNext: d.used.idx,
    errors
  }
}

export function buildSnapshot(s: LabSession, input: SnapshotInput, seq: number, run: { running: boolean; paused: boolean; finished: boolean }): LabSnapshot {
  const { shm } = input
  const read32 = (off: number) => shm.r32(off)
  const base = s.cfg.driverBase
  const regs: RegCell[] = buildRegCells(read32, regCtxFrom(read32, shm.size, base), input.regMeta).map(toRegCell)
  const rings = input.rings.map((r) => ringView(shm, r.queue, r.addr, r.usedCons, true, base))
  const guests = {} as Record<Side, GuestView>
  for (const side of SIDES) {
    const slot = s.slots[side]
    const g = slot.guest
    guests[side] = {
      side,
      instance: INSTANCE[side],
      state: g ? g.state : 'off',
      peerId: g?.alive && g.peer ? g.peer.id : null,
      partnerId: g?.alive && g.peer ? (side === 'device' ? (g.peer.id + 1) & 0xffff : (g.peer.id - 1) & 0xffff) : null,
      uptimeMs: g?.alive ? g.uptimeMs : 0,
      detail: g ? g.detail : 'not started',
      consoleBytes: s.consoles[side].total
    }
  }
  const peers: PeerView[] = s.fabric.peerList().map((p) => ({
    id: p.id,
    side: p.side,
    connected: p.connected,
    vectors: p.vectors,
    sent: [...p.stats.sent],
    received: [...p.stats.received],
    merged: [...p.stats.merged],
    interrupts: [...p.stats.interrupts],
    dropped: p.stats.dropped
  }))
  const drv = s.slots.driver.driver?.view
  const f = s.fabric.counters
  return {
    seq,
    t: s.clock.now,
    running: run.running,
    paused: run.paused,
    finished: run.finished,
    config: s.cfg,
    guests,
    peers,
    regs,
    rings,
    regions: seedRegions(shm.size),
    counters: {
      doorbellsSent: f.doorbells,
      doorbellsDropped: f.dropped,
      doorbellsMerged: f.merged,
      interrupts: f.interrupts,
      consoleBytes: { device: s.consoles.device.total, driver: s.consoles.driver.total },
      txBytes: drv?.txBytes ?? 0,
      txDropped: drv?.txDropped ?? 0,
      events: s.executed,
      traceEvents: s.trace.n,
      traceFirst: s.trace.first
    },
    explain: explain(s),
    atEvent: input.atEvent
  }
}

/** the live input: current shm, last writers as tracked by the session */
export function liveInput(s: LabSession): SnapshotInput {
  const drv = s.slots.driver.driver?.view
  return {
    shm: s.shm,
    regMeta: (off) => {
      const i = off >> 2
      const side = s.regSide[i]!
      return {
        lastWriter: side < 0 ? null : side === 0 ? 'device' : 'driver',
        lastWriteT: s.regT[i]! < 0 ? null : s.regT[i]!,
        lastWriteEvent: s.regEv[i]! < 0 ? null : s.regEv[i]!
      }
    },
    rings: (drv?.vqs ?? []).map((v) => ({ queue: v.idx, addr: s.driverRings().find((r) => r.queue === v.idx)!.addr, usedCons: v.usedCons })),
    atEvent: null
  }
}

export class TimeTravelError extends Error {
  constructor(msg: string) {
    super(msg)
    this.name = 'TimeTravelError'
  }
}

/** Shared memory, last writers and consumer indices as they were right after trace event i:
 *  undo every later store (old values are in the events) and memset (journal) on a copy. */
export function historicalInput(s: LabSession, i: number): SnapshotInput {
  const tr = s.trace
  if (!Number.isInteger(i) || i < tr.first || i >= tr.n)
    throw new TimeTravelError(`event ${i} is not in the kept trace (events ${tr.first}..${tr.n - 1})`)
  const shm = Shm.copyOf(s.shm)
  for (let k = tr.n - 1; k > i; k--) {
    const e = tr.get(k)!
    if (e.k === 'store') {
      const off = e.off as number
      const w = e.w as number
      const old = BigInt(e.old as string)
      for (let b = 0; b < w; b++) shm.w8(off + b, Number((old >> BigInt(8 * b)) & 0xffn))
    } else if (e.k === 'memset') {
      const old = s.memsetUndo.get(k)
      const off = e.off as number
      const len = e.len as number
      if (old) shm.u8.set(old, off)
      else shm.fill(off, len, 0)
    }
  }
  const side = new Int8Array(MMIO_WINDOW / 4).fill(-1)
  const t = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  const ev = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  const cons = new Map<number, number>()
  for (let k = tr.first; k <= i; k++) {
    const e = tr.get(k)!
    if (e.k === 'store' && (e.off as number) < MMIO_WINDOW) {
      const c = (e.off as number) >> 2
      side[c] = e.side === 'device' ? 0 : 1
      t[c] = e.t
      ev[c] = e.i
    } else if (e.k === 'reclaim') cons.set(e.queue as number, e.usedCons as number)
  }
  return {
    shm,
    regMeta: (off) => {
      const c = off >> 2
      return {
        lastWriter: side[c]! < 0 ? null : side[c] === 0 ? 'device' : 'driver',
        lastWriteT: t[c]! < 0 ? null : t[c]!,
        lastWriteEvent: ev[c]! < 0 ? null : ev[c]!
      }
    },
    rings: s.driverRings().map((r) => ({ ...r, usedCons: cons.get(r.queue) ?? 0 })),
    atEvent: i
  }
}
