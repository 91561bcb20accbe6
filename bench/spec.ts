// Spec-profile bench rows (docs/spec-profile.md): transmitq bandwidth against a plain
// Uint8Array.set in the same run, 1-byte chains per second, doorbells per KiB with and without
// EVENT_IDX, protocol-boundary fuzz cases per second.

import { Shm } from '../src/sim/shm'
import { Queue, readChainInto } from '../src/virtio/queue'
import { addrOf, ringOff, writeDesc, type RingAddr } from '../src/virtio/ring'
import { SpecPair } from '../src/profiles/spec/testing/pair'
import { randomCase, runCase } from '../src/profiles/spec/testing/fuzz'
import { mulberry32 } from '../src/virtio/testing/mock-driver'

type RowFn = (name: string, value: number, unit: string, note?: string) => void
const BASE = 0xafa00000

/** a ready device Queue of `num` entries whose descriptor i points at a `len`-byte buffer */
function txSetup(num: number, len: number) {
  const shm = new Shm(Math.max(0x10000, 2 ** Math.ceil(Math.log2(0x4000 + num * len))))
  const r: RingAddr = { descOff: 0x1000, availOff: 0x2000, usedOff: 0x3000, num }
  for (let i = 0; i < num; i++) writeDesc(shm, r, i, { addr: addrOf(BASE + 0x4000 + i * len), len, flags: 0, next: 0 })
  const q = new Queue(1, num)
  q.setSize(num)
  for (const [p, off] of [['desc', r.descOff], ['driver', r.availOff], ['device', r.usedOff]] as const) q.setAddr(p, false, BASE + off)
  const ok = q.setReady(true, shm.size, BASE)
  if (!ok.ok) throw ok.error
  let avail = 0
  /** the driver side, minimal: make `n` chains available (heads cycle through the table) */
  const post = (n: number) => {
    for (let k = 0; k < n; k++) {
      shm.w16(ringOff.availRing(r, avail % num), avail % num)
      avail = (avail + 1) & 0xffff
    }
    shm.w16(ringOff.availIdx(r), avail)
  }
  return { shm, q, post }
}

const sink = new Uint8Array(64 * 1024)
/** drain what is available: pop, copy the readable bytes out (into the console's buffer), return
 *  used; bytes moved */
function drain(shm: Shm, q: Queue): number {
  let bytes = 0
  for (;;) {
    const c = q.pop(shm, BASE)
    if (!c.ok) throw c.error
    if (!c.value) return bytes
    bytes += readChainInto(shm, c.value, sink)
    q.push(shm, c.value.head, 0)
  }
}

export function specRows(row: RowFn, quick: boolean): void {
  // 1. transmitq, 64 KiB buffers, against Uint8Array.set of the same size
  const LEN = 64 * 1024
  const { shm, q, post } = txSetup(16, LEN)
  const rounds = quick ? 300 : 3000
  // interleaved rounds (16 chains, then the same 16 buffers by a bare Uint8Array.set into the
  // same sink) so both see the same machine load; bandwidth = bytes / summed time
  let tQ = 0
  let tS = 0
  let moved = 0
  for (let i = 0; i < rounds; i++) {
    post(16)
    let t0 = performance.now()
    moved += drain(shm, q)
    tQ += performance.now() - t0
    t0 = performance.now()
    for (let k = 0; k < 16; k++) sink.set(shm.u8.subarray(0x4000 + k * LEN, 0x4000 + (k + 1) * LEN))
    tS += performance.now() - t0
  }
  const tq = moved / (tQ / 1e3)
  const setBw = (rounds * 16 * LEN) / (tS / 1e3)
  row('spec transmitq, 64 KiB buffers (pop + copy out + used)', tq / 2 ** 30, 'GiB/s', `${((100 * tq) / setBw).toFixed(0)}% of Uint8Array.set (target >= 25%)`)
  row('  Uint8Array.set of the same 64 KiB buffers, same run', setBw / 2 ** 30, 'GiB/s')

  // 2. one-byte chains per second (the seed's shape, done right)
  const one = txSetup(256, 1)
  const n1 = quick ? 200_000 : 2_000_000
  let t0 = performance.now()
  for (let i = 0; i < n1; i += 256) {
    one.post(256)
    drain(one.shm, one.q)
  }
  row('spec 1-byte chains', n1 / ((performance.now() - t0) / 1e3), 'chains/s', 'target >= 1M/s')

  // 3. doorbells per KiB sent through the driver shell, with and without EVENT_IDX
  for (const eventIdx of [true, false]) {
    const p = new SpecPair(0x10000, { eventIdx })
    p.devP.keepOut = false
    const db0 = p.drvP.doorbells
    const tx0 = p.drv.stats.txBytes
    for (let i = 0; i < (quick ? 5 : 50); i++) p.type('hello 200\r')
    const kib = (p.drv.stats.txBytes - tx0) / 1024
    row(`spec doorbells per KiB sent, EVENT_IDX ${eventIdx ? 'on' : 'off'}`, (p.drvP.doorbells - db0) / kib, 'doorbells/KiB', `${kib.toFixed(0)} KiB, ${p.drv.stats.suppressed} kicks suppressed`)
  }

  // 4. protocol-boundary fuzz cases per second (npm run fuzz runs the same, grouped by 16)
  const cases = quick ? 2000 : 20_000
  t0 = performance.now()
  let pair = new SpecPair()
  for (let i = 0; i < cases; i++) {
    if (i % 16 === 0) pair = new SpecPair()
    if (runCase(randomCase(mulberry32(i)), pair)) throw new Error(`fuzz case ${i} failed`)
  }
  const cps = cases / ((performance.now() - t0) / 1e3)
  row('spec fuzz cases per second (one core)', cps, 'cases/s', `1M cases on 2 cores: ${(1e6 / cps / 2 / 60).toFixed(0)} min`)
}
