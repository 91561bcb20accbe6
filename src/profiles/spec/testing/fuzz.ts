// Protocol-boundary fuzzing (docs/spec-profile.md §6): a ready spec pair, a burst of hostile
// stores into registers, the write log, the ready records, the rings or the buffer heap, then ONE
// notification of the device (a doorbell) or of the driver (an interrupt). The property: nothing
// escapes as an exception, and every error reported carries a known VirtioError code.

import { REG } from '../../../virtio/mmio'
import { RING, WLOG, REC, RX_POOL, TX_POOL } from '../layout'
import { SpecPair } from './pair'

export type FuzzTarget = 'device' | 'driver'
/** [shm offset, value, width in bytes] */
export type FuzzWrite = [number, number, 1 | 2 | 4]
export interface FuzzCase {
  target: FuzzTarget
  writes: FuzzWrite[]
  /** append this many raw entries to the write log before the doorbell (device target) */
  log: [number, number][]
  /** extra jump of wseq (0 = consistent with the entries) */
  jump: number
  /** device target: end the log with QueueNotify of this queue (-1: none) after bumping its
   *  avail.idx by `avail` (stale or garbage chains become available); driver target: bump that
   *  queue's used.idx by `avail` before the interrupt */
  notify: number
  avail: number
  /** bytes typed into the device console first (drives receiveq) */
  typed: number
}

/** offset ranges worth hitting, with the whole shm as the last one */
export const REGIONS: readonly [number, number][] = [
  [0, 0x200], // registers
  [WLOG.off, 0x100], // write log
  [REC.device, 0x20], // ready records
  [RING[0].desc, 0x1000], // q0 desc/avail/used
  [RING[1].desc, 0x1000], // q1
  [RX_POOL, 0x400],
  [TX_POOL, 0x4000],
  [0, 0x10000]
]

/** offsets a driver may legitimately log (plus anything, via raw values) */
export const LOG_REGS = [
  REG.Status,
  REG.QueueNotify,
  REG.QueueSel,
  REG.QueueNum,
  REG.QueueReady,
  REG.QueueDescLow,
  REG.QueueDescHigh,
  REG.QueueDriverLow,
  REG.QueueDriverHigh,
  REG.QueueDeviceLow,
  REG.QueueDeviceHigh,
  REG.InterruptACK,
  REG.DriverFeatures,
  REG.DriverFeaturesSel,
  REG.DeviceFeaturesSel,
  REG.Config + 8
]

const KNOWN = new Set([
  'InvalidDescriptorIndex',
  'DescriptorChainOverflow',
  'InvalidAvailRingIndex',
  'InvalidUsedRingIndex',
  'InvalidUsedId',
  'InvalidUsedLen',
  'AddressOutOfRange',
  'ZeroLengthBuffer',
  'ReadableAfterWritable',
  'InvalidIndirectDescriptor',
  'RingOutOfBounds',
  'InvalidQueueSize',
  'MisalignedRing',
  'QueueIndexOutOfRange',
  'InvalidQueueSetting',
  'QueueNotReady',
  'QueuePoisoned',
  'InvalidStatusTransition',
  'FeaturesRejected',
  'InvalidRegisterWrite',
  'WriteLogOverflow',
  'InvalidBufferDirection',
  'DeviceNeedsReset',
  'Handshake',
  'ConfigUnstable'
])

function store(p: SpecPair, [off, v, w]: FuzzWrite): void {
  const size = p.shm.size
  const o = Math.min(Math.max(0, off), size - w) & ~(w - 1)
  if (w === 1) p.shm.w8(o, v & 0xff)
  else if (w === 2) p.shm.w16(o, v & 0xffff)
  else p.shm.w32(o, v >>> 0)
}

/** Run one case on a fresh ready pair; returns null when the property holds, else why not. */
export function runCase(c: FuzzCase, pair = new SpecPair()): string | null {
  try {
    for (const w of c.writes) store(pair, w)
    if (c.target === 'device') {
      let wseq = pair.shm.r32(WLOG.off + WLOG.wseq)
      for (const [off, v] of c.log) {
        const e = WLOG.off + WLOG.entries + 8 * (wseq % WLOG.n)
        pair.shm.w32(e, off >>> 0)
        pair.shm.w32(e + 4, v >>> 0)
        wseq = (wseq + 1) >>> 0
      }
      if (c.notify >= 0) {
        const q = RING[c.notify & 1]!
        pair.shm.w16(q.avail + 2, (pair.shm.r16(q.avail + 2) + c.avail) & 0xffff)
        const e = WLOG.off + WLOG.entries + 8 * (wseq % WLOG.n)
        pair.shm.w32(e, REG.QueueNotify)
        pair.shm.w32(e + 4, c.notify)
        wseq = (wseq + 1) >>> 0
      }
      for (let k = 0; k < c.typed; k++) pair.devP.rx.push(0x61 + (k % 26))
      pair.shm.w32(WLOG.off + WLOG.wseq, (wseq + c.jump) >>> 0)
      pair.dev.callback()
    } else {
      if (c.notify >= 0) {
        const q = RING[c.notify & 1]!
        pair.shm.w16(q.used + 2, (pair.shm.r16(q.used + 2) + c.avail) & 0xffff)
      }
      pair.drvP.cb?.()
    }
    pair.pump(2000)
    for (const e of [...pair.devP.errors, ...pair.drvP.errors])
      if (typeof e.code !== 'string' || !KNOWN.has(e.code)) return `error event without a known code: ${JSON.stringify(e)}`
    return null
  } catch (e) {
    return `threw: ${(e as Error)?.stack ?? String(e)}`
  }
}

/** a case from a PRNG (the CLI fuzzer; fast-check builds the same shape in the tests) */
export function randomCase(rnd: () => number): FuzzCase {
  const int = (n: number) => Math.floor(rnd() * n)
  const u32 = () => (rnd() * 2 ** 32) >>> 0
  const small = () => [0, 1, 2, 0xffff, 0x8000, 64, 65, u32()][int(8)]!
  const n = int(12)
  const writes: FuzzWrite[] = []
  for (let k = 0; k < n; k++) {
    const [base, len] = REGIONS[int(REGIONS.length)]!
    writes.push([base + int(len), rnd() < 0.5 ? small() : u32(), ([1, 2, 4] as const)[int(3)]])
  }
  const log: [number, number][] = []
  const m = int(6)
  for (let k = 0; k < m; k++) log.push([rnd() < 0.85 ? LOG_REGS[int(LOG_REGS.length)]! : u32(), rnd() < 0.5 ? small() : u32()])
  return {
    target: rnd() < 0.5 ? 'device' : 'driver',
    writes,
    log,
    jump: rnd() < 0.9 ? 0 : u32(),
    notify: rnd() < 0.8 ? int(3) - (rnd() < 0.1 ? 1 : 0) : -1,
    avail: int(4),
    typed: rnd() < 0.5 ? int(100) : 0
  }
}
