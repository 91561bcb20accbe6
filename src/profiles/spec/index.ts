// Profile 'spec': virtio 1.2 conformant device and driver (docs/spec-profile.md), no quirks.

import type { Profile, ShmRegionInfo } from '../types'
import { MMIO_WINDOW } from '../../virtio/mmio'
import { ringSizes } from '../../virtio/ring'
import { SpecDevice } from './device'
import { SpecDriver } from './driver'
import { specExplain } from './explain'
import { QUEUE_MAX, REC, RING, RX_BUFS, RX_LEN, RX_POOL, TX_LEN, TX_POOL, WLOG, specName } from './layout'

const BANNER = 'virtio-mmio v2 console device'

function specRegions(shmSize: number): ShmRegionInfo[] {
  const z = ringSizes(QUEUE_MAX)
  const r: ShmRegionInfo[] = [
    { off: 0, len: MMIO_WINDOW, name: 'virtio-mmio registers (version 2)', note: 'written by the device; driver stores go through the write log (docs/spec-profile.md §2)' },
    { off: WLOG.off, len: WLOG.entries + 8 * WLOG.n, name: 'register write log', note: 'wseq, aseq, {off, value} entries (docs/spec-profile.md §2)' },
    { off: REC.device, len: 0x20, name: 'ready records', note: 'device and driver: magic, peer id, generation (docs/spec-profile.md §3)' }
  ]
  RING.forEach((q, i) => {
    const name = i === 0 ? 'receiveq' : 'transmitq'
    r.push(
      { off: q.desc, len: z.desc, name: `${name} desc`, note: 'virtio 1.2 §2.7.5' },
      { off: q.avail, len: z.avail, name: `${name} avail`, note: 'virtio 1.2 §2.7.6' },
      { off: q.used, len: z.used, name: `${name} used`, note: 'virtio 1.2 §2.7.8' }
    )
  })
  r.push(
    { off: RX_POOL, len: RX_BUFS * RX_LEN, name: 'receiveq buffers', note: `${RX_BUFS} × ${RX_LEN} B` },
    { off: TX_POOL, len: QUEUE_MAX * TX_LEN, name: 'transmitq buffers', note: `one ${TX_LEN} B buffer per descriptor` }
  )
  return r.filter((x) => x.off < shmSize && x.len > 0)
}

export const SPEC_PROFILE: Profile = {
  name: 'spec',
  device: (p) => new SpecDevice(p),
  driver: (p) => new SpecDriver(p),
  regions: specRegions,
  nameOf: specName,
  regQuirks: () => [],
  partnerOf: () => null,
  isDataLine: (line) => line.length > 0 && !line.startsWith(BANNER),
  explain: specExplain,
  consoleInput: {
    device: { reads: true, why: 'the device polls its UART each tick into receiveq buffers; the driver shell echoes and answers (docs/spec-profile.md §5)' },
    driver: {
      reads: false,
      why: "the driver's shell reads the device console through receiveq; nothing reads the driver's own UART, so typed bytes stay in its receive FIFO (docs/spec-profile.md §5)"
    }
  }
}
