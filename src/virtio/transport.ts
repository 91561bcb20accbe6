// virtio-mmio version 2, device side (virtio 1.2 §4.2.2, §4.2.3), after Firecracker's mmio.rs:
// every driver store goes through write(), status transitions are enforced in one place, and a
// device error sets DEVICE_NEEDS_RESET with a configuration-change interrupt (§2.1.2).
// The register window is plain shared memory (no trap, docs/spec-profile.md): the device keeps its
// own copy of every register and publishes the read side through `io.w32`; what the driver
// stored into the window is never trusted, only the values handed to write().

import { INT, REG, STATUS, VIRTIO_MMIO_MAGIC } from './mmio'
import { err, ok, VirtioError, type Result } from './errors'
import { Queue, type RingPart } from './queue'
import { hex } from './fmt'

/** feature bits (virtio 1.2 §6 reserved bits, §5.3.3 console) */
export const F = {
  CONSOLE_SIZE: 0,
  CONSOLE_MULTIPORT: 1,
  CONSOLE_EMERG_WRITE: 2,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32
} as const
export const bit = (b: number): bigint => 1n << BigInt(b)

/** console config space (virtio 1.2 §5.3.4) at REG.Config */
export const CONSOLE_CFG = { cols: 0x0, rows: 0x2, maxNrPorts: 0x4, emergWr: 0x8, size: 0xc } as const

export interface TransportConfig {
  deviceId: number
  vendorId: number
  features: bigint
  /** QueueNumMax per queue */
  queueMax: readonly number[]
  shmSize: number
  /** the driver's VA of shm offset 0: ring addresses are driver VAs (docs/spec-profile.md) */
  driverBase: number
}

export type TransportEvent =
  | { k: 'status'; from: number; to: number }
  | { k: 'reset' }
  | { k: 'notify'; queue: number }
  | { k: 'emerg'; byte: number }
  | { k: 'features-ok'; features: bigint }

export interface TransportIo {
  /** publish one read-side register into the shm window */
  w32(off: number, v: number): void
  w16(off: number, v: number): void
}

const QUEUE_ADDR: Record<number, [RingPart, boolean]> = {
  [REG.QueueDescLow]: ['desc', false],
  [REG.QueueDescHigh]: ['desc', true],
  [REG.QueueDriverLow]: ['driver', false],
  [REG.QueueDriverHigh]: ['driver', true],
  [REG.QueueDeviceLow]: ['device', false],
  [REG.QueueDeviceHigh]: ['device', true]
}

export class MmioTransport {
  status = 0
  deviceFeaturesSel = 0
  driverFeaturesSel = 0
  driverFeatures = 0n
  queueSel = 0
  interruptStatus = 0
  configGeneration = 0
  cols = 80
  rows = 25
  readonly queues: Queue[]
  /** the error that put the device in NEEDS_RESET, until reset */
  failure: VirtioError | null = null

  constructor(
    readonly cfg: TransportConfig,
    private readonly io: TransportIo
  ) {
    this.queues = cfg.queueMax.map((m, i) => new Queue(i, m))
  }

  has(b: number): boolean {
    return (this.driverFeatures & bit(b)) !== 0n && (this.status & STATUS.FEATURES_OK) !== 0
  }
  get driverOk(): boolean {
    return (this.status & STATUS.DRIVER_OK) !== 0 && (this.status & STATUS.NEEDS_RESET) === 0
  }

  /** write every read-side register (at device start and after reset) */
  publishAll(): void {
    const w = this.io.w32
    w(REG.MagicValue, VIRTIO_MMIO_MAGIC)
    w(REG.Version, 2)
    w(REG.DeviceID, this.cfg.deviceId)
    w(REG.VendorID, this.cfg.vendorId)
    this.publishFeatures()
    this.publishQueue()
    w(REG.Status, this.status)
    w(REG.InterruptStatus, this.interruptStatus)
    w(REG.ConfigGeneration, this.configGeneration)
    this.publishConfig()
  }
  private publishFeatures(): void {
    const sel = this.deviceFeaturesSel
    this.io.w32(REG.DeviceFeatures, sel < 2 ? Number((this.cfg.features >> BigInt(32 * sel)) & 0xffffffffn) : 0)
  }
  private publishQueue(): void {
    const q = this.queues[this.queueSel]
    this.io.w32(REG.QueueNumMax, q ? q.maxSize : 0) // 0: queue not available (§4.2.2)
    this.io.w32(REG.QueueReady, q?.ready ? 1 : 0)
  }
  private publishConfig(): void {
    this.io.w16(REG.Config + CONSOLE_CFG.cols, this.cols)
    this.io.w16(REG.Config + CONSOLE_CFG.rows, this.rows)
    this.io.w32(REG.Config + CONSOLE_CFG.maxNrPorts, 1)
  }
  private setStatus(v: number): void {
    this.status = v
    this.io.w32(REG.Status, v)
  }

  /** raise InterruptStatus bits (the caller rings the driver) */
  raise(bits: number): void {
    this.interruptStatus |= bits
    this.io.w32(REG.InterruptStatus, this.interruptStatus)
  }

  /** §2.1.2: a device error sets DEVICE_NEEDS_RESET and, once DRIVER_OK, a config interrupt */
  fail(e: VirtioError): void {
    this.failure ??= e
    if (this.status & STATUS.NEEDS_RESET) return
    this.setStatus(this.status | STATUS.NEEDS_RESET)
    if (this.status & STATUS.DRIVER_OK) this.raise(INT.CONFIG)
  }

  /** console size change (VIRTIO_CONSOLE_F_SIZE, §5.3.6.2): new config generation + config interrupt */
  resize(cols: number, rows: number): boolean {
    if (cols === this.cols && rows === this.rows) return false
    this.cols = cols & 0xffff
    this.rows = rows & 0xffff
    this.configGeneration = (this.configGeneration + 1) >>> 0
    this.publishConfig()
    this.io.w32(REG.ConfigGeneration, this.configGeneration)
    if (this.driverOk && this.has(F.CONSOLE_SIZE)) {
      this.raise(INT.CONFIG)
      return true
    }
    return false
  }

  reset(): void {
    this.status = 0
    this.deviceFeaturesSel = this.driverFeaturesSel = 0
    this.driverFeatures = 0n
    this.queueSel = 0
    this.interruptStatus = 0
    this.failure = null
    for (const q of this.queues) q.reset()
    this.publishAll()
  }

  /** One driver store, in order. ok(event) for what the device must act on; err for a rejected
   *  store (the register keeps its old value; the caller traces the code). */
  write(off: number, v: number): Result<TransportEvent | null> {
    v >>>= 0
    switch (off) {
      case REG.DeviceFeaturesSel:
        this.deviceFeaturesSel = v
        this.publishFeatures()
        return ok(null)
      case REG.DriverFeaturesSel:
        this.driverFeaturesSel = v
        return ok(null)
      case REG.DriverFeatures: {
        if (this.status & STATUS.FEATURES_OK) return err('InvalidRegisterWrite', 'DriverFeatures written after FEATURES_OK (§3.1.1)', { value: v })
        if (this.driverFeaturesSel > 1) return ok(null)
        const sh = BigInt(32 * this.driverFeaturesSel)
        this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << sh)) | (BigInt(v) << sh)
        return ok(null)
      }
      case REG.QueueSel:
        this.queueSel = v
        this.publishQueue()
        return ok(null)
      case REG.QueueNum:
        return this.queueWrite((q) => q.setSize(v))
      case REG.QueueReady:
        return this.queueWrite((q) => {
          const r = q.setReady(v === 1, this.cfg.shmSize, this.cfg.driverBase)
          if (r.ok) {
            q.eventIdx = this.has(F.RING_EVENT_IDX)
            q.indirect = this.has(F.RING_INDIRECT_DESC)
            this.publishQueue()
          }
          return r
        })
      case REG.QueueNotify:
        if (v >= this.queues.length) {
          const e = new VirtioError('QueueIndexOutOfRange', `QueueNotify ${v}: the device has ${this.queues.length} queues`, { queue: v })
          this.fail(e)
          return { ok: false, error: e }
        }
        return ok({ k: 'notify', queue: v })
      case REG.InterruptACK:
        this.interruptStatus &= ~v
        this.io.w32(REG.InterruptStatus, this.interruptStatus)
        return ok(null)
      case REG.Status:
        return this.statusWrite(v)
      case REG.Config + CONSOLE_CFG.emergWr:
        if (!this.has(F.CONSOLE_EMERG_WRITE)) return err('InvalidRegisterWrite', 'emerg_wr written without VIRTIO_CONSOLE_F_EMERG_WRITE (§5.3.4)', { value: v })
        return ok({ k: 'emerg', byte: v & 0xff })
    }
    const qa = QUEUE_ADDR[off]
    if (qa) return this.queueWrite((q) => q.setAddr(qa[0], qa[1], v))
    return err('InvalidRegisterWrite', `store to ${hex(off)}, not a driver-writable register (§4.2.2)`, { off, value: v })
  }

  private queueWrite(f: (q: Queue) => Result<void>): Result<TransportEvent | null> {
    if (!(this.status & STATUS.FEATURES_OK) || this.status & STATUS.DRIVER_OK)
      return err('InvalidRegisterWrite', 'queue registers are written after FEATURES_OK and before DRIVER_OK (§3.1.1 step 7)', { status: this.status })
    const q = this.queues[this.queueSel]
    if (!q) return err('QueueIndexOutOfRange', `QueueSel ${this.queueSel}: the device has ${this.queues.length} queues`, { queue: this.queueSel })
    const r = f(q)
    return r.ok ? ok(null) : r
  }

  /** §3.1.1 / §2.1: 0 resets; otherwise bits only accumulate, in the order ACKNOWLEDGE, DRIVER,
   *  FEATURES_OK, DRIVER_OK; FAILED may be set at any time; NEEDS_RESET is the device's. */
  private statusWrite(v: number): Result<TransportEvent | null> {
    const from = this.status
    if (v === 0) {
      this.reset()
      return ok({ k: 'reset' })
    }
    const bad = (why: string) => err('InvalidStatusTransition', `Status ${hex(from)} -> ${hex(v)}: ${why}`, { from, to: v })
    const drv = v & ~STATUS.NEEDS_RESET
    const kept = from & ~STATUS.NEEDS_RESET
    if ((drv & kept) !== kept) return bad('the driver cleared a bit without a reset')
    const S = STATUS
    const need: [number, number][] = [
      [S.DRIVER, S.ACKNOWLEDGE],
      [S.FEATURES_OK, S.DRIVER],
      [S.DRIVER_OK, S.FEATURES_OK]
    ]
    for (const [b, pre] of need) if (drv & b && !(drv & pre)) return bad(`${hex(b)} set before ${hex(pre)}`)
    if (drv & ~0x8f) return bad('unknown status bits')
    const to = drv | (from & S.NEEDS_RESET)
    if (drv & S.FEATURES_OK && !(kept & S.FEATURES_OK)) {
      const f = this.driverFeatures
      const extra = f & ~this.cfg.features
      if (extra !== 0n || !(f & bit(F.VERSION_1))) {
        // not accepted: FEATURES_OK stays clear, the driver reads it back (§3.1.1 step 6)
        this.setStatus(to & ~S.FEATURES_OK)
        return err('FeaturesRejected', extra ? `driver features ${hex(extra)} were not offered` : 'VIRTIO_F_VERSION_1 not accepted (§6.1)', {
          features: hex(f)
        })
      }
      this.setStatus(to)
      return ok({ k: 'features-ok', features: f })
    }
    this.setStatus(to)
    return ok(to === from ? null : { k: 'status', from, to })
  }
}
