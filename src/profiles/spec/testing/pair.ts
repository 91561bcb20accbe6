// A spec device and driver on a bare platform with no scheduler: sleeps return at once and
// doorbells are delivered synchronously from a queue. Fast enough to fuzz the protocol boundary
// (one notification per case, docs/spec-profile.md §6) and to measure the data path in bench.
// A test tool: it throws on misuse, never on shm contents.

import { Shm } from '../../../sim/shm'
import { OpKind, type GuestPlatform, type IvshmemMem, type Op, type Thread } from '../../../guest/platform'
import type { GuestState, Side } from '../../../sim/types'
import { SpecDevice } from '../device'
import { SpecDriver, type SpecDriverOptions } from '../driver'

export const PAIR_BASE = 0xafa00000

export class BarePlatform implements GuestPlatform {
  cb: (() => void) | null = null
  readonly out: number[] = []
  readonly rx: number[] = []
  readonly errors: { code?: unknown; message?: unknown }[] = []
  /** keep console output (off for throughput runs) */
  keepOut = true
  doorbells = 0
  state: GuestState = 'booting'
  uptime = 0

  constructor(
    readonly side: Side,
    readonly shm: Shm,
    private readonly id: number,
    private readonly ring: (to: number) => void
  ) {}

  ivshmem_get_mem(): IvshmemMem {
    return { base: PAIR_BASE, size: this.shm.size }
  }
  ivshmem_get_id(): number {
    return this.id
  }
  ipm_send(id: number): void {
    this.doorbells++
    this.ring(id)
  }
  ipm_register_callback(cb: () => void): void {
    this.cb = cb
  }
  /** doorbells per vector, as the fabric's per-vector counters */
  readonly perVector = [0, 0]
  vectors = 2
  ivshmem_get_vectors(): number {
    return this.vectors
  }
  ivshmem_int_peer(id: number, vector: number): void {
    this.perVector[vector] = (this.perVector[vector] ?? 0) + 1
    this.ipm_send(id)
  }
  ivshmem_register_handler(): void {}
  k_sleep(ns: number): Op {
    return { k: OpKind.Sleep, ns }
  }
  k_busy_wait(ns: number): Op {
    return { k: OpKind.Busy, ns }
  }
  /** no CPU-time model here: a sync point is a no-op yield */
  k_cpu(): Op {
    return { k: OpKind.Cpu }
  }
  cpu(): void {}
  k_uptime_get_32(): number {
    return this.uptime
  }
  r8 = (o: number) => this.shm.r8(o)
  r16 = (o: number) => this.shm.r16(o)
  r32 = (o: number) => this.shm.r32(o)
  w8 = (o: number, v: number) => this.shm.w8(o, v)
  w16 = (o: number, v: number) => this.shm.w16(o, v)
  w32 = (o: number, v: number) => this.shm.w32(o, v)
  w64(o: number, lo: number, hi: number): void {
    this.shm.w32(o + 4, hi)
    this.shm.w32(o, lo)
  }
  memset(o: number, len: number, v: number): void {
    this.shm.fill(o, len, v)
  }
  printk(s: string): void {
    if (this.keepOut) for (let i = 0; i < s.length; i++) this.out.push(s.charCodeAt(i))
  }
  uart_poll_out(c: number): void {
    if (this.keepOut) this.out.push(c & 0xff)
  }
  uart_poll_in(): number {
    return this.rx.length ? this.rx.shift()! : -1
  }
  log(): void {}
  event(k: string, f: Record<string, unknown>): void {
    if (k === 'error') this.errors.push({ code: f.code, message: f.message })
  }
  setState(s: GuestState): void {
    this.state = s
  }
  text(): string {
    return String.fromCharCode(...this.out.slice(-4096))
  }
}

const DEV_ID = 1
const DRV_ID = 2

export class SpecPair {
  readonly shm: Shm
  readonly devP: BarePlatform
  readonly drvP: BarePlatform
  readonly dev: SpecDevice
  readonly drv: SpecDriver
  private readonly main: Thread
  private pending: number[] = []
  private delivering = false
  /** the driver thread finished or faulted */
  done = false

  constructor(size = 0x10000, opts: SpecDriverOptions = {}) {
    this.shm = new Shm(size)
    const ring = (to: number) => this.deliver(to)
    this.devP = new BarePlatform('device', this.shm, DEV_ID, ring)
    this.drvP = new BarePlatform('driver', this.shm, DRV_ID, ring)
    this.dev = new SpecDevice(this.devP)
    this.drv = new SpecDriver(this.drvP, opts)
    this.dev.start()
    this.main = this.drv.main()
    this.pump()
  }

  private deliver(to: number): void {
    this.pending.push(to)
    if (this.delivering) return
    this.delivering = true
    try {
      while (this.pending.length) {
        const id = this.pending.shift()!
        const p = id === DEV_ID ? this.devP : id === DRV_ID ? this.drvP : null
        p?.cb?.()
      }
    } finally {
      this.delivering = false
    }
  }

  /** run the driver's main thread until it waits for an interrupt that has not come (bounded) */
  pump(maxSteps = 10_000): void {
    for (let k = 0; k < maxSteps && !this.done; k++) {
      const r = this.main.next()
      if (r.done) {
        this.done = true
        return
      }
      const op = r.value
      if (op.k === OpKind.Wait && !op.sig.raised) return
    }
  }

  /** bytes typed into the device console, then the device's RX poll and the driver's reply */
  type(s: string): void {
    for (let i = 0; i < s.length; i++) this.devP.rx.push(s.charCodeAt(i) & 0xff)
    this.devP.uptime++
    this.dev.pollRxNow()
    this.pump()
  }
}
