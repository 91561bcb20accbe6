// A minimal Zephyr-on-QEMU model for one guest: a single CPU, cooperative threads of equal
// priority (main and the IPM event loop, both priority 0: no preemption, no time slicing),
// a 100 Hz system tick, an ivshmem-doorbell device and a UART.
//
// Timing rules that the seed's output depends on (docs/wire-protocol.md#timing):
//  - k_sleep(d) rounds up to ticks and Zephyr adds one more tick to relative timeouts, counted
//    from the current tick boundary: k_sleep(200 us) always ends at the second tick boundary;
//  - k_uptime_get_32() advances in whole ticks (10 ms);
//  - k_busy_wait() spins: the CPU is held, other threads (the IPM loop) cannot run;
//  - the IPM event-loop thread is created during POST_KERNEL init by the main thread at the same
//    priority, so it first runs when main first blocks or returns; only then does it register its
//    k_poll_signal with the ivshmem driver (ipm_ivshmem.c ivshmem_ipm_event_loop_thread ->
//    ivshmem_register_handler). Until then virt_ivshmem.c's ISR finds no signal and a vector-0
//    doorbell is lost.

import type { Clock } from '../sim/clock'
import type { TraceSink } from '../sim/trace'
import type { Fabric, Peer } from '../ivshmem/fabric'
import type { ShmAccess } from '../sim/shm'
import type { GuestState, Side } from '../sim/types'
import { CpuMeter, type CpuBlock } from './cpu'
import { LAB_MARK, OpKind, PollSignal, type GuestErrorFields, type GuestPlatform, type IvshmemMem, type Op, type Thread } from './platform'

/** what a memset overwrote: the non-zero chunks (everything else in its range was zero) */
export type MemsetUndo = { off: number; bytes: Uint8Array }[]

export const TICK_NS = 10_000_000 // CONFIG_SYS_CLOCK_TICKS_PER_SEC = 100 on QEMU targets

export interface GuestHooks {
  /** a register store (off < 0x200) by this side, for last-writer tracking */
  regStore(off: number, side: Side, eventIndex: number | null): void
  console(side: Side, bytes: string): void
  state(side: Side, state: GuestState, detail: string): void
  /** the bytes a memset overwrote (null = they were all zero), for time travel */
  memsetUndo(eventIndex: number, old: MemsetUndo): void
  /** the fabric gave this guest its peer id */
  joined(side: Side, peer: Peer): void
}

interface KThread {
  name: string
  gen: Thread
}

export class ZephyrGuest implements GuestPlatform {
  readonly bootT: number
  /** null until the fabric gave us an id (at once on the emulated fabric) */
  peer: Peer | null = null
  alive = true
  state: GuestState = 'booting'
  detail = ''
  private running: KThread | null = null
  private readonly ready: KThread[] = []
  private readonly ipmSig = new PollSignal()
  /** ivshmem_register_handler has run: vector-0 interrupts raise ipmSig from now on */
  private sigRegistered = false
  private ipmCb: (() => void) | null = null
  /** vectors whose interrupts raise the IPM signal (0 only unless a firmware asks, Q25) */
  private readonly listen = new Set<number>([0])
  /** UART receive FIFO (bytes typed into this guest's console) */
  readonly rx: number[] = []
  consoleBytes = 0
  private readonly sched: Clock
  private readonly shm: ShmAccess
  private main: ((p: GuestPlatform) => Thread) | null = null
  private readonly meter: CpuMeter

  constructor(
    readonly side: Side,
    readonly instance: string,
    private readonly fabric: Fabric,
    private readonly trace: TraceSink,
    private readonly hooks: GuestHooks,
    private readonly memBase: number,
    /** cpuScale (src/guest/cpu.ts): 0 = every block at one instant */
    cpuScale = 0
  ) {
    this.meter = new CpuMeter(cpuScale)
    this.sched = fabric.clock
    this.shm = fabric.shm
    this.bootT = this.sched.now
    fabric.connect(side, (p) => this.joined(p))
  }

  private joined(p: Peer): void {
    if (!this.alive) return void this.fabric.disconnect(p)
    this.peer = p
    p.onInterrupt = (v, n) => this.isr(v, n)
    if (this.trace.on) this.trace.emit('guest', this.side, { op: 'boot', instance: this.instance, peer: p.id })
    this.hooks.joined(this.side, p)
    this.startThreads()
  }

  /** start the boot thread (main) and the IPM event-loop thread, once the guest has its peer id */
  boot(main: (p: GuestPlatform) => Thread): void {
    this.main = main
    this.startThreads()
  }

  private startThreads(): void {
    const main = this.main
    if (!main || !this.peer || !this.alive) return
    this.main = null
    // main runs first (it creates the IPM thread during init); the IPM thread waits its turn
    this.spawn('main', main(this))
    this.spawn('ipm_event_loop', this.ipmLoop())
  }

  stop(): void {
    if (!this.alive) return
    this.alive = false
    if (this.peer) this.fabric.disconnect(this.peer)
    this.setState('stopped', 'powered off')
    if (this.trace.on) this.trace.emit('guest', this.side, { op: 'stop', peer: this.peer?.id ?? null })
  }

  // ---- scheduler ---------------------------------------------------------------------------

  private spawn(name: string, gen: Thread): void {
    this.ready.push({ name, gen })
    this.dispatch()
  }

  private dispatch(): void {
    while (this.alive && !this.running && this.ready.length) {
      const th = this.ready.shift()!
      this.running = th
      this.resume(th)
    }
  }

  private resume(th: KThread): void {
    let r: IteratorResult<Op, void>
    for (;;) {
      try {
        r = th.gen.next()
      } catch (e) {
        // protocol code must not throw; if it does, the guest "faults" and the lab says so
        this.running = null
        this.setState('failed', `fault in ${th.name}: ${(e as Error).message}`)
        const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'GUEST_FAULT'
        if (this.trace.on) this.trace.emit('error', this.side, { code, where: th.name, message: String((e as Error).message) })
        this.alive = false
        return
      }
      // a sync point with nothing owed (always so at cpuScale 0) does not yield: same instant
      if (r.done || r.value.k !== OpKind.Cpu) break
      const owed = this.meter.take()
      if (owed > 0) return this.hold(th, owed, () => this.resume(th))
    }
    if (r.done) {
      // the thread returned (main() ends, as on the device): the CPU goes to the next ready
      // thread, e.g. an IPM loop made ready while this one was spinning in k_busy_wait
      this.running = null
      this.dispatch()
      return
    }
    const op = r.value
    switch (op.k) {
      case OpKind.Busy:
        // CPU held until the spin ends (and the CPU time owed before it)
        this.sched.after(op.ns + this.meter.take(), () => {
          if (this.alive) this.resume(th)
        })
        return
      case OpKind.Sleep: {
        // k_sleep took the CPU time owed into its wake time
        this.running = null
        this.sched.at(op.ns, () => {
          if (!this.alive) return
          this.ready.push(th)
          this.dispatch()
        })
        break
      }
      case OpKind.Wait: {
        const owed = this.meter.take()
        if (owed > 0) return this.hold(th, owed, () => this.block(th, op.sig))
        this.block(th, op.sig)
        return
      }
    }
    this.dispatch()
  }

  /** the running thread keeps the CPU for `ns` of CPU time it used, then `next` */
  private hold(th: KThread, ns: number, next: () => void): void {
    if (this.trace.on) this.trace.emit('guest', this.side, { op: 'cpu', thread: th.name, ns })
    this.sched.after(ns, () => {
      if (this.alive) next()
    })
  }

  private block(th: KThread, sig: PollSignal): void {
    this.running = null
    if (sig.raised) this.ready.push(th)
    else
      sig.waiter = () => {
        if (!this.alive) return
        this.ready.push(th)
        this.dispatch()
      }
    this.dispatch()
  }

  private *ipmLoop(): Thread {
    this.sigRegistered = true // ivshmem_register_handler(ivshmem, &sig, 0) on the thread's first run
    if (this.trace.on) this.trace.emit('callback', this.side, { op: 'signal-registered', peer: this.peer?.id ?? null })
    for (;;) {
      yield { k: OpKind.Wait, sig: this.ipmSig }
      // interrupt entry, ISR, k_poll_signal_raise and the switch to this thread take CPU time
      this.meter.block('irq-to-callback')
      yield { k: OpKind.Cpu }
      this.ipmSig.raised = false // k_poll_signal_reset
      const cb = this.ipmCb
      if (cb) {
        if (this.trace.on) this.trace.emit('callback', this.side, { op: 'ipm', peer: this.peer!.id })
        cb()
        yield { k: OpKind.Cpu } // the callback's own time, before the thread polls again
      } else if (this.trace.on) this.trace.emit('callback', this.side, { op: 'ignored', reason: 'no IPM callback registered yet' })
    }
  }

  /** MSI-X ISR of the ivshmem driver: both vectors share it; ipm_ivshmem only signals vector 0 */
  private isr(vector: number, count: number): void {
    if (!this.alive) return
    if (!this.listen.has(vector)) {
      if (this.trace.on) this.trace.emit('callback', this.side, { op: 'ignored', vector, count, reason: 'ipm_ivshmem only listens on vector 0' })
      return
    }
    if (!this.sigRegistered) {
      if (this.trace.on) this.trace.emit('callback', this.side, { op: 'ignored', vector, count, reason: 'lost: the IPM thread has not run yet, no k_poll_signal registered' })
      return
    }
    this.ipmSig.raise()
  }

  // ---- GuestPlatform -------------------------------------------------------------------------

  ivshmem_get_mem(): IvshmemMem {
    return { base: this.memBase, size: this.shm.size }
  }
  ivshmem_get_id(): number {
    return this.peer!.id // threads start only once the peer is known
  }
  ipm_send(id: number): void {
    this.fabric.doorbell(this.peer!, ((id & 0xffff) << 16) >>> 0)
    this.meter.block('ipm-send')
  }
  ipm_register_callback(cb: () => void): void {
    this.ipmCb = cb
  }
  ivshmem_get_vectors(): number {
    return Math.max(1, Math.min(this.peer!.vectors, this.peer!.msix))
  }
  ivshmem_int_peer(id: number, vector: number): void {
    this.fabric.doorbell(this.peer!, (((id & 0xffff) << 16) | (vector & 0xff)) >>> 0)
    this.meter.block('ipm-send')
  }
  ivshmem_register_handler(vector: number): void {
    this.listen.add(vector)
  }
  k_sleep(ns: number): Op {
    const ticks = Math.ceil(ns / TICK_NS)
    // the CPU time owed is spent before the thread reaches k_sleep
    const cur = Math.floor((this.sched.now + this.meter.take() - this.bootT) / TICK_NS)
    return { k: OpKind.Sleep, ns: this.bootT + (cur + ticks + 1) * TICK_NS }
  }
  k_busy_wait(ns: number): Op {
    return { k: OpKind.Busy, ns }
  }
  k_uptime_get_32(): number {
    return (Math.floor((this.sched.now - this.bootT) / TICK_NS) * (TICK_NS / 1e6)) >>> 0
  }
  k_cpu(): Op {
    return { k: OpKind.Cpu }
  }
  cpu(block: CpuBlock): void {
    this.meter.block(block)
  }
  get uptimeMs(): number {
    return Math.floor((this.sched.now - this.bootT) / 1e6)
  }

  r8(off: number): number {
    this.meter.access()
    return this.shm.r8(off)
  }
  r16(off: number): number {
    this.meter.access()
    return this.shm.r16(off)
  }
  r32(off: number): number {
    this.meter.access()
    return this.shm.r32(off)
  }
  w8(off: number, v: number): void {
    const old = this.trace.on ? this.shm.r8(off) : 0
    this.shm.w8(off, v)
    this.stored(off, 1, old, v & 0xff)
  }
  w16(off: number, v: number): void {
    const old = this.trace.on ? this.shm.r16(off) : 0
    this.shm.w16(off, v)
    this.stored(off, 2, old, v & 0xffff)
  }
  w32(off: number, v: number): void {
    const old = this.trace.on ? this.shm.r32(off) : 0
    this.shm.w32(off, v)
    this.stored(off, 4, old, v >>> 0)
  }
  w64(off: number, lo: number, hi: number): void {
    const on = this.trace.on
    const oldLo = on ? this.shm.r32(off) : 0
    const oldHi = on ? this.shm.r32(off + 4) : 0
    this.shm.w32(off + 4, hi) // bounds-check the whole field before the first byte changes
    this.shm.w32(off, lo)
    this.meter.access() // one str x
    if (on) this.trace.store(this.side, off, 8, oldLo, oldHi, lo >>> 0, hi >>> 0)
  }
  private stored(off: number, w: number, old: number, v: number): void {
    this.meter.access()
    const ev = this.trace.on ? this.trace.store(this.side, off, w, old, 0, v, 0) : null
    if (off < 0x200) this.hooks.regStore(off, this.side, ev)
  }
  memset(off: number, len: number, v: number): void {
    // the bytes it overwrites, for time travel: only the ranges the shm says may be non-zero
    // (O(touched), not O(len): a 1 GiB wipe of a fresh shm copies nothing, #11)
    let old: MemsetUndo | null = null
    if (this.trace.on) {
      const shm = this.shm
      const ranges = shm.touched ? shm.touched(off, len) : [[off, len] as [number, number]]
      old = ranges.map(([o, l]) => ({ off: o, bytes: shm.read(o, l) })).filter((c) => c.bytes.some((b) => b !== 0))
    }
    this.shm.fill(off, len, v)
    this.meter.access(Math.ceil(len / 8)) // memset stores 8 bytes at a time
    if (old) {
      const ev = this.trace.emit('memset', this.side, { off, len, value: v })
      this.hooks.memsetUndo(ev.i, old)
    }
    for (let o = off & ~3; o < Math.min(off + len, 0x200); o += 4) this.hooks.regStore(o, this.side, null)
  }

  printk(s: string): void {
    this.out(s.replace(/\n/g, '\r\n'))
  }
  uart_poll_out(c: number): void {
    this.out(String.fromCharCode(c & 0xff))
  }
  uart_poll_in(): number {
    return this.rx.length ? this.rx.shift()! : -1
  }
  private out(s: string): void {
    this.consoleBytes += s.length
    if (this.trace.on) this.trace.emit('console', this.side, { data: s })
    this.hooks.console(this.side, s)
  }
  log(line: string): void {
    this.out(LAB_MARK + line + '\r\n')
  }
  event(k: 'desc-add' | 'desc-used' | 'reclaim' | 'guest' | 'error', fields: Record<string, unknown> | GuestErrorFields): void {
    if (this.trace.on) this.trace.emit(k, this.side, fields)
  }
  setState(state: GuestState, detail = ''): void {
    if (this.state === state && this.detail === detail) return
    this.state = state
    this.detail = detail
    if (this.trace.on) this.trace.emit('guest', this.side, { op: 'state', state, detail })
    this.hooks.state(this.side, state, detail)
  }
}
