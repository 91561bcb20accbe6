// Shared-memory layout of the spec profile (docs/spec-profile.md §1) and the two small records
// that replace the traps a real virtio-mmio window would have: the register write log (§2) and
// the ready/role records (§3). All values read back from shm are validated by the reader.

import type { ShmAccess } from '../../sim/shm'
import { MMIO_WINDOW } from '../../virtio/mmio'

/** register write log: driver appends {off, value}, bumps `wseq`, rings the device (§2) */
export const WLOG = {
  off: MMIO_WINDOW, // 0x200
  wseq: 0x0, // u32, driver: entries ever appended
  aseq: 0x4, // u32, device: entries applied
  entries: 0x8, // WLOG_N × {u32 off | SYNC, u32 value}
  n: 30
} as const
/** entry flag: interrupt the driver once this entry is applied (it waits on it) */
export const WLOG_SYNC = 0x8000_0000

/** ready/role records (§3): magic, peer id, generation (boots so far) */
export const REC = { device: 0x300, driver: 0x310, magic: 0x0, id: 0x4, gen: 0x8, vectors: 0xc } as const
/** vector of each direction and queue once both records say >= 2 vectors (docs/spec-profile.md §9):
 *  driver -> device: write log and receiveq notifications on 0, transmitq notifications on 1;
 *  device -> driver: log acks, config and receiveq used on 0, transmitq used on 1 */
export const TX_VECTOR = 1

/** the vector for transmitq traffic: 1 when both sides have two, else 0 */
export function txVector(shm: Pick<ShmAccess, 'r32'>): number {
  const a = shm.r32(REC.device + REC.vectors)
  const b = shm.r32(REC.driver + REC.vectors)
  return a >= 2 && b >= 2 ? TX_VECTOR : 0
}
export const MAGIC = { device: 0x44505356 /* 'VSPD' */, driver: 0x52505356 /* 'VSPR' */ } as const

/** rings: QueueNumMax 64 each, modern layout (three separately placed parts, §2.7.2 alignment) */
export const QUEUE_MAX = 64
export const RING = [
  { desc: 0x1000, avail: 0x1400, used: 0x1600 },
  { desc: 0x2000, avail: 0x2400, used: 0x2600 }
] as const
/** receiveq buffers: RX_BUFS × RX_LEN, then the transmitq pool: one TX_LEN buffer per descriptor */
export const RX_BUFS = 16
export const RX_LEN = 64
export const RX_POOL = 0x4000
export const TX_LEN = 256
export const TX_POOL = 0x8000
/** smallest shm the layout fits in */
export const SPEC_MIN_SHM = TX_POOL + QUEUE_MAX * TX_LEN

export interface Record3 {
  magic: number
  id: number
  gen: number
}

export function readRec(shm: Pick<ShmAccess, 'r32'>, at: number): Record3 {
  return { magic: shm.r32(at + REC.magic), id: shm.r32(at + REC.id), gen: shm.r32(at + REC.gen) }
}

/** a record is trusted only with its magic and a peer id ivshmem can have (u16) */
export function validRec(r: Record3, side: 'device' | 'driver'): boolean {
  return r.magic === MAGIC[side] && r.id <= 0xffff
}

/** trace names for the spec profile's own records (ring fields are named by fieldAt) */
export function specName(off: number): string | null {
  const w = WLOG.off
  if (off === w + WLOG.wseq) return 'wlog.wseq'
  if (off === w + WLOG.aseq) return 'wlog.aseq'
  const e = off - (w + WLOG.entries)
  if (e >= 0 && e < 8 * WLOG.n) return `wlog[${e >> 3}].${e & 4 ? 'value' : 'off'}`
  for (const side of ['device', 'driver'] as const) {
    const r = off - REC[side]
    if (r >= 0 && r < 16) return `rec.${side}.${['magic', 'id', 'gen', 'vectors'][r >> 2]}`
  }
  if (off >= RX_POOL && off < RX_POOL + RX_BUFS * RX_LEN) return `rxbuf[${(off - RX_POOL) >> 6}]+0x${((off - RX_POOL) & 63).toString(16)}`
  if (off >= TX_POOL && off < TX_POOL + QUEUE_MAX * TX_LEN) return `txbuf[${(off - TX_POOL) >> 8}]+0x${((off - TX_POOL) & 255).toString(16)}`
  return null
}

export const wlogEntry = (k: number): number => WLOG.off + WLOG.entries + 8 * (k % WLOG.n)
