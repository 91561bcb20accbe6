// One lab run: a fabric (the emulated one unless given another), two guests started in the
// scenario's order, the fabric's clock and a trace. On the emulated fabric (virtual clock) the
// same ScenarioConfig gives the same events, byte for byte.

import type { ScenarioConfig, Side, GuestState } from '../shared/contract'
import type { Fabric, Peer } from '../ivshmem/fabric'
import { EmulatedFabric } from '../ivshmem/emulated'
import { ObservedFabric, ShmObserver } from '../ivshmem/observer'
import { watchedRegions, withoutStores } from './remote'
import { LabError } from './errors'
import { Shm, type ShmAccess } from '../sim/shm'
import type { Clock } from '../sim/clock'
import { Scheduler } from '../sim/sched'
import { Trace, type TraceOptions, type TraceSink } from '../sim/trace'
import { ZephyrGuest, type MemsetUndo } from '../guest/zephyr'
import { UndoJournal } from './undo'
import { PROFILES, type Profile } from '../profiles/index'
import { applyFault } from './faults'
import type { DeviceFirmware, DriverFirmware, DriverRing } from '../profiles/types'
import { MMIO_WINDOW } from '../virtio/mmio'
import { regName } from '../virtio/regs'
import { fieldAt } from '../virtio/ring'


/** UART receive FIFO depth per guest, bytes (typed input beyond it is dropped, #11 item 8) */
export const RX_FIFO_MAX = 4096
export const INSTANCE: Record<Side, string> = { device: 'instance_1', driver: 'instance_2' }

export interface SessionOptions {
  trace?: TraceOptions
  /** shm contents to start from (--shm-state leftover); default: computed from a previous run */
  leftover?: Shm
  /** run on this fabric (its clock, its shm) instead of an emulated one built from the scenario;
   *  a factory gets the session's trace so the fabric's events land in it */
  fabric?: Fabric | ((trace: TraceSink) => Fabric)
  /** this side's stores are not seen one by one (a real guest behind the fabric writes shm
   *  directly): a ShmObserver diffs them in at each local doorbell, interrupt and snapshot.
   *  With the emulated fabric the side still runs in process, its stores hidden from the trace. */
  remote?: Side
  /** bytes of memset undo data kept for time travel (default UNDO_KEEP) */
  undoKeep?: number
}

export interface GuestSlot {
  side: Side
  guest: ZephyrGuest | null
  device: DeviceFirmware | null
  driver: DriverFirmware | null
  /** the running firmware, whichever side (= device or driver above) */
  fw: DeviceFirmware | DriverFirmware | null
  /** how many times this side was started */
  starts: number
  /** every peer id this side has held */
  ids: number[]
}

export interface ConsoleLog {
  chunks: string[]
  /** bytes ever written on this console */
  total: number
  /** bytes dropped from the front of `chunks` (kept text = bytes [trimmed, total)) */
  trimmed: number
}

/** peer ids kept per side (the last ones; `starts` keeps counting), bounded across restarts (#11) */
export const IDS_KEEP = 16

/** console text kept per side; older bytes are trimmed (offsets keep counting) */
export const CONSOLE_KEEP = 8 * 1024 * 1024

export class LabSession {
  /** only speed may change during a run (it does not affect the trace) */
  cfg: ScenarioConfig
  readonly trace: Trace
  readonly fabric: Fabric
  readonly clock: Clock
  /** set when a side is remote (SessionOptions.remote) */
  readonly observer: ShmObserver | null = null
  readonly remote: Side | null
  /** the fabric our own guests use (observed when the other side is remote) */
  private readonly local: Fabric
  readonly slots: Record<Side, GuestSlot> = {
    device: { side: 'device', guest: null, device: null, driver: null, fw: null, starts: 0, ids: [] },
    driver: { side: 'driver', guest: null, device: null, driver: null, fw: null, starts: 0, ids: [] }
  }
  readonly consoles: Record<Side, ConsoleLog> = { device: { chunks: [], total: 0, trimmed: 0 }, driver: { chunks: [], total: 0, trimmed: 0 } }
  /** complete Hello lines the device printed (counted as they end, so trimming does not lose them) */
  helloLines = 0
  private deviceLine = ''
  /** register last-writer tracking, one cell per 32-bit register (0x000-0x1FF) */
  readonly regSide = new Int8Array(MMIO_WINDOW / 4).fill(-1)
  readonly regT = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  readonly regEv = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  /** memset event index -> overwritten bytes; pruned with the trace ring, capped by bytes (#11) */
  readonly memsetUndo: UndoJournal
  private consoleListeners: ((side: Side, s: string) => void)[] = []
  private stateListeners: ((side: Side, st: GuestState, detail: string) => void)[] = []
  started = false

  constructor(cfg: ScenarioConfig, opts: SessionOptions = {}) {
    this.cfg = cfg
    this.memsetUndo = new UndoJournal(opts.undoKeep)
    this.trace = new Trace(opts.trace)
    this.trace.namer = (off) => this.nameOf(off)
    if (opts.fabric) this.fabric = typeof opts.fabric === 'function' ? opts.fabric(this.trace) : opts.fabric
    else {
      let shm: Shm
      if (cfg.shmState === 'leftover') shm = (opts.leftover ?? leftoverImage(cfg)).clone()
      else shm = new Shm(cfg.shmSize)
      if (shm.size !== cfg.shmSize) throw new LabError('LEFTOVER_SIZE', `leftover shm has ${shm.size} bytes, the scenario ${cfg.shmSize}`)
      this.fabric = new EmulatedFabric({ shm, vectors: cfg.vectors, latency: cfg.latency, clock: new Scheduler(), trace: this.trace })
    }
    this.clock = this.fabric.clock
    this.trace.now = () => this.clock.now
    this.remote = opts.remote ?? null
    this.local = this.fabric
    if (this.remote) {
      const remote = this.remote
      this.observer = new ShmObserver(this.fabric.shm, {
        remote,
        trace: this.trace,
        regions: () => watchedRegions(this.driverRings()),
        onStore: (off, _w, ev) => {
          if (off < MMIO_WINDOW) this.hooks.regStore(off, remote, ev < 0 ? null : ev)
        }
      })
      this.local = new ObservedFabric(this.fabric, this.observer)
    }
  }

  /** a snapshot is about to be taken: let the observer diff in the remote side's stores */
  observe(): void {
    this.observer?.sync()
  }

  /** the fabric's shared memory */
  get shm(): ShmAccess {
    return this.fabric.shm
  }

  /** the virtual clock the run is stepped on; a session on a wall-clock fabric has none */
  get sched(): Scheduler {
    if (!(this.clock instanceof Scheduler)) throw new LabError('CLOCK_NOT_VIRTUAL', `the ${this.fabric.kind} fabric runs on the wall clock: no virtual time to step`)
    return this.clock
  }

  /** clock events run so far */
  get executed(): number {
    return this.clock instanceof Scheduler ? this.clock.executed : 0
  }

  /** schedule the scenario: starts per order, restarts, nothing runs until run()/step() */
  start(): void {
    if (this.started) return
    this.started = true
    // event 0: what is needed to replay this trace (LabService.loadTrace)
    if (this.trace.on) this.trace.emit('guest', undefined, { op: 'scenario', config: { ...this.cfg, speed: 'max' } })
    const { order, gap } = this.cfg
    const first: Side | null = order === 'driver-first' || order === 'driver-only' ? 'driver' : 'device'
    const second: Side | null = order === 'device-first' ? 'driver' : order === 'driver-first' ? 'device' : null
    const c = this.clock
    const t0 = c.now
    c.at(t0, () => this.startGuest(first))
    if (second) c.at(t0 + gap, () => this.startGuest(second))
    for (const r of this.cfg.restarts) c.at(t0 + r.at, () => this.restart(r.side))
    for (const f of this.cfg.faults) c.at(t0 + f.at, () => applyFault(this, f))
  }

  startGuest(side: Side): void {
    const slot = this.slots[side]
    if (slot.guest?.alive) return
    const profile = this.profile
    const base = side === 'device' ? this.cfg.deviceBase : this.cfg.driverBase
    const g =
      side === this.remote
        ? new ZephyrGuest(side, INSTANCE[side], this.fabric, withoutStores(this.trace), { ...this.hooks, regStore: () => {}, memsetUndo: () => {} }, base)
        : new ZephyrGuest(side, INSTANCE[side], this.local, this.trace, this.hooks, base, this.cfg.cpuScale)
    slot.guest = g
    slot.starts++
    const fw = side === 'device' ? (slot.device = profile.device(g)) : (slot.driver = profile.driver(g))
    slot.fw = fw
    // a (re)started device boots with the console pane's current size (VIRTIO_CONSOLE_F_SIZE)
    if (side === 'device' && this.consoleSize && slot.device?.resize) slot.device.resize(this.consoleSize.cols, this.consoleSize.rows)
    g.boot(() => fw.main())
  }

  stopGuest(side: Side): void {
    this.slots[side].guest?.stop()
  }

  /** power-cycle one side: it rejoins the server and gets the next id (adjacency breaks, docs/wire-protocol.md#start-order) */
  restart(side: Side): void {
    if (this.trace.on) this.trace.emit('guest', side, { op: 'restart' })
    this.stopGuest(side)
    this.startGuest(side)
  }

  /** bytes typed into a console: the guest UART's receive FIFO, RX_FIFO_MAX deep. What does not
   *  fit (a guest that never reads, or no guest running) is dropped and counted, never queued. */
  sendInput(side: Side, data: string): { accepted: number; dropped: number } {
    const g = this.slots[side].guest
    if (!g) return { accepted: 0, dropped: data.length }
    const take = data.slice(0, Math.max(0, RX_FIFO_MAX - g.rx.length))
    const dropped = data.length - take.length
    if (this.trace.on) this.trace.emit('guest', side, dropped ? { op: 'input', data: take, dropped } : { op: 'input', data: take })
    for (let i = 0; i < take.length; i++) g.rx.push(take.charCodeAt(i) & 0xff)
    return { accepted: take.length, dropped }
  }

  /** the device console pane's size, last given to resizeConsole */
  consoleSize: { cols: number; rows: number } | null = null

  /** the device console pane was resized (cols, rows: integers 1..65535, checked by the caller).
   *  Recorded in the trace (a replay repeats it); the device firmware applies it if its profile
   *  has VIRTIO_CONSOLE_F_SIZE, else `resize` is absent and nothing changes (seed: Q8). */
  resizeConsole(cols: number, rows: number): { applied: boolean; generation: number | null; interrupt: boolean } {
    this.consoleSize = { cols, rows }
    if (this.trace.on) this.trace.emit('guest', 'device', { op: 'resize', cols, rows })
    const dev = this.slots.device.device
    if (!dev?.resize) return { applied: false, generation: null, interrupt: false }
    return { applied: true, ...dev.resize(cols, rows) }
  }

  run(until: number, maxEvents?: number): number {
    this.start()
    return this.sched.runUntil(until, maxEvents)
  }

  step(): boolean {
    this.start()
    return this.sched.step()
  }

  onConsole(l: (side: Side, s: string) => void): () => void {
    this.consoleListeners.push(l)
    return () => (this.consoleListeners = this.consoleListeners.filter((x) => x !== l))
  }
  onState(l: (side: Side, st: GuestState, detail: string) => void): () => void {
    this.stateListeners.push(l)
    return () => (this.stateListeners = this.stateListeners.filter((x) => x !== l))
  }

  /** the kept console text: bytes [consoles[side].trimmed, consoles[side].total) */
  consoleText(side: Side): string {
    const c = this.consoles[side]
    if (c.chunks.length > 1) c.chunks = [c.chunks.join('')]
    return c.chunks[0] ?? ''
  }

  /** the scenario's profile: firmwares, regions, quirks, explanation */
  get profile(): Profile {
    return PROFILES[this.cfg.profile]
  }

  /** the rings the driver set up (for naming stores and for the inspectors) */
  driverRings(): DriverRing[] {
    const drv = this.slots.driver.driver
    if (drv || this.remote !== 'driver') return drv?.rings() ?? []
    // the driver is in another process: the rings as our device accepted them (spec profile)
    return this.slots.device.device?.rings?.() ?? []
  }

  private names = new Map<number, string>()
  private namesFor: DriverFirmware | null = null

  /** the trace name of a shm offset; cached per offset (ring layout changes only when a driver starts) */
  nameOf(off: number): string {
    const drv = this.slots.driver.driver
    if (drv !== this.namesFor || (drv && this.names.size === 0)) {
      this.names.clear()
      this.namesFor = drv
    }
    let n = this.names.get(off)
    if (n === undefined) {
      n = this.computeName(off)
      // names of ring fields are only stable once the driver has laid all its rings out
      if (off < MMIO_WINDOW || drv?.view.initialized) this.names.set(off, n)
    }
    return n
  }

  private computeName(off: number): string {
    if (off < MMIO_WINDOW) return regName(off)
    const f = fieldAt(off, this.driverRings())
    if (f) return f
    return this.profile.nameOf(off) ?? `shm+0x${off.toString(16)}`
  }

  /** the device console has a line in progress (runs per snapshot: no scan of the console) */
  get deviceLineOpen(): boolean {
    return this.deviceLine.length > 0
  }

  private countLines(s: string): void {
    let from = 0
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
      if (this.profile.isDataLine(this.deviceLine + s.slice(from, nl))) this.helloLines++
      this.deviceLine = ''
      from = nl + 1
    }
    this.deviceLine = (this.deviceLine + s.slice(from)).slice(-256)
  }

  private readonly hooks = {
    joined: (side: Side, p: Peer) => {
      const ids = this.slots[side].ids
      ids.push(p.id)
      if (ids.length > IDS_KEEP) ids.splice(0, ids.length - IDS_KEEP)
    },
    regStore: (off: number, side: Side, ev: number | null) => {
      const i = off >> 2
      this.regSide[i] = side === 'device' ? 0 : 1
      this.regT[i] = this.clock.now
      this.regEv[i] = ev ?? -1
    },
    console: (side: Side, s: string) => {
      const c = this.consoles[side]
      c.chunks.push(s)
      c.total += s.length
      // join now and then (amortized); trim to CONSOLE_KEEP once twice that is held
      if (c.chunks.length > 4096 || c.total - c.trimmed > 2 * CONSOLE_KEEP) {
        let text = c.chunks.join('')
        if (text.length > 2 * CONSOLE_KEEP) {
          c.trimmed += text.length - CONSOLE_KEEP
          text = text.slice(text.length - CONSOLE_KEEP)
        }
        c.chunks = [text]
      }
      if (side === 'device') this.countLines(s)
      for (const l of this.consoleListeners) l(side, s)
    },
    state: (side: Side, st: GuestState, detail: string) => {
      for (const l of this.stateListeners) l(side, st, detail)
    },
    memsetUndo: (i: number, old: MemsetUndo) => {
      this.memsetUndo.set(i, old, this.trace.first)
    }
  }
}

/** What /dev/shm/ivshmem holds after a good run when QEMU's example server did not unlink it (killed
 *  with SIGKILL or crashed; since QEMU 4.2 SIGTERM/SIGINT unlink it; docs/ivshmem.md#shm-lifetime,
 *  docs/wire-protocol.md#driver-first): the device-first seed scenario run past its first Hello
 *  lines, then both guests gone. */
export function leftoverImage(cfg: ScenarioConfig): Shm {
  const prev = new LabSession({ ...cfg, order: 'device-first', shmState: 'fresh', restarts: [], until: null })
  prev.run(prev.cfg.gap + 10_000_000_000)
  return Shm.copyOf(prev.shm)
}
