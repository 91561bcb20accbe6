// The spec profile's console driver: virtio 1.2 §3.1.1 initialization over virtio-mmio version 2
// (§4.2.3), with every register store carried by the write log (docs/spec-profile.md §2); peer
// discovery through the ready records (§3) so either start order works and a restarted device
// is met with a new handshake; receiveq kept full, a shell answering over transmitq (§5).

import { CONSOLE_RX, CONSOLE_TX, INT, REG, STATUS, VIRTIO_ID_CONSOLE, VIRTIO_MMIO_MAGIC } from '../../virtio/mmio'
import { F, bit, CONSOLE_CFG } from '../../virtio/transport'
import { DriverQueue, type DBuf } from '../../virtio/driver-queue'
import { ringSizes } from '../../virtio/ring'
import type { ShmAccess } from '../../sim/shm'
import { OpKind, PollSignal, type GuestPlatform, type Thread } from '../../guest/platform'
import { MAGIC, QUEUE_MAX, REC, TX_VECTOR, txVector, RING, RX_BUFS, RX_LEN, RX_POOL, TX_LEN, TX_POOL, WLOG, WLOG_SYNC, readRec, validRec, wlogEntry } from './layout'
import { platformShm } from './pshm'
import { PROMPT, Shell } from './shell'
import { RING_FAULTS, layRogue, type RingFault } from './rogue'
import type { DriverFirmware, DriverRing, FaultResult } from '../types'

export const SPEC_DRIVER_BOOT_NS = 10_000_000
/** descriptors per transmitq chain (multi-buffer chains, §2.7.4) */
const TX_CHAIN = 4
/** config-space reads before the driver gives up on a generation that keeps moving */
const CONFIG_TRIES = 8

export interface SpecDriverOptions {
  /** offer to accept VIRTIO_F_RING_EVENT_IDX (default true) */
  eventIdx?: boolean
}

export interface SpecDriverStats {
  handshakes: number
  txChains: number
  txBytes: number
  rxChains: number
  rxBytes: number
  notifies: number
  suppressed: number
  interrupts: number
  logWrites: number
  errors: number
}

export class SpecDriver implements DriverFirmware {
  private shm!: ShmAccess
  private readonly sig = new PollSignal()
  private devGen = -1
  private restart = false
  private wseq = 0
  rx: DriverQueue | null = null
  tx: DriverQueue | null = null
  private txPending: number[] = []
  features = 0n
  /** console size read from config space with the generation loop (§4.2.2, §5.3.4); null before
   *  DRIVER_OK or when VIRTIO_CONSOLE_F_SIZE is not negotiated */
  size: { cols: number; rows: number; generation: number } | null = null
  phase: 'waiting' | 'handshake' | 'ready' | 'failed' = 'waiting'
  readonly stats: SpecDriverStats = { handshakes: 0, txChains: 0, txBytes: 0, rxChains: 0, rxBytes: 0, notifies: 0, suppressed: 0, interrupts: 0, logWrites: 0, errors: 0 }
  readonly shell: Shell

  constructor(
    private readonly p: GuestPlatform,
    private readonly opts: SpecDriverOptions = {}
  ) {
    this.shell = new Shell({
      uptimeMs: () => p.k_uptime_get_32(),
      stats: () => {
        const s = this.stats
        const size = this.size ? `${this.size.cols}x${this.size.rows}` : 'not negotiated'
        return `tx ${s.txChains} chains ${s.txBytes} B, rx ${s.rxChains} chains ${s.rxBytes} B, notifies ${s.notifies} (suppressed ${s.suppressed}), interrupts ${s.interrupts}, handshakes ${s.handshakes}, console ${size}`
      },
      reset: () => (this.restart = true)
    })
  }

  get view() {
    return {
      initialized: this.phase === 'ready',
      failure: this.phase === 'failed' ? 'handshake' : null,
      txBytes: this.stats.txBytes,
      txDropped: 0,
      phase: this.phase,
      features: '0x' + this.features.toString(16),
      deviceGen: this.devGen,
      size: this.size ? { ...this.size } : null,
      stats: { ...this.stats }
    }
  }

  /** receiveq and transmitq once the handshake laid them out */
  rings(): DriverRing[] {
    const out: DriverRing[] = []
    if (this.rx) out.push({ queue: CONSOLE_RX, name: 'receiveq', addr: this.rx.ring, usedCons: this.rx.lastUsed })
    if (this.tx) out.push({ queue: CONSOLE_TX, name: 'transmitq', addr: this.tx.ring, usedCons: this.tx.lastUsed })
    return out
  }

  *main(): Thread {
    const p = this.p
    yield p.k_busy_wait(SPEC_DRIVER_BOOT_NS)
    p.setState('booting', 'main()')
    this.shm = platformShm(p)
    // ready record with a new generation (docs/spec-profile.md §3); the write log restarts here
    const old = readRec(p, REC.driver)
    const gen = old.magic === MAGIC.driver ? (old.gen + 1) >>> 0 : 1
    this.wseq = p.r32(WLOG.off + WLOG.wseq)
    p.w32(REC.driver + REC.id, p.ivshmem_get_id())
    p.w32(REC.driver + REC.gen, gen)
    p.w32(REC.driver + REC.vectors, p.ivshmem_get_vectors())
    if (p.ivshmem_get_vectors() >= 2) p.ivshmem_register_handler(TX_VECTOR)
    p.w32(REC.driver + REC.magic, MAGIC.driver)
    p.ipm_register_callback(() => this.callback())
    p.log(`spec driver: peer ${p.ivshmem_get_id()}, generation ${gen}`)
    for (;;) {
      this.phase = 'waiting'
      p.setState('running', 'waiting for the device record')
      while (!validRec(readRec(p, REC.device), 'device')) yield* this.wait()
      this.restart = false
      this.devGen = readRec(p, REC.device).gen
      this.phase = 'handshake'
      const err = yield* this.handshake()
      if (err) {
        this.phase = 'failed'
        this.stats.errors++
        p.event('error', { where: 'driver', code: 'Handshake', message: err })
        p.log(`spec driver: ${err}`)
        p.setState('failed', err)
        while (!this.restart) yield* this.wait()
        continue
      }
      this.phase = 'ready'
      p.setState('ready', `DRIVER_OK, features 0x${this.features.toString(16)}`)
      const size = this.readSize()
      this.send(`\r\nvirtio 1.2 console: ${size ? `${size.cols}x${size.rows}` : 'size not negotiated'}; type help\r\n${PROMPT}`)
      yield* this.flush()
      while (!this.restart) {
        yield* this.wait()
        yield* this.service()
      }
      p.log('spec driver: resetting the device and handshaking again')
    }
  }

  // ---- the write log (docs/spec-profile.md §2) ----------------------------------------------

  private deviceId(): number | null {
    const r = readRec(this.p, REC.device)
    return validRec(r, 'device') && r.id !== this.p.ivshmem_get_id() ? r.id : null
  }
  private doorbell(vector = 0): void {
    const id = this.deviceId()
    if (id !== null) this.p.ivshmem_int_peer(id, vector)
  }

  /** a register store: into the window (for the inspectors) and the log, in order */
  private *reg(off: number, v: number, sync = false): Generator<import('../../guest/platform').Op, void, void> {
    const p = this.p
    while (((this.wseq - p.r32(WLOG.off + WLOG.aseq)) >>> 0) >= WLOG.n && !this.restart) {
      this.doorbell()
      yield* this.wait()
    }
    p.w32(off, v)
    const e = wlogEntry(this.wseq)
    p.w32(e, off | (sync ? WLOG_SYNC : 0))
    p.w32(e + 4, v)
    this.wseq = (this.wseq + 1) >>> 0
    p.w32(WLOG.off + WLOG.wseq, this.wseq)
    this.stats.logWrites++
    if (sync) {
      this.doorbell()
      while (((p.r32(WLOG.off + WLOG.aseq) - this.wseq) | 0) < 0 && !this.restart) yield* this.wait()
    }
  }

  private *wait(): Generator<import('../../guest/platform').Op, void, void> {
    yield { k: OpKind.Wait, sig: this.sig }
    this.sig.raised = false
  }

  private callback(): void {
    this.stats.interrupts++
    const r = readRec(this.p, REC.device)
    if (this.devGen >= 0 && validRec(r, 'device') && r.gen !== this.devGen) this.restart = true
    this.sig.raise()
  }

  // ---- fault injection (docs/spec-profile.md §7) ----------------------------------------------

  /** the lab's fault hook (src/lab/faults.ts): the ring kinds */
  fault(kind: string): FaultResult | null {
    if (!(kind in RING_FAULTS)) return null
    const d = this.injectRing(kind as RingFault)
    return d ? { applied: true, detail: d } : { applied: false, detail: 'not applicable now: transmitq not ready or the write log is full' }
  }

  /** lay a corrupt transmitq chain and notify; null when not applicable (no ready queue, log full) */
  injectRing(kind: RingFault): string | null {
    const tx = this.tx
    const p = this.p
    if (!tx || this.phase !== 'ready' || tx.freeCount < 2) return null
    if (((this.wseq - p.r32(WLOG.off + WLOG.aseq)) >>> 0) >= WLOG.n) return null
    const [d0, d1] = tx.peek(2) as [number, number]
    const idx = layRogue(kind, this.shm, tx.ring, tx.availIdx, d0, d1, p.ivshmem_get_mem().base, TX_POOL + d0 * TX_LEN)
    p.w16(tx.ring.availOff + 2, idx)
    const e = wlogEntry(this.wseq)
    p.w32(REG.QueueNotify, CONSOLE_TX)
    p.w32(e, REG.QueueNotify)
    p.w32(e + 4, CONSOLE_TX)
    this.wseq = (this.wseq + 1) >>> 0
    p.w32(WLOG.off + WLOG.wseq, this.wseq)
    this.doorbell()
    return `${kind} on transmitq (desc ${d0}), expect ${RING_FAULTS[kind]}`
  }

  // ---- initialization (§3.1.1, §4.2.3.1) ------------------------------------------------------

  /** null on DRIVER_OK, else why not */
  private *handshake(): Generator<import('../../guest/platform').Op, string | null, void> {
    const p = this.p
    this.stats.handshakes++
    this.rx = this.tx = null
    this.txPending = []
    yield* this.reg(REG.Status, 0, true) // reset
    if (this.restart) return 'device restarted during the handshake'
    if (p.r32(REG.MagicValue) !== VIRTIO_MMIO_MAGIC || p.r32(REG.Version) !== 2 || p.r32(REG.DeviceID) !== VIRTIO_ID_CONSOLE)
      return `not a virtio-mmio v2 console: magic 0x${p.r32(REG.MagicValue).toString(16)}, version ${p.r32(REG.Version)}, device ${p.r32(REG.DeviceID)}`
    yield* this.reg(REG.Status, STATUS.ACKNOWLEDGE)
    yield* this.reg(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER)
    let dev = 0n
    for (const sel of [0, 1]) {
      yield* this.reg(REG.DeviceFeaturesSel, sel, true)
      dev |= BigInt(p.r32(REG.DeviceFeatures)) << BigInt(32 * sel)
    }
    let want = bit(F.VERSION_1) | bit(F.CONSOLE_SIZE) | bit(F.CONSOLE_EMERG_WRITE) | bit(F.RING_INDIRECT_DESC)
    if (this.opts.eventIdx !== false) want |= bit(F.RING_EVENT_IDX)
    this.features = dev & want
    if (!(this.features & bit(F.VERSION_1))) return 'the device does not offer VIRTIO_F_VERSION_1'
    for (const sel of [0, 1]) {
      yield* this.reg(REG.DriverFeaturesSel, sel)
      yield* this.reg(REG.DriverFeatures, Number((this.features >> BigInt(32 * sel)) & 0xffffffffn))
    }
    const s3 = STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK
    yield* this.reg(REG.Status, s3, true)
    if (this.restart) return 'device restarted during the handshake'
    if (!(p.r32(REG.Status) & STATUS.FEATURES_OK)) {
      yield* this.reg(REG.Status, s3 | STATUS.FAILED)
      return 'FEATURES_OK did not stick: the device refused the features'
    }
    const evi = (this.features & bit(F.RING_EVENT_IDX)) !== 0n
    const { base } = p.ivshmem_get_mem()
    const qs: DriverQueue[] = []
    for (const q of [CONSOLE_RX, CONSOLE_TX]) {
      yield* this.reg(REG.QueueSel, q, true)
      const max = p.r32(REG.QueueNumMax)
      if (max === 0 || p.r32(REG.QueueReady) !== 0) return `queue ${q}: QueueNumMax ${max}, QueueReady ${p.r32(REG.QueueReady)}`
      const num = Math.min(max, QUEUE_MAX)
      const at = RING[q]!
      const ring = { descOff: at.desc, availOff: at.avail, usedOff: at.used, num }
      p.memset(at.used, ringSizes(num).used, 0)
      qs.push(new DriverQueue(this.shm, ring, base, evi))
      yield* this.reg(REG.QueueNum, num)
      const hi = (o: number) => Math.floor((base + o) / 2 ** 32)
      for (const [lo, off] of [
        [REG.QueueDescLow, at.desc],
        [REG.QueueDriverLow, at.avail],
        [REG.QueueDeviceLow, at.used]
      ] as const) {
        yield* this.reg(lo, (base + off) >>> 0)
        yield* this.reg(lo + 4, hi(off))
      }
      yield* this.reg(REG.QueueReady, 1)
    }
    yield* this.reg(REG.Status, s3 | STATUS.DRIVER_OK, true)
    if (this.restart) return 'device restarted during the handshake'
    const st = p.r32(REG.Status)
    if (!(st & STATUS.DRIVER_OK) || st & STATUS.NEEDS_RESET) return `Status 0x${st.toString(16)} after DRIVER_OK`
    ;[this.rx, this.tx] = qs as [DriverQueue, DriverQueue]
    for (let i = 0; i < RX_BUFS && this.rx.freeCount; i++) this.rx.add([{ off: RX_POOL + i * RX_LEN, len: RX_LEN, write: true }])
    yield* this.kick(this.rx, CONSOLE_RX)
    return null
  }

  // ---- data path -------------------------------------------------------------------------------

  private *kick(q: DriverQueue, index: number): Generator<import('../../guest/platform').Op, void, void> {
    if (!q.shouldNotify()) {
      this.stats.suppressed++
      return
    }
    this.stats.notifies++
    yield* this.reg(REG.QueueNotify, index)
    this.doorbell(index === CONSOLE_TX ? txVector(this.p) : 0)
  }

  private send(s: string): void {
    for (let i = 0; i < s.length; i++) this.txPending.push(s.charCodeAt(i) & 0xff)
  }

  /** pending output into transmitq chains of up to TX_CHAIN buffers, one notification at the end */
  private *flush(): Generator<import('../../guest/platform').Op, void, void> {
    const tx = this.tx
    if (!tx) return
    let added = false
    while (this.txPending.length && tx.freeCount) {
      const n = Math.min(tx.freeCount, TX_CHAIN, Math.ceil(this.txPending.length / TX_LEN))
      // one TX_LEN pool slot per descriptor index; buffer bytes first, then desc and avail (§2.7.13)
      const bufs: DBuf[] = tx.peek(n).map((d) => {
        const chunk = this.txPending.splice(0, TX_LEN)
        const off = TX_POOL + d * TX_LEN
        for (let j = 0; j < chunk.length; j++) this.p.w8(off + j, chunk[j]!)
        return { off, len: chunk.length, write: false }
      })
      if (tx.add(bufs) === null) break
      this.stats.txChains++
      this.stats.txBytes += bufs.reduce((a, b) => a + b.len, 0)
      added = true
    }
    if (added) yield* this.kick(tx, CONSOLE_TX)
  }

  private *service(): Generator<import('../../guest/platform').Op, void, void> {
    const p = this.p
    const isr = p.r32(REG.InterruptStatus)
    if (isr) yield* this.reg(REG.InterruptACK, isr)
    const st = p.r32(REG.Status)
    if (st & STATUS.NEEDS_RESET) {
      p.log('spec driver: DEVICE_NEEDS_RESET')
      p.event('error', { where: 'driver', code: 'DeviceNeedsReset', message: 'the device set DEVICE_NEEDS_RESET' })
      this.restart = true
      return
    }
    if (isr & INT.CONFIG) {
      const before = this.size
      const size = this.readSize()
      if (size && (size.cols !== before?.cols || size.rows !== before?.rows)) {
        p.event('guest', { op: 'config', cols: size.cols, rows: size.rows, generation: size.generation })
        p.log(`spec driver: config change, console ${size.cols}x${size.rows} (generation ${size.generation})`)
      }
    }
    const { rx, tx } = this
    if (!rx || !tx) return
    // receiveq: typed bytes to the shell, buffer straight back
    for (let k = 0; k <= rx.ring.num; k++) {
      const u = rx.pop()
      if (!u.ok) return this.driverError(u.error.code, u.error.message)
      if (!u.value) break
      const b = u.value.bufs[0]!
      const bytes: number[] = []
      for (let j = 0; j < u.value.len; j++) bytes.push(p.r8(b.off + j))
      this.stats.rxChains++
      this.stats.rxBytes += bytes.length
      const out = this.shell.input(bytes)
      if (this.restart) return
      this.send(out)
      rx.add([b])
    }
    rx.enableInterrupts()
    yield* this.kick(rx, CONSOLE_RX)
    for (let k = 0; k <= tx.ring.num; k++) {
      const u = tx.pop()
      if (!u.ok) return this.driverError(u.error.code, u.error.message)
      if (!u.value) break
    }
    tx.enableInterrupts()
    yield* this.flush()
  }

  /** cols/rows from config space, consistent by the generation loop (§2.5.1, §4.2.2): read
   *  ConfigGeneration, the fields, ConfigGeneration again; retry while it moved (bounded: shm is
   *  hostile, a device bumping it forever must not hang the driver). Only with F_SIZE (§5.3.4). */
  private readSize(): { cols: number; rows: number; generation: number } | null {
    if (!(this.features & bit(F.CONSOLE_SIZE))) return (this.size = null)
    const p = this.p
    for (let k = 0; k < CONFIG_TRIES; k++) {
      const g0 = p.r32(REG.ConfigGeneration)
      const cols = p.r16(REG.Config + CONSOLE_CFG.cols)
      const rows = p.r16(REG.Config + CONSOLE_CFG.rows)
      if (p.r32(REG.ConfigGeneration) === g0) return (this.size = { cols, rows, generation: g0 })
    }
    p.event('error', { where: 'driver', code: 'ConfigUnstable', message: `ConfigGeneration changed on each of ${CONFIG_TRIES} reads` })
    return this.size
  }

  /** a bad used ring: report the code and start over with a reset (the device is not trusted) */
  private driverError(code: string, message: string): void {
    this.stats.errors++
    this.p.event('error', { where: 'driver', code, message })
    this.p.log(`spec driver: ${code}: ${message}`)
    this.restart = true
  }
}
