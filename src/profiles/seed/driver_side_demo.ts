// instance_2: driver_side_demo. Zephyr + OpenAMP's virtio-mmio driver in hypervisor-less (HVL)
// mode, the virtio-serial driver with poll_out, HVL bounce buffers, and the demo's printk hook
// (docs/wire-protocol.md#driver-boot, #driver-tx, #interrupt-ack, #timing). Every store into shm is
// the store the real code makes,
// at the same offset, in the same order; addresses published are driver VAs = base + off (docs/wire-protocol.md#addresses).
// Values read back from shm (desc.next, used.ring, desc.len) are validated before use.

import {
  CONSOLE_RX,
  CONSOLE_TX,
  HVL_CFG_ACK,
  REG,
  STATUS,
  VIRTIO_MMIO_MAGIC,
  VQ_RING_DESC_CHAIN_END,
  vringLayout
} from '../../virtio/mmio'
import { type GuestPlatform, type Thread } from '../../guest/platform'
import { ZEPHYR_BANNER } from './device_side'
import { ZHeap } from '../../guest/zheap'

/** reset to POST_KERNEL virtio-mmio init: kernel start + PCIe/ivshmem/IPM probe [model; chosen so
 *  the first line is stamped [8010] as in the README: 12 ms + 2 x 4 s lands in tick 801] */
export const DRIVER_BOOT_NS = 12_000_000
/** APPLICATION init done -> main() running its first printk [model] */
export const DRIVER_MAIN_NS = 100_000
/** virtio_mmio_hvl_wait_cfg: the demo's wait hook is k_busy_wait(4000000) (docs/wire-protocol.md#pfn-ack, Q34) */
export const HVL_WAIT_NS = 4_000_000_000
/** the demo's printk hook sleeps after each byte (docs/wire-protocol.md#timing) */
export const PRINTK_SLEEP_NS = 200_000
export const GUEST_PAGE_SIZE = 4096
export const VQ_SIZE = 4 // VQIN_SIZE = VQOUT_SIZE
export const HELLO = "Hello World I'm qemu_cortex_a53 sending data over Virtio-MMIO Serial Port"

/** DT regions (driver overlay, docs/wire-protocol.md#shm-map) */
export const VMRAM0_OFF = 0x000800 // OpenAMP shm I/O region base
export const HVL_HEAP_OFF = 0x080800 // vmram_ivshmem1 -> k_heap "hvl_shmem"
export const VRING_HEAP_OFF = 0x100800 // vring_ivshmem -> k_heap "vring_shmem"
export const HEAP_LEN = 0x80000
/** libmetal: no physical address for a buffer outside the shm I/O region */
const METAL_BAD_PHYS = 0xffffffff
/** sizeof(struct virtqueue) without its vq_descx[] tail (Q13: the tail overflows the chunk) */
const SIZEOF_VIRTQUEUE = 0x58
/** driver RAM address of chan->txpoll (static struct, docs/wire-protocol.md#bounce-buffers) [model] */
const TXPOLL_VA = 0x4019b129
const BOUNCE_COOKIE = 1 // Q15: one constant cookie for every buffer

export type DriverFailure = 'bad-magic' | 'bad-version' | 'no-device' | 'hvl-config' | 'no-memory'

interface Vq {
  idx: number
  name: string
  num: number
  ringOff: number
  desc: number
  avail: number
  used: number
  free: number
  head: number
  availIdx: number
  usedCons: number
  broken: string | null
}

interface BounceRec {
  rec: number // shm offset of the 40-byte record
  buf: number // shm offset of the bounce buffer
  len: number
  orig: number
}

export interface DriverSideState {
  initialized: boolean
  failure: DriverFailure | null
  magicSeen: number | null
  vqs: { idx: number; name: string; ringOff: number; num: number; free: number; head: number; availIdx: number; usedCons: number; broken: string | null }[]
  txBytes: number
  txDropped: number
  linesStarted: number
  bounceLive: number
}

export class DriverSideDemo {
  private base = 0
  private own = 0
  private hvl = false
  private vqs: Vq[] = []
  private ready = false
  private failure: DriverFailure | null = null
  private magicSeen: number | null = null
  private bounce: BounceRec[] = []
  private hvlHeap!: ZHeap
  private vringHeap!: ZHeap
  private txInuse = false
  txBytes = 0
  txDropped = 0
  linesStarted = 0

  constructor(private readonly p: GuestPlatform) {}

  get view(): DriverSideState {
    return {
      initialized: this.ready,
      failure: this.failure,
      magicSeen: this.magicSeen,
      vqs: this.vqs.map(({ idx, name, ringOff, num, free, head, availIdx, usedCons, broken }) => ({ idx, name, ringOff, num, free, head, availIdx, usedCons, broken })),
      txBytes: this.txBytes,
      txDropped: this.txDropped,
      linesStarted: this.linesStarted,
      bounceLive: this.bounce.length
    }
  }

  /** the driver's partner: own IVPosition - 1 as a uint16 (Q24) */
  get partner(): number {
    return (this.own - 1) & 0xffff
  }

  private ipi(): void {
    this.p.ipm_send(this.partner)
  }

  private fail(f: DriverFailure, msg: string): void {
    this.failure = f
    this.p.log(`metal: error: ${msg}`)
    this.p.event('error', { where: f === 'hvl-config' || f === 'no-memory' ? 'serial-init' : 'probe', failure: f, message: msg })
    this.p.setState('failed', msg)
  }

  *main(): Thread {
    const p = this.p
    yield p.k_busy_wait(DRIVER_BOOT_NS)
    const mem = p.ivshmem_get_mem()
    this.base = mem.base
    this.own = p.ivshmem_get_id()
    p.setState('booting', 'POST_KERNEL: virtio-mmio probe')
    this.probe()
    // CONFIG_BOOT_BANNER: printed between POST_KERNEL and APPLICATION init
    p.printk(ZEPHYR_BANNER)
    if (!this.failure) yield* this.serialInit()
    yield p.k_busy_wait(DRIVER_MAIN_NS)
    if (this.ready) p.setState('ready', 'main(): printk -> virtio-serial')
    else p.log('[virtio_serial] device not ready: printk bytes are dropped')
    yield* this.helloLoop()
  }

  // ---- virtio_mmio_device_init (POST_KERNEL), docs/wire-protocol.md#driver-boot steps 1-4 ----

  private probe(): void {
    const p = this.p
    const magic = p.r32(REG.MagicValue)
    this.magicSeen = magic
    if (magic !== VIRTIO_MMIO_MAGIC) return this.fail('bad-magic', `Bad magic value ${hex8(magic)}`)
    const version = p.r32(REG.Version)
    if (version !== 1) return this.fail('bad-version', `Bad version value ${version}`) // Q1: legacy only
    const devid = p.r32(REG.DeviceID)
    if (devid === 0) return this.fail('no-device', 'Device ID is 0: no device behind this transport')
    const vendor = p.r32(REG.VendorID)
    const shmBase = p.r32(REG.SHMBaseHigh) * 2 ** 32 + p.r32(REG.SHMBaseLow)
    const shmLen = p.r32(REG.SHMLenHigh) * 2 ** 32 + p.r32(REG.SHMLenLow)
    this.hvl = shmBase !== 0 && shmLen !== 0 // Q10: "SHM regs non-zero" = HVL mode
    p.log(`[virtio_mmio] MagicValue 0x${hex8(magic)} Version ${version} DeviceID ${devid} VendorID 0x${hex8(vendor)}`)
    if (this.hvl) {
      p.log(`[virtio_mmio] HVL mode: SHMBase 0x${shmBase.toString(16)} SHMLen 0x${shmLen.toString(16)}; peer ${this.own}, rings peer ${this.partner}`)
      p.ipm_register_callback(() => this.isr())
    }
    p.w32(REG.Status, STATUS.ACKNOWLEDGE)
    this.ipi()
    p.w32(REG.GuestPageSize, GUEST_PAGE_SIZE) // no IPI
    p.setState('negotiating', 'Status = ACKNOWLEDGE')
  }

  // ---- virtio-serial init (APPLICATION), docs/wire-protocol.md#driver-boot steps 5-14 --

  private *serialInit(): Thread {
    const p = this.p
    this.hvlHeap = new ZHeap(p, 'hvl_shmem', HVL_HEAP_OFF, HEAP_LEN)
    this.vringHeap = new ZHeap(p, 'vring_shmem', VRING_HEAP_OFF, HEAP_LEN)
    this.hvlHeap.init()
    this.vringHeap.init()
    // step 5: two virtqueues and their vrings, zeroed
    const lay = vringLayout(VQ_SIZE, GUEST_PAGE_SIZE)
    for (const [idx, name] of [
      [CONSOLE_RX, 'vqin'],
      [CONSOLE_TX, 'vqout']
    ] as const) {
      const vqOff = this.vringHeap.alloc(SIZEOF_VIRTQUEUE)
      const ringOff = this.vringHeap.alloc(lay.size, GUEST_PAGE_SIZE)
      if (vqOff === null || ringOff === null) return this.fail('no-memory', `virtqueue ${name}: vring heap exhausted`)
      p.memset(ringOff, lay.size, 0)
      this.vqs.push({
        idx,
        name,
        num: VQ_SIZE,
        ringOff,
        desc: ringOff + lay.desc,
        avail: ringOff + lay.avail,
        used: ringOff + lay.used,
        free: VQ_SIZE,
        head: 0,
        availIdx: 0,
        usedCons: 0,
        broken: null
      })
    }
    // step 6: Q9, not cumulative
    p.w32(REG.Status, STATUS.DRIVER)
    this.ipi()
    // step 7-8: features, page 0 only (Q8)
    p.w32(REG.DriverFeaturesSel, 0)
    const devFeatures = p.r32(REG.DeviceFeatures)
    p.w32(REG.DriverFeatures, 0 & devFeatures)
    this.ipi()
    p.w32(REG.DeviceFeaturesSel, 0)
    p.r32(REG.DeviceFeatures)
    // steps 9-12
    for (const vq of this.vqs) {
      p.w32(REG.QueueSel, vq.idx)
      p.r32(REG.QueueNumMax) // Q7: 0 tolerated (metal_assert compiled out)
      // vq_ring_init: free chain 0 -> 1 -> ... -> END
      for (let i = 0; i < vq.num; i++) p.w16(vq.desc + 16 * i + 14, i + 1 < vq.num ? i + 1 : VQ_RING_DESC_CHAIN_END)
      p.w32(REG.DriverFeaturesSel, vq.idx) // Q4: the copy/paste slip the seed device relies on
      p.r32(REG.QueueNumMax)
      p.w32(REG.QueueNum, vq.num)
      p.w32(REG.QueueAlign, GUEST_PAGE_SIZE)
      const pfn = Math.floor((this.base + vq.ringOff) / GUEST_PAGE_SIZE)
      p.w32(REG.QueuePFN, pfn)
      p.log(`[virtio_mmio] queue ${vq.idx} (${vq.name}): ${vq.num} entries, vring 0x${(this.base + vq.ringOff).toString(16)}, QueuePFN 0x${pfn.toString(16)}`)
      this.ipi()
      // virtio_mmio_hvl_wait_cfg: check, wait 4 s, check (Q3, Q34)
      if (p.r32(REG.QueuePFN) !== HVL_CFG_ACK) {
        p.log(`[virtio_mmio] HVL: QueuePFN not acknowledged yet, waiting ${HVL_WAIT_NS / 1000} us`)
        yield p.k_busy_wait(HVL_WAIT_NS)
        const v = p.r32(REG.QueuePFN)
        if (v !== HVL_CFG_ACK) {
          return this.fail('hvl-config', `HVL mode: configuration failed (QueuePFN reads 0x${hex8(v)}, expected 0xaabbaabb)`)
        }
      }
      p.log(`[virtio_mmio] HVL: queue ${vq.idx} configuration acknowledged`)
      p.w16(vq.used, 0) // Q32: role "device" -> enabling callbacks rewrites used.flags
    }
    // step 13: DRIVER_OK alone, FEATURES_OK never written (Q9)
    p.w32(REG.Status, STATUS.DRIVER_OK)
    this.ipi()
    // step 14: "kick all queues" kicks the last queue twice with nothing queued (Q17)
    for (let i = 0; i < this.vqs.length; i++) this.kick(this.vqs[this.vqs.length - 1]!)
    this.ready = true
    p.log('[virtio_mmio] Status = DRIVER_OK; virtio-serial ready')
  }

  private kick(vq: Vq): void {
    // Q32/Q33: flags are always 0, no EVENT_IDX -> notification never suppressed
    this.p.w32(REG.QueueNotify, vq.idx)
    this.ipi()
  }

  // ---- data path ---------------------------------------------------------------------------

  private *helloLoop(): Thread {
    const p = this.p
    for (;;) {
      const line = `[${p.k_uptime_get_32()}]: ${HELLO}\n`
      this.linesStarted++
      for (let i = 0; i < line.length; i++) {
        this.pollOut(line.charCodeAt(i))
        yield p.k_sleep(PRINTK_SLEEP_NS)
      }
    }
  }

  /** virtio_serial_poll_out (docs/wire-protocol.md#driver-tx): fire and forget, one byte per descriptor */
  pollOut(c: number): void {
    const vq = this.vqs[CONSOLE_TX]
    if (!this.ready || !vq || vq.broken) {
      this.txDropped++
      return
    }
    if (this.txInuse) {
      this.txDropped++
      return
    }
    this.txInuse = true
    try {
      this.txBytes++
      if (vq.free === 0) this.getBuffer(vq) // Q16: reclaim one, only when full
      if (vq.free === 0) {
        this.txDropped++ // dropped silently
        this.p.event('guest', { op: 'tx-drop', byte: c, reason: 'transmitq full and nothing used' })
        return
      }
      if (!this.addBuffer(vq, c, TXPOLL_VA)) return
      this.kick(vq)
    } finally {
      this.txInuse = false
    }
  }

  /** virtqueue_add_buffer with one readable 1-byte buffer, bounced through hvl_shmem (docs/wire-protocol.md#bounce-buffers, Q14) */
  private addBuffer(vq: Vq, c: number, orig: number): boolean {
    const p = this.p
    const head = vq.head
    if (head >= vq.num) return this.broken(vq, `free-list head ${head} is not below QueueNum ${vq.num}`)
    const d = vq.desc + 16 * head
    p.w64(d, METAL_BAD_PHYS, METAL_BAD_PHYS) // virt->phys of driver RAM fails first
    p.w32(d + 8, 1)
    p.w16(d + 12, 0) // readable, no NEXT (flags WRITE for rx)
    const buf = this.hvlHeap.alloc(1)
    const rec = this.hvlHeap.alloc(40)
    if (buf === null || rec === null) {
      if (buf !== null) this.hvlHeap.free(buf)
      this.txDropped++
      p.event('error', { where: 'bounce', message: 'hvl_shmem heap exhausted' })
      return false
    }
    p.w8(buf, c)
    // record: list node (next, prev), cookie, original address, length
    const prev = this.bounce.length ? this.bounce[this.bounce.length - 1]!.rec : -1
    p.w64(rec, 0, 0)
    p.w64(rec + 8, prev >= 0 ? (this.base + prev) >>> 0 : 0, 0)
    if (prev >= 0) p.w64(prev, (this.base + rec) >>> 0, 0)
    p.w64(rec + 16, BOUNCE_COOKIE, 0)
    p.w64(rec + 24, orig, 0)
    p.w64(rec + 32, 1, 0)
    this.bounce.push({ rec, buf, len: 1, orig })
    p.w64(d, (this.base + buf) >>> 0, Math.floor((this.base + buf) / 2 ** 32))
    const next = p.r16(d + 14)
    if (next !== VQ_RING_DESC_CHAIN_END && next >= vq.num) return this.broken(vq, `desc[${head}].next = ${next} is neither < ${vq.num} nor the chain end`)
    vq.head = next
    vq.free--
    p.w16(vq.avail + 4 + 2 * (vq.availIdx & (vq.num - 1)), head)
    vq.availIdx = (vq.availIdx + 1) & 0xffff
    p.w16(vq.avail + 2, vq.availIdx) // after a fence
    p.event('desc-add', { queue: vq.idx, head, addr: this.base + buf, len: 1, byte: c, availIdx: vq.availIdx })
    return true
  }

  /** virtqueue_get_buffer: reclaim one used buffer (docs/wire-protocol.md#driver-tx) */
  private getBuffer(vq: Vq): void {
    const p = this.p
    const usedIdx = p.r16(vq.used + 2)
    if (vq.usedCons === usedIdx) return
    const pending = (usedIdx - vq.usedCons) & 0xffff
    if (pending > vq.num) {
      this.broken(vq, `used.idx jumped from ${vq.usedCons} to ${usedIdx} (more than ${vq.num} entries)`)
      return
    }
    const slot = vq.usedCons & (vq.num - 1)
    const id = p.r32(vq.used + 4 + 8 * slot)
    const len = p.r32(vq.used + 8 + 8 * slot)
    if (id >= vq.num) {
      this.broken(vq, `used.ring[${slot}].id = ${id} is not below QueueNum ${vq.num}`)
      return
    }
    vq.usedCons = (vq.usedCons + 1) & 0xffff
    // vq_ring_free_chain: push back on the free list
    p.w16(vq.desc + 16 * id + 14, vq.head)
    vq.head = id
    vq.free++
    // HVL: first record whose cookie matches; copy desc.len bytes back, free both (Q15)
    const i = this.bounce.findIndex(() => true)
    if (i >= 0) {
      const r = this.bounce[i]!
      const dlen = p.r32(vq.desc + 16 * id + 8)
      if (dlen > r.len) p.event('error', { where: 'reclaim', message: `desc[${id}].len = ${dlen} exceeds its ${r.len}-byte bounce buffer; copy clipped` })
      this.bounce.splice(i, 1)
      const nextRec = this.bounce[i]?.rec
      const prevRec = i > 0 ? this.bounce[i - 1]!.rec : undefined
      if (prevRec !== undefined) p.w64(prevRec, nextRec !== undefined ? (this.base + nextRec) >>> 0 : 0, 0)
      if (nextRec !== undefined) p.w64(nextRec + 8, prevRec !== undefined ? (this.base + prevRec) >>> 0 : 0, 0)
      this.hvlHeap.free(r.buf)
      this.hvlHeap.free(r.rec)
    }
    p.event('reclaim', { queue: vq.idx, id, len, usedCons: vq.usedCons })
  }

  private broken(vq: Vq, msg: string): false {
    vq.broken = msg
    this.p.event('error', { where: `vq ${vq.idx}`, message: `${msg}; virtqueue marked broken (the real OpenAMP does not check)` })
    this.p.setState('failed', `virtqueue ${vq.name} broken: ${msg}`)
    return false
  }

  /** virtio_mmio_isr via the HVL callback list (docs/wire-protocol.md#interrupt-ack) */
  private isr(): void {
    const p = this.p
    const isr = p.r32(REG.InterruptStatus)
    // the console registers no virtqueue callbacks: nothing to call
    p.w32(REG.InterruptACK, isr)
    if (isr) this.ipi()
  }
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0')
}

