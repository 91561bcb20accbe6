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
  Side
} from '../shared/contract'
import { Shm, type ShmAccess } from '../sim/shm'
import { buildRegCells, regCtxFrom, type RegCellInfo, type RegMeta } from '../virtio/regs'
import { describeRing } from '../virtio/ring'
import { chainFaults } from '../virtio/chain'
import { checkTravel, RegHistory, undoEvents } from './history'
import { VRING_DESC_F } from '../virtio/mmio'
import type { DriverRing } from '../profiles/types'
import { INSTANCE, type LabSession } from './session'
import { explainLines } from './explain'

export { TimeTravelError } from './history'

const SIDES: Side[] = ['device', 'driver']

export interface SnapshotInput {
  shm: ShmAccess
  regMeta: (off: number) => RegMeta
  /** the driver's rings and its used consumer index per queue */
  rings: DriverRing[]
  atEvent: number | null
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
export function ringView(shm: ShmAccess, ring: DriverRing, configured: boolean, driverBase: number): RingView {
  const { queue, addr, usedCons } = ring
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
    name: ring.name,
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
    errors,
    // the inspector is lenient about INDIRECT (validates the table) whatever was negotiated
    chainErrors: chainFaults(shm, addr, driverBase, d.used.idx, { indirect: true }).map((f) => ({
      code: f.error.code,
      message: f.error.message.replace(`${f.error.code}: `, ''),
      slot: f.slot,
      head: f.head,
      desc: f.desc
    }))
  }
}

export function buildSnapshot(s: LabSession, input: SnapshotInput, seq: number, run: { running: boolean; paused: boolean; finished: boolean }): LabSnapshot {
  const { shm } = input
  const read32 = (off: number) => shm.r32(off)
  const base = s.cfg.driverBase
  const profile = s.profile
  const regs: RegCell[] = buildRegCells(read32, regCtxFrom(read32, shm.size, base), input.regMeta, profile.regQuirks, profile.regFields).map(toRegCell)
  const rings = input.rings.map((r) => ringView(shm, r, true, base))
  const guests = {} as Record<Side, GuestView>
  for (const side of SIDES) {
    const slot = s.slots[side]
    const g = slot.guest
    guests[side] = {
      side,
      instance: INSTANCE[side],
      state: g ? g.state : 'off',
      peerId: g?.alive && g.peer ? g.peer.id : null,
      partnerId: g?.alive && g.peer ? profile.partnerOf(side, g.peer.id) : null,
      uptimeMs: g?.alive ? g.uptimeMs : 0,
      detail: g ? g.detail : 'not started',
      consoleBytes: s.consoles[side].total,
      consoleKind: profile.consoles?.[side].kind,
      consoleNote: profile.consoles?.[side].note,
      consoleInput: { reads: profile.consoleInput[side].reads, why: profile.consoleInput[side].why }
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
    dropped: p.stats.dropped,
    local: p.local
  }))
  const st = s.fabric.status()
  const drv = s.slots.driver.driver?.view
  const f = s.fabric.counters
  const why = explainLines(s)
  return {
    seq,
    t: s.clock.now,
    running: run.running,
    paused: run.paused,
    finished: run.finished,
    config: s.cfg,
    guests,
    peers,
    fabric: { kind: s.fabric.kind, clock: s.clock.kind, state: st.state, detail: st.detail },
    regs,
    rings,
    regions: profile.regions(shm.size, s.slots.driver.driver).map((r) => ({ off: r.off, len: r.len, name: r.name, note: r.note })),
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
      traceFirst: s.trace.first,
      timeTravelFirst: s.memsetUndo.earliest(s.trace.first)
    },
    explain: why.map((l) => l.text),
    explainLines: why.map((l) => ({ text: l.text, role: l.role })),
    atEvent: input.atEvent
  }
}

/** the live input: current shm, last writers as tracked by the session */
export function liveInput(s: LabSession): SnapshotInput {
  s.observe()
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
    rings: s.driverRings(),
    atEvent: null
  }
}

/** Shared memory, last writers and consumer indices as they were right after trace event i,
 *  rebuilt from scratch: undo every later store (old values are in the events) and memset
 *  (journal) on a copy of live shm, then scan the kept trace forward for writers. TravelCursor
 *  (travel.ts) gets the same result incrementally. */
export function historicalInput(s: LabSession, i: number): SnapshotInput {
  checkTravel(s, i)
  const shm = Shm.copyOf(s.shm)
  undoEvents(s, shm, s.trace.n - 1, i)
  const h = new RegHistory()
  h.scan(s, s.trace.first - 1, i)
  return historyInput(s, shm, h, i)
}

/** SnapshotInput from a rebuilt shm and register history at event i */
export function historyInput(s: LabSession, shm: ShmAccess, h: RegHistory, i: number): SnapshotInput {
  return {
    shm,
    regMeta: (off) => h.regMeta(off),
    rings: s.driverRings().map((r) => ({ ...r, usedCons: h.usedCons(r.queue) })),
    atEvent: i
  }
}
