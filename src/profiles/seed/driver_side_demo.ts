// instance_2: driver_side_demo. Zephyr + OpenAMP's virtio-mmio driver in hypervisor-less (HVL)
// mode, the virtio-serial driver with poll_out, HVL bounce buffers, and the demo's printk hook
// (docs/wire-protocol.md#driver-boot, #driver-tx, #interrupt-ack, #timing). Every store into shm is
// the store the real code makes,
// at the same offset, in the same order; addresses published are driver VAs = base + off (docs/wire-protocol.md#addresses).
// Values read back from shm (desc.next, used.ring, desc.len) are validated before use.

import {
  CONSOLE_RX,
  CONSOLE_TX,
  REG,
  STATUS,
  VIRTIO_ID_CONSOLE,
  VIRTIO_MMIO_MAGIC,
  VQ_RING_DESC_CHAIN_END
} from '../../virtio/mmio'
import { type GuestPlatform, type Op, type Thread } from '../../guest/platform'
import { ZHeap } from '../../guest/zheap'
import { ringAt } from '../../virtio/ring'
import type { DriverFirmware, DriverRing, FaultResult } from '../types'
import { BounceList, HVL_CFG_ACK, SIZEOF_DESCX, VDEV_VA, VQ, wPtr } from './openamp'
import { virtqueueAlloc, virtqueueCreate, type Vq } from './virtqueue'
import { virtqueueGetBuffer } from './reclaim'
import { BOUNCE_COOKIE, DRIVER_BOOT_NS, DRIVER_MAIN_NS, FAILURE_CODE, GUEST_PAGE_SIZE, HALT_SLICE_NS, HELLO, HVL_WAIT_NS } from './driver_consts'
import { METAL_BAD_PHYS, PRINTK_CHAR_NS, PRINTK_SLEEP_NS, SPIN_SLICE_NS, TXPOLL_VA, VIRTIO_ID_SCMI, VQ_SIZE, type DriverFailure, type DriverSideState } from './driver_consts'

import { HEAP_LEN, HVL_HEAP_OFF, VRING_HEAP_OFF, type DriverLayout } from './regions'
import { corruptChain, isSeedChainFault, type SeedChainFault } from './rogue'

export class DriverSideDemo implements DriverFirmware {
  private base = 0
  private size = 0
  private own = 0
  private hvl = false
  /** virtio_mmio_isr is on the HVL callback list */
  private hvlCb = false
  private devid = 0
  private halted = false
  private vqs: Vq[] = []
  private ready = false
  private failure: DriverFailure | null = null
  private magicSeen: number | null = null
  private bounce: BounceList | null = null
  private hvlHeap: ZHeap | null = null
  private vringHeap: ZHeap | null = null
  private txInuse = false
  /** a ring fault the lab armed (docs/spec-profile.md §7): applied to the next chain laid */
  private armed: SeedChainFault | null = null
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
      bounceLive: this.bounce?.recs.length ?? 0
    }
  }

  /** what this driver has placed in shm, for region labels (null before its heaps exist) */
  layout(): DriverLayout | null {
    if (!this.hvlHeap || !this.bounce) return null
    return {
      zHeapLen: this.hvlHeap.zHeapBytes,
      vqs: this.vqs.map((v) => ({ name: v.name, off: v.off, ringOff: v.ringOff, ringLen: v.used + 6 + 8 * v.num - v.ringOff, descxUsed: v.descxTouched })),
      bounce: this.bounce.recs.map((r) => ({ rec: r.rec, buf: r.buf, len: r.len }))
    }
  }

  /** the rings laid out so far: legacy contiguous layout at ringOff (vring_init, docs/wire-protocol.md#vring-layout) */
  rings(): DriverRing[] {
    // the spec's names for console queues 0 and 1 (virtio 1.2 §5.3.2), not OpenAMP's vqin/vqout
    const name = (i: number) => (i === CONSOLE_RX ? 'receiveq' : i === CONSOLE_TX ? 'transmitq' : `queue ${i}`)
    return this.vqs.map((v) => ({ queue: v.idx, name: name(v.idx), addr: ringAt(v.ringOff, v.num), usedCons: v.usedCons }))
  }

  /** the driver's partner: own IVPosition - 1 as a uint16 (Q24) */
  get partner(): number {
    return (this.own - 1) & 0xffff
  }

  /** vmdev->ipi: set by virtio_mmio_hvl_init only, so no doorbell at all outside HVL mode */
  private ipi(): void {
    if (this.hvl) this.p.ipm_send(this.partner)
  }

  /** a failed init step. `metal` is the exact metal_log text the real code logs (null: it returns
   *  silently); `detail` is the lab's own account of it. */
  private fail(f: DriverFailure, metal: string | null, detail = metal ?? ''): void {
    this.failure = f
    if (metal !== null) this.p.log(`metal: error: ${metal}`)
    const where = f === 'bad-magic' || f === 'bad-version' || f === 'no-device' ? 'probe' : 'serial-init'
    this.p.event('error', { code: FAILURE_CODE[f], where, failure: f, message: detail })
    this.p.setState('failed', detail)
  }

  *main(): Thread {
    const p = this.p
    yield p.k_busy_wait(DRIVER_BOOT_NS)
    const mem = p.ivshmem_get_mem()
    this.base = mem.base
    this.size = mem.size
    this.own = p.ivshmem_get_id()
    p.setState('booting', 'POST_KERNEL: virtio-mmio probe')
    // init_ivshmem_backend (POST_KERNEL): the IPM callback runs the HVL callback list
    p.ipm_register_callback(() => {
      if (this.hvlCb) this.isr()
    })
    const busReady = this.probe()
    // no boot banner: CONFIG_BOOT_BANNER=n in driver_side_demo/prj.conf
    // vtio_serial_init (APPLICATION) returns -1 at once when the virtio-mmio bus did not init
    if (busReady) yield* this.serialInit()
    if (this.halted) for (;;) yield p.k_busy_wait(HALT_SLICE_NS)
    yield p.k_busy_wait(DRIVER_MAIN_NS)
    if (this.ready) p.setState('ready', 'main(): printk -> virtio-serial')
    else p.log('virtio-serial is not ready: arch_printk_char_out returns at once, main() spins in its printk loop without sleeping')
    yield* this.helloLoop()
  }

  // ---- virtio_mmio_device_init (POST_KERNEL), docs/wire-protocol.md#driver-boot steps 1-4 ----

  /** OpenAMP virtio_mmio_device_init; true when it returned 0 (the bus device is ready) */
  private probe(): boolean {
    const p = this.p
    const magic = p.r32(REG.MagicValue)
    this.magicSeen = magic
    if (magic !== VIRTIO_MMIO_MAGIC) {
      this.fail('bad-magic', `Bad magic value ${hex8(magic)}`)
      return false
    }
    // Version and DeviceID are both read before either is checked; DeviceID 0 first, silently
    const version = p.r32(REG.Version)
    const devid = p.r32(REG.DeviceID)
    this.devid = devid
    if (devid === 0) {
      this.fail('no-device', null, 'DeviceID is 0: virtio_mmio_device_init returns -1 without a message')
      return false
    }
    if (devid === VIRTIO_ID_SCMI && version !== 2) {
      // the real message prints vdev->id.version, which is still 0 here
      this.fail('bad-version', 'VIRTIO SCMI: Version 0 not supported!', `VIRTIO SCMI: Version ${version} not supported`)
      return false
    }
    if (version !== 1) {
      this.fail('bad-version', `Bad version ${hex8(version)}`) // Q1: legacy only
      return false
    }
    const vendor = p.r32(REG.VendorID)
    p.log(`metal: debug: VIRTIO ${hex8(vendor)}:${hex8(devid)}`)
    const shmBase = p.r32(REG.SHMBaseHigh) * 2 ** 32 + p.r32(REG.SHMBaseLow)
    const shmLen = p.r32(REG.SHMLenHigh) * 2 ** 32 + p.r32(REG.SHMLenLow)
    this.hvl = shmBase !== 0 && shmLen !== 0 // Q10: "SHM regs non-zero" = HVL mode
    if (this.hvl) {
      p.log(`HVL mode: SHMBase 0x${shmBase.toString(16)} SHMLen 0x${shmLen.toString(16)}; peer ${this.own}, rings peer ${this.partner}`)
      this.hvlInit()
      this.hvlCb = true // virtio_mmio_hvl_cb_set(virtio_mmio_isr)
    } else p.log('SHMBase/SHMLen are zero: not HVL mode; no doorbells, no heaps (virtio_mmio_hvl_init is not called)')
    p.w32(REG.Status, STATUS.ACKNOWLEDGE)
    this.ipi()
    p.w32(REG.GuestPageSize, GUEST_PAGE_SIZE) // no IPI
    p.setState('negotiating', 'Status = ACKNOWLEDGE')
    return true
  }

  /** virtio_mmio_hvl_init -> virtio_mmio_shm_pool_init: k_heap_init of both shm heaps */
  private hvlInit(): void {
    this.hvlHeap = new ZHeap(this.p, 'hvl_shmem', HVL_HEAP_OFF, HEAP_LEN, this.base + HVL_HEAP_OFF)
    this.vringHeap = new ZHeap(this.p, 'vring_shmem', VRING_HEAP_OFF, HEAP_LEN, this.base + VRING_HEAP_OFF)
    this.hvlHeap.init()
    this.vringHeap.init()
    this.bounce = new BounceList(this.p, this.hvlHeap, this.base) // metal_list_init: driver RAM only
  }

  // ---- virtio-serial init (APPLICATION), docs/wire-protocol.md#driver-boot steps 5-14 --

  private *serialInit(): Thread {
    const p = this.p
    if (!this.vringHeap) {
      // k_heap_alloc on a k_heap nobody initialized: its z_heap pointer is NULL, sys_heap_alloc
      // reads end_chunk through it -> data abort -> fatal error -> arch_system_halt [inferred]
      this.halted = true
      this.fail('fault', null, 'fatal: virtio_mmio_virtqueue_alloc used the vring k_heap, which only virtio_mmio_hvl_init initializes (not HVL mode): NULL z_heap dereference, the kernel halts')
      return
    }
    // step 5, vtio_serial_init -> virtio_mmio_virtqueue_alloc per queue: the struct from the vring
    // heap, then the ring (aligned), zeroed, then the fields it fills in
    const heap = this.vringHeap
    for (const [idx, name] of [
      [CONSOLE_RX, 'vqin'],
      [CONSOLE_TX, 'vqout']
    ] as const) {
      const vq = virtqueueAlloc(p, heap, this.base, idx, name, VQ_SIZE, GUEST_PAGE_SIZE)
      if (!vq) return this.fail('no-memory', null, `virtqueue ${name}: vring heap exhausted`)
      this.vqs.push(vq)
    }
    // virtio_serial_init: the id cached at probe must be the console
    if (this.devid !== VIRTIO_ID_CONSOLE) return this.fail('not-console', `Expected devid 0003, got ${hex4(this.devid)}`)
    // step 6: Q9, not cumulative
    p.w32(REG.Status, STATUS.DRIVER)
    yield p.k_cpu() // sync points before each doorbell: the stores it announces took time (docs/wire-protocol.md#cpu-time)
    this.ipi()
    // step 7-8: features, page 0 only (Q8)
    p.w32(REG.DriverFeaturesSel, 0)
    const devFeatures = p.r32(REG.DeviceFeatures)
    p.w32(REG.DriverFeatures, 0 & devFeatures)
    yield p.k_cpu()
    this.ipi()
    p.w32(REG.DeviceFeaturesSel, 0)
    p.log(`metal: debug: features: ${hex8(p.r32(REG.DeviceFeatures) & 0)}`)
    // steps 9-12
    for (const vq of this.vqs) {
      // virtio_mmio_setup_virtqueue
      wPtr(p, vq.off + VQ.vq_dev, VDEV_VA)
      p.w32(REG.QueueSel, vq.idx)
      p.r32(REG.QueueNumMax) // Q7: 0 tolerated (metal_assert compiled out)
      virtqueueCreate(p, vq, this.base)
      p.cpu('vq-create')
      yield p.k_cpu() // the ring is initialised before the registers (docs/wire-protocol.md#cpu-time)
      p.w32(REG.DriverFeaturesSel, vq.idx) // Q4: the copy/paste slip the seed device relies on
      p.r32(REG.QueueNumMax)
      p.w32(REG.QueueNum, vq.num)
      p.w32(REG.QueueAlign, GUEST_PAGE_SIZE)
      const pfn = Math.floor((this.base + vq.ringOff) / GUEST_PAGE_SIZE)
      p.w32(REG.QueuePFN, pfn)
      p.log(`[virtio_mmio] queue ${vq.idx} (${vq.name}): ${vq.num} entries, vring 0x${(this.base + vq.ringOff).toString(16)}, QueuePFN 0x${pfn.toString(16)}`)
      yield p.k_cpu() // the register stores take time before the doorbell goes out
      this.ipi()
      // the doorbell's cost, then the check: with enough CPU time here the device's ack can
      // land before the first read and the 4 s wait is skipped (early ack, docs/wire-protocol.md#cpu-time)
      yield p.k_cpu()
      // virtio_mmio_hvl_wait_cfg: check, wait 4 s, check (Q3, Q34); HVL mode only
      if (this.hvl && p.r32(REG.QueuePFN) !== HVL_CFG_ACK) {
        p.log(`[virtio_mmio] HVL: QueuePFN not acknowledged yet, waiting ${HVL_WAIT_NS / 1000} us`)
        yield p.k_busy_wait(HVL_WAIT_NS)
        const v = p.r32(REG.QueuePFN)
        if (v !== HVL_CFG_ACK) {
          return this.fail('hvl-config', 'HVL mode: configuration failed', `HVL mode: configuration failed (QueuePFN reads 0x${hex8(v)}, expected 0xaabbaabb)`)
        }
      }
      p.log(`[virtio_mmio] HVL: queue ${vq.idx} configuration acknowledged`)
      // virtqueue_enable_cb: role "device" (Q32) -> used.flags &= ~VRING_USED_F_NO_NOTIFY
      p.w16(vq.used, p.r16(vq.used) & ~1)
    }
    // step 13: DRIVER_OK alone, FEATURES_OK never written (Q9)
    p.w32(REG.Status, STATUS.DRIVER_OK)
    yield p.k_cpu()
    this.ipi()
    // step 14: "kick all queues" kicks the last queue twice with nothing queued (Q17)
    for (let i = 0; i < this.vqs.length; i++) this.kick(this.vqs[this.vqs.length - 1]!)
    this.ready = true
    p.log('[virtio_mmio] Status = DRIVER_OK; virtio-serial ready')
  }

  /** virtqueue_kick: role "device" (Q32) tests avail.flags; flags are 0 and there is no
   *  EVENT_IDX, so the notification is never suppressed (Q33); then vq_queued_cnt = 0 */
  private kick(vq: Vq): void {
    const p = this.p
    if ((p.r16(vq.avail) & 1) === 0) {
      p.w32(REG.QueueNotify, vq.idx)
      this.ipi()
    }
    vq.queued = 0
    p.w16(vq.off + VQ.vq_queued_cnt, 0)
  }

  // ---- data path ---------------------------------------------------------------------------

  private *helloLoop(): Thread {
    const p = this.p
    if (!this.ready) yield* this.spin()
    for (;;) {
      const line = `[${p.k_uptime_get_32()}]: ${HELLO}\n`
      this.linesStarted++
      for (let i = 0; i < line.length; i++) {
        yield* this.pollOut(line.charCodeAt(i))
        yield p.k_sleep(PRINTK_SLEEP_NS)
      }
    }
  }

  /** main()'s printk loop when arch_printk_char_out returns before k_sleep (device not ready):
   *  no pacing, the CPU never yields, so the IPM thread never runs. Simulated in slices. */
  private *spin(): Thread {
    const p = this.p
    for (;;) {
      let spent = 0
      while (spent < SPIN_SLICE_NS) {
        const stamp = (p.k_uptime_get_32() + Math.floor(spent / 10_000_000) * 10) >>> 0
        const n = `[${stamp}]: ${HELLO}\n`.length
        this.linesStarted++
        this.txDropped += n
        spent += n * PRINTK_CHAR_NS
      }
      yield p.k_busy_wait(spent)
    }
  }

  /** virtio_serial_poll_out (docs/wire-protocol.md#driver-tx): fire and forget, one byte per descriptor */
  *pollOut(c: number): Thread {
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
      if (vq.free === 0) virtqueueGetBuffer(this.p, vq, this.bounce, { base: this.base, size: this.size }, (v, c, m) => this.broken(v, c, m)) // Q16: reclaim one, only when full
      if (vq.broken) {
        this.txDropped++ // the reclaim found the ring corrupt
        return
      }
      if (vq.free === 0) {
        this.txDropped++ // dropped silently
        this.p.event('guest', { op: 'tx-drop', byte: c, reason: 'transmitq full and nothing used' })
        return
      }
      if (!(yield* this.addBuffer(vq, c, TXPOLL_VA))) return
      this.kick(vq)
    } finally {
      this.txInuse = false
    }
  }

  /** virtqueue_add_buffer with one readable 1-byte buffer, bounced through hvl_shmem (docs/wire-protocol.md#bounce-buffers, Q14) */
  private *addBuffer(vq: Vq, c: number, orig: number): Generator<Op, boolean, void> {
    const p = this.p
    const head = vq.head
    if (head >= vq.num) return this.broken(vq, 'InvalidDescriptorIndex', `free-list head ${head} is not below QueueNum ${vq.num}`)
    const bounce = this.bounce
    if (!bounce) return false // not HVL mode: the driver halted before any buffer (serialInit)
    // dxp = &vq_descx[head]: past the struct's heap chunk (Q13)
    const dx = vq.off + VQ.vq_descx + SIZEOF_DESCX * head
    wPtr(p, dx, BOUNCE_COOKIE)
    p.w16(dx + 8, 1)
    vq.cookies[head] = BOUNCE_COOKIE
    vq.ndescs[head] = 1
    vq.descxTouched = true
    const d = vq.desc + 16 * head
    p.w64(d, METAL_BAD_PHYS, METAL_BAD_PHYS) // virt->phys of driver RAM fails first
    p.w32(d + 8, 1)
    p.w16(d + 12, 0) // readable, no NEXT (flags WRITE for rx)
    // desc.addr reads all-ones while metal_io_virt_to_phys falls back to the bounce buffer
    // (sys_heap_alloc, the copy, the record): an intermediate state the device can see (docs/wire-protocol.md#cpu-time)
    p.cpu('bounce-add')
    yield p.k_cpu()
    const buf = bounce.add(BOUNCE_COOKIE, [c], orig)
    if (buf !== null) wPtr(p, d, this.base + buf)
    else p.event('error', { code: 'HEAP_EXHAUSTED', where: 'bounce', message: 'hvl_shmem heap exhausted; desc.addr stays METAL_BAD_PHYS' })
    const next = p.r16(d + 14)
    if (next !== VQ_RING_DESC_CHAIN_END && next >= vq.num) return this.broken(vq, 'InvalidDescriptorIndex', `desc[${head}].next = ${next} is neither < ${vq.num} nor the chain end`)
    vq.head = next
    p.w16(vq.off + VQ.vq_desc_head_idx, next)
    vq.free--
    p.w16(vq.off + VQ.vq_free_cnt, vq.free)
    // vq_ring_update_avail: reads avail.idx back from the ring
    const ai = p.r16(vq.avail + 2)
    p.w16(vq.avail + 4 + 2 * (ai & (vq.num - 1)), head)
    vq.availIdx = (ai + 1) & 0xffff
    p.w16(vq.avail + 2, vq.availIdx) // after a fence
    vq.queued++
    p.w16(vq.off + VQ.vq_queued_cnt, vq.queued)
    p.event('desc-add', { queue: vq.idx, head, addr: buf === null ? 2 ** 64 - 1 : this.base + buf, len: 1, byte: c, availIdx: vq.availIdx })
    if (this.armed) {
      // the hostile party's stores land between the publish and the kick
      const kind = this.armed
      this.armed = null
      const detail = corruptChain(kind, p, { desc: vq.desc, avail: vq.avail, num: vq.num, head, slot: ai & (vq.num - 1) })
      p.event('guest', { op: 'fault', kind, applied: true, detail })
    }
    return true
  }

  /** the lab's fault hook (src/lab/faults.ts): a ring kind is armed for the next transmitq byte */
  fault(kind: string): FaultResult | null {
    if (!isSeedChainFault(kind)) return null
    const vq = this.vqs[CONSOLE_TX]
    if (!this.ready || !vq || vq.broken) return { applied: false, detail: 'not applicable now: the seed driver has no transmitq in service' }
    this.armed = kind
    return { applied: true, detail: `armed: the next transmitq chain the driver lays gets ${kind}` }
  }

  private broken(vq: Vq, code: string, msg: string): false {
    vq.broken = msg
    this.p.event('error', { code, where: `vq ${vq.idx}`, message: `${msg}; virtqueue marked broken (the real OpenAMP does not check)` })
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

function hex4(v: number): string {
  return (v >>> 0).toString(16).padStart(4, '0')
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0')
}

