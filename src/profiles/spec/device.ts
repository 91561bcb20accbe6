// The spec profile's console device (virtio 1.2 §5.3) on virtio-mmio version 2 (§4.2), running
// on the same GuestPlatform as the seed's device. Per doorbell it applies the driver's register
// write log in order (docs/spec-profile.md §2), then drains every notified queue, at most
// QueueNum chains each (bounded work, as crosvm's console does). Any validation error puts the
// device in DEVICE_NEEDS_RESET with a config interrupt (§2.1.2); nothing here throws on shm.

import { CONSOLE_RX, CONSOLE_TX, INT, STATUS, VIRTIO_ID_CONSOLE } from '../../virtio/mmio'
import { DEVICE_STALL_MS, type DeviceFirmware, type DeviceView, type DriverRing, type FaultResult } from '../types'
import { MmioTransport, F, bit, type TransportEvent } from '../../virtio/transport'
import { readChain, writeChain } from '../../virtio/queue'
import { regName } from '../../virtio/regs'
import { VirtioError } from '../../virtio/errors'
import type { ShmAccess } from '../../sim/shm'
import type { GuestPlatform, Thread } from '../../guest/platform'
import { MAGIC, QUEUE_MAX, REC, TX_VECTOR, WLOG, WLOG_SYNC, readRec, txVector, validRec, wlogEntry } from './layout'
import { platformShm } from './pshm'

export const DEVICE_FEATURES =
  bit(F.VERSION_1) | bit(F.CONSOLE_SIZE) | bit(F.CONSOLE_EMERG_WRITE) | bit(F.RING_EVENT_IDX) | bit(F.RING_INDIRECT_DESC)
/** boot to main() [model], as the seed's device */
export const SPEC_DEVICE_BOOT_NS = 10_000_000
/** how often main() polls the UART for typed input (one Zephyr tick) */
export const RX_POLL_NS = 10_000_000
/** how long used_event may lag next_used before the device rings the driver again */
export const REASSERT_MS = 100

export interface SpecDeviceView extends DeviceView {
  status: number
  features: string
  failure: { code: string; message: string } | null
  queues: { index: number; ready: boolean; size: number; nextAvail: number; nextUsed: number; poisoned: string | null }[]
  stats: SpecDeviceStats
}
export interface SpecDeviceStats {
  logEntries: number
  txChains: number
  txBytes: number
  rxChains: number
  rxBytes: number
  interrupts: number
  suppressed: number
  errors: number
  /** configuration-change interrupts raised for a new console size (§4.2.2) */
  configIrqs: number
}

/** what a console resize did: the ConfigGeneration now published (null before the boot) and
 *  whether the driver got a configuration-change interrupt */
export interface ResizeOutcome {
  generation: number | null
  interrupt: boolean
}

export class SpecDevice implements DeviceFirmware {
  private shm!: ShmAccess
  t!: MmioTransport
  private rxPending: number[] = []
  /** the console pane's size; applied at start() when it arrives before the boot */
  private size = { cols: 80, rows: 25 }
  readonly stats: SpecDeviceStats = { logEntries: 0, txChains: 0, txBytes: 0, rxChains: 0, rxBytes: 0, interrupts: 0, suppressed: 0, errors: 0, configIrqs: 0 }

  constructor(private readonly p: GuestPlatform) {}

  get view(): SpecDeviceView {
    const t = this.t
    return {
      ready: !!t && (t.status & STATUS.DRIVER_OK) !== 0 && !t.failure,
      status: t?.status ?? 0,
      features: '0x' + (t?.driverFeatures ?? 0n).toString(16),
      failure: t?.failure ? { code: t.failure.code, message: t.failure.message } : null,
      queues: (t?.queues ?? []).map((q) => ({
        index: q.index,
        ready: q.ready,
        size: q.size,
        nextAvail: q.nextAvail,
        nextUsed: q.nextUsed,
        poisoned: q.poisoned?.code ?? null
      })),
      stats: { ...this.stats }
    }
  }

  /** the rings as the device accepted them (QueueReady = 1): for a lab whose driver is remote */
  rings(): DriverRing[] {
    const out: DriverRing[] = []
    for (const q of this.t?.queues ?? [])
      if (q.ready && q.ring) out.push({ queue: q.index, name: q.index === CONSOLE_RX ? 'receiveq' : 'transmitq', addr: q.ring, usedCons: q.nextUsed })
    return out
  }

  *main(): Thread {
    const p = this.p
    yield p.k_busy_wait(SPEC_DEVICE_BOOT_NS)
    this.start()
    for (;;) {
      yield p.k_sleep(RX_POLL_NS)
      if (this.missed && this.stallUntil >= 0 && p.k_uptime_get_32() >= this.stallUntil) {
        this.missed = 0
        this.callback() // the stall is over: apply the log and drain what the doorbells announced
      }
      if (this.pollRx() || this.lostInterrupt()) this.ringDriver('used')
    }
  }

  /** With EVENT_IDX the device interrupts once until the driver moves used_event; if that
   *  interrupt was lost (a dropped doorbell) both sides would wait forever. So while used_event
   *  lags next_used for REASSERT_MS the device rings again (docs/spec-profile.md §7). */
  private lagSince = -1
  private lostInterrupt(): boolean {
    if (!this.t?.driverOk) return false
    const now = this.p.k_uptime_get_32()
    let lag = false
    for (const q of this.t.queues)
      if (q.ready && q.eventIdx && q.ring && q.nextUsed !== this.p.r16(q.ring.availOff + 4 + 2 * q.size)) lag = true
    if (!lag) {
      this.lagSince = -1
      return false
    }
    if (this.lagSince < 0) this.lagSince = now
    if (now - this.lagSince < REASSERT_MS) return false
    this.lagSince = now
    this.p.event('guest', { op: 'reassert', why: 'used_event lags next_used: interrupt lost?' })
    return true
  }

  /** main() after boot: reset, publish, announce (also the fuzz harness's entry point) */
  start(): void {
    const p = this.p
    p.setState('booting', 'main()')
    const { base, size } = p.ivshmem_get_mem()
    this.shm = platformShm(p)
    this.t = new MmioTransport(
      { deviceId: VIRTIO_ID_CONSOLE, vendorId: 0x554d4551, features: DEVICE_FEATURES, queueMax: [QUEUE_MAX, QUEUE_MAX], shmSize: size, driverBase: base },
      { w32: (o, v) => p.w32(o, v), w16: (o, v) => p.w16(o, v) }
    )
    this.t.cols = this.size.cols
    this.t.rows = this.size.rows
    // a (re)booted device starts from reset (§2.1.1): publish the window, drop a stale write log,
    // then announce itself with a new generation (docs/spec-profile.md §3)
    this.t.reset()
    p.w32(WLOG.off + WLOG.aseq, p.r32(WLOG.off + WLOG.wseq))
    const old = readRec(p, REC.device)
    const gen = old.magic === MAGIC.device ? (old.gen + 1) >>> 0 : 1
    p.w32(REC.device + REC.id, p.ivshmem_get_id())
    p.w32(REC.device + REC.gen, gen)
    p.w32(REC.device + REC.vectors, p.ivshmem_get_vectors())
    if (p.ivshmem_get_vectors() >= 2) p.ivshmem_register_handler(TX_VECTOR)
    p.w32(REC.device + REC.magic, MAGIC.device)
    p.ipm_register_callback(() => this.callback())
    p.printk(`virtio-mmio v2 console device, peer ${p.ivshmem_get_id()}, generation ${gen}\n`)
    p.setState('running', 'waiting for the driver')
    this.ringDriver('announce')
  }

  /** the driver's peer id from its ready record, or null when there is none (yet) */
  private driverId(): number | null {
    const r = readRec(this.p, REC.driver)
    return validRec(r, 'driver') && r.id !== this.p.ivshmem_get_id() ? r.id : null
  }

  private ringDriver(why: string, vector = 0): void {
    const id = this.driverId()
    if (id === null) return
    this.p.event('guest', { op: 'notify-driver', why, peer: id, vector })
    this.p.ivshmem_int_peer(id, vector)
  }

  /** fault injection (docs/spec-profile.md §7) ------------------------------------------------- */
  private stallUntil = -1
  private missed = 0

  /** the lab's fault hook (src/lab/faults.ts): the device kinds */
  fault(kind: string): FaultResult | null {
    if (kind === 'device-stall') {
      this.stall(DEVICE_STALL_MS)
      return { applied: true, detail: `the device ignores doorbells for ${DEVICE_STALL_MS} ms, then drains the write log` }
    }
    if (kind !== 'stale-used-id') return null
    const d = this.staleUsed()
    return d ? { applied: true, detail: `${d}, expect InvalidUsedId at the driver` } : { applied: false, detail: 'not applicable now: receiveq not ready' }
  }

  /** device-stall: ignore doorbells for `ms`; the write log keeps what the driver sent, so the
   *  first tick after the stall drains it (degraded: delayed, nothing lost) */
  stall(ms: number): void {
    this.stallUntil = this.p.k_uptime_get_32() + ms
  }

  /** stale-used-id: publish a used element naming a receiveq head the driver never posted */
  staleUsed(): string | null {
    const q = this.t?.queues[CONSOLE_RX]
    if (!q?.ready || !this.t.driverOk) return null
    const id = q.size - 1 // the driver posts its 16 receive buffers from head 0 up
    const r = q.push(this.shm, id, 1)
    if (!r.ok) return null
    this.t.raise(INT.VRING)
    this.ringDriver('used')
    return `used.ring id ${id} on receiveq`
  }

  /** one (coalesced) doorbell from the driver */
  callback(): void {
    if (this.stallUntil >= 0) {
      if (this.p.k_uptime_get_32() < this.stallUntil) {
        this.missed++
        this.p.event('guest', { op: 'stalled', missed: this.missed })
        return
      }
      this.stallUntil = -1
    }
    let wake = false
    const t = this.t
    // 1. the register write log, in order (docs/spec-profile.md §2)
    const p = this.p
    const wseq = p.r32(WLOG.off + WLOG.wseq)
    let aseq = p.r32(WLOG.off + WLOG.aseq)
    const pending = (wseq - aseq) >>> 0
    const notified = new Set<number>()
    if (pending > WLOG.n) {
      const m = `write log: wseq ${wseq} is ${pending} ahead of aseq ${aseq}, more than ${WLOG.n} entries`
      this.error(new VirtioError('WriteLogOverflow', m, { wseq, aseq }), true)
      aseq = wseq
      wake = true
    } else {
      for (let k = 0; k < pending; k++, aseq = (aseq + 1) >>> 0) {
        const e = wlogEntry(aseq)
        const raw = p.r32(e)
        const v = p.r32(e + 4)
        const off = raw & 0xfff
        wake ||= (raw & WLOG_SYNC) !== 0
        this.stats.logEntries++
        const r = t.write(off, v)
        p.event('guest', { op: 'reg-write', seq: aseq, reg: regName(off), off, value: v, ...(r.ok ? {} : { code: r.error.code }) })
        if (!r.ok) this.error(r.error, false)
        else if (r.value) this.act(r.value, notified)
      }
    }
    p.w32(WLOG.off + WLOG.aseq, aseq)
    // 2. every notified queue, drained (bounded by its size)
    if (notified.has(CONSOLE_TX) && this.serveTx()) {
      const v = txVector(p)
      if (v) this.ringDriver('used', v)
      else wake = true
    }
    if (notified.has(CONSOLE_RX)) wake = this.pollRx() || wake
    if (t.failure && t.interruptStatus & INT.CONFIG) wake = true
    if (wake) this.ringDriver('log-ack')
  }

  private act(e: TransportEvent, notified: Set<number>): void {
    const p = this.p
    switch (e.k) {
      case 'notify':
        notified.add(e.queue)
        break
      case 'emerg':
        p.uart_poll_out(e.byte) // emergency write (§5.3.6.1): straight to the console
        break
      case 'reset':
        this.rxPending = []
        p.setState('running', 'reset by the driver')
        break
      case 'status':
        if (this.t.driverOk) p.setState('ready', `DRIVER_OK, features 0x${this.t.driverFeatures.toString(16)}`)
        break
      case 'features-ok':
        break
    }
  }

  /** report and enter NEEDS_RESET (device errors) or just report (rejected register stores) */
  private error(e: VirtioError, fatal: boolean): void {
    this.stats.errors++
    this.p.event('error', { where: 'device', code: e.code, message: e.message })
    if (fatal || (e.code !== 'InvalidRegisterWrite' && e.code !== 'InvalidStatusTransition' && e.code !== 'FeaturesRejected')) {
      this.t.fail(e)
      if (this.t.status & 0x40) this.p.setState('failed', `DEVICE_NEEDS_RESET: ${e.code}`)
    }
  }

  /** transmitq: every available chain's readable bytes go to the console; used.len = 0 (§5.3.6.2) */
  private serveTx(): boolean {
    const q = this.t.queues[CONSOLE_TX]!
    if (!this.t.driverOk || !q.ready) return false
    const { base } = this.p.ivshmem_get_mem()
    let used = false
    for (let k = 0; k < q.size; k++) {
      const c = q.pop(this.shm, base)
      if (!c.ok) return this.queueError(c.error)
      if (!c.value) break
      if (c.value.writeLen > 0)
        return this.queueError(new VirtioError('InvalidBufferDirection', `transmitq chain ${c.value.head} has ${c.value.writeLen} device-writable bytes (§5.3.6)`, { queue: CONSOLE_TX, head: c.value.head }))
      const bytes = readChain(this.shm, c.value)
      for (const b of bytes) this.p.uart_poll_out(b)
      this.stats.txChains++
      this.stats.txBytes += bytes.length
      this.p.event('desc-used', { queue: CONSOLE_TX, id: c.value.head, len: 0, bytes: bytes.length, descs: c.value.bufs.length })
      const u = q.push(this.shm, c.value.head, 0)
      if (!u.ok) return this.queueError(u.error)
      used = true
    }
    q.enableNotify(this.shm)
    return used && this.interrupt(CONSOLE_TX)
  }

  /** receiveq: typed bytes fill writable buffers; used.len = bytes written (§2.7.8) */
  private pollRx(): boolean {
    if (!this.t?.driverOk) return false
    const q = this.t.queues[CONSOLE_RX]!
    if (!q.ready) return false
    for (let c = this.p.uart_poll_in(); c >= 0; c = this.p.uart_poll_in()) this.rxPending.push(c)
    const { base } = this.p.ivshmem_get_mem()
    let used = false
    for (let k = 0; k < q.size && this.rxPending.length; k++) {
      const c = q.pop(this.shm, base)
      if (!c.ok) return this.queueError(c.error)
      if (!c.value) break
      if (c.value.readLen > 0)
        return this.queueError(new VirtioError('InvalidBufferDirection', `receiveq chain ${c.value.head} has ${c.value.readLen} device-readable bytes (§5.3.6)`, { queue: CONSOLE_RX, head: c.value.head }))
      const n = writeChain(this.rxPending, c.value, (o, v) => this.p.w8(o, v))
      this.rxPending.splice(0, n)
      this.stats.rxChains++
      this.stats.rxBytes += n
      this.p.event('desc-used', { queue: CONSOLE_RX, id: c.value.head, len: n })
      const u = q.push(this.shm, c.value.head, n)
      if (!u.ok) return this.queueError(u.error)
      used = true
    }
    q.enableNotify(this.shm)
    return used && this.interrupt(CONSOLE_RX)
  }

  private queueError(e: VirtioError): boolean {
    this.error(e, true)
    return true
  }

  /** used buffers: interrupt unless suppressed (NO_INTERRUPT / used_event, §2.7.7, §2.7.10) */
  private interrupt(queue: number): boolean {
    const q = this.t.queues[queue]!
    if (!q.needsInterrupt(this.shm)) {
      this.stats.suppressed++
      return false
    }
    this.stats.interrupts++
    this.t.raise(INT.VRING)
    return true
  }

  /** poll the UART now (main() does it every tick) */
  pollRxNow(): void {
    if (this.pollRx()) this.ringDriver('used')
  }

  /** the console pane's size (VIRTIO_CONSOLE_F_SIZE, §5.3.4): config cols/rows and a new
   *  ConfigGeneration (§4.2.2); once DRIVER_OK with F_SIZE negotiated, a configuration-change
   *  interrupt (§2.5.1) and a doorbell to the driver. Before the boot it is kept for start(). */
  resize(cols: number, rows: number): ResizeOutcome {
    this.size = { cols: cols & 0xffff, rows: rows & 0xffff }
    const t = this.t
    if (!t) return { generation: null, interrupt: false }
    const irq = t.resize(cols, rows)
    if (irq) {
      this.stats.configIrqs++
      this.ringDriver('config')
    }
    return { generation: t.configGeneration, interrupt: irq }
  }
}
