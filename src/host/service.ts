// The lab service: owns one LabSession, paces virtual time (x1 wall clock, xN, max), and publishes
// to subscribers: snapshots at most ~60 Hz, console bytes in batches (never dropped: each batch
// carries its byte offset, consoleSince() refills gaps), trace events in batches.
// Electron-free: the Electron main process and the WebSocket host both wrap this one class.

import type {
  CompareResult,
  ConsoleSizeResult,
  ConfigureResult,
  ConsoleMark,
  ControlCommand,
  FaultKind,
  LabApi,
  LabEvent,
  LabSnapshot,
  ScenarioConfig,
  Side,
  TraceEvent,
  TraceExportChunk,
  TraceExportFormat
} from '../shared/contract'
import { DEFAULT_SCENARIO, FABRICS, FAULT_KINDS } from '../shared/scenario'
import { LabSession, RX_FIFO_MAX } from '../lab/session'
import { resolveScenario } from '../lab/config'
import { replayTrace, type ReplayProgress } from './replay'
import { buildSnapshot, liveInput } from '../lab/snapshot'
import { TravelCursor } from '../lab/travel'
import { WallClockError, closeRealSession, openRealSession } from './service-real'
import { CompareRunner, type CompareRunnerOptions } from './compare-job'
import { resizeConsole } from './console-size'
import { newPending, pendConsole, type PendingConsole } from './console-batch'
import { TraceExports } from './trace-export'
import { applyFault } from '../lab/faults'
import { faultUnavailable, isFaultKind, type FaultReply } from '../shared/faults'

export interface ServiceOptions {
  /** trace events kept for the timeline and time travel */
  traceKeep?: number
  /** snapshot publication period, ms (17 ≈ 59 Hz, the cap the renderer is designed for) */
  publishMs?: number
  /** most trace events pushed per publication (~60 Hz); older ones are paged with getTrace.
   *  At max speed the lab makes ~100k events/s: pushing them all would flood the window. */
  traceBatch?: number
  /** compare(): wall ms per slice, virtual time compared, progress event spacing (tests shorten them) */
  compare?: CompareRunnerOptions
}

/** wall time spent emulating per tick at max speed: half of a 16 ms tick, the rest is for I/O */
const MAX_SLICE_MS = 8

/** typed input that did not fit the guest's UART receive FIFO (or no guest runs on that side) */
export class InputDroppedError extends Error {
  override name = 'InputDroppedError'
  readonly code = 'INPUT_DROPPED'
  constructor(side: Side, dropped: number, of: number, noGuest: boolean) {
    super(
      noGuest
        ? `sendInput: no ${side} guest is running: ${dropped} byte(s) dropped`
        : `sendInput: the ${side} UART receive FIFO is full (${RX_FIFO_MAX} bytes; the guest is not reading): ${dropped} of ${of} byte(s) dropped`
    )
  }
}

/** injectFault with a kind that is not one of FAULT_KINDS */
export class FaultKindError extends Error {
  override name = 'FaultKindError'
  readonly code = 'FAULT_KIND'
  constructor(kind: unknown) {
    super(`injectFault: kind must be one of ${FAULT_KINDS.join(', ')} (got ${typeof kind === 'string' ? `'${kind.slice(0, 40)}'` : typeof kind})`)
  }
}

/** injectFault of a kind whose side does not run in this lab (another process, or none) */
export class FaultNotApplicableError extends Error {
  override name = 'FaultNotApplicableError'
  readonly code = 'FAULT_NOT_APPLICABLE'
  constructor(kind: string, why: string) {
    super(`injectFault: ${kind}: ${why}`)
  }
}

export class LabService implements LabApi {
  private cfg: ScenarioConfig
  private s: LabSession
  private readonly listeners = new Set<(e: LabEvent) => void>()
  /** console and reset events only (console logs): no snapshots or trace batches are built for them */
  private readonly consoleTaps = new Set<(e: LabEvent) => void>()
  private readonly opt: Required<Omit<ServiceOptions, 'compare'>>
  private readonly cmp: CompareRunner
  /** the device console pane's size, last given to resizeConsole */
  private consoleSize: { cols: number; rows: number } | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private running = false
  private paused = false
  private finished = false
  private seq = 0
  /** snapshotAt's incremental time travel (src/lab/travel.ts) */
  private readonly travel = new TravelCursor()
  private dirty = true
  private pending: Record<Side, PendingConsole> = { device: newPending(), driver: newPending() }
  /** trace events up to this index have been pushed */
  private tracePushed = 0
  private unsub: (() => void)[] = []
  /** the loadTrace replay in progress, if any */
  private replay: AbortController | null = null
  /** bumped by every configure/reset: a real fabric's open that finished late is discarded */
  private gen = 0
  // pacing: virtual time vBase corresponds to wall time wBase
  private vBase = 0
  private wBase = 0
  /** the snapshot a control call answered with; the next publication pushes it (not a copy) if the
   *  session did not run since */
  private replySnap: LabSnapshot | null = null
  private soon: ReturnType<typeof setImmediate> | null = null
  /** wall ms spent in the last emulation slice and the event-loop lag seen by the tick timer */
  lastSliceMs = 0
  lastLagMs = 0

  constructor(cfg: Partial<ScenarioConfig> = {}, opts: ServiceOptions = {}) {
    this.opt = { traceKeep: opts.traceKeep ?? 200_000, publishMs: opts.publishMs ?? 17, traceBatch: opts.traceBatch ?? 300 }
    this.cmp = new CompareRunner((e) => this.emit(e), opts.compare)
    const r = resolveScenario(cfg, DEFAULT_SCENARIO)
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.field}: ${e.message}`).join('; '))
    this.cfg = r.config
    this.s = this.newSession()
  }

  get session(): LabSession {
    return this.s
  }
  get config(): ScenarioConfig {
    return this.cfg
  }

  private newSession(): LabSession {
    const s = new LabSession(this.cfg, { trace: { keep: this.opt.traceKeep } })
    s.start()
    // a new session's device boots with the console pane's size (the pane reports only changes)
    if (this.consoleSize) resizeConsole(s, 'device', this.consoleSize.cols, this.consoleSize.rows)
    return this.install(s)
  }

  /** make `s` the service's session: console hooks, publication state (its console so far is
   *  published with the next flush, from its first kept byte) */
  private install(s: LabSession): LabSession {
    this.replay?.abort() // a replay still running would replace what the user just chose
    // the session replaced on a real fabric leaves the server (its peers' departure is announced)
    if (this.s && this.s !== s && this.s.clock.kind === 'wall') closeRealSession(this.s)
    for (const u of this.unsub) u()
    this.pending = { device: newPending(), driver: newPending() }
    for (const side of ['device', 'driver'] as const) {
      // its console so far: stamped with the session's time now (the bytes' own times are gone)
      const p = newPending(s.consoles[side].trimmed)
      const text = s.consoleText(side)
      if (text) pendConsole(p, text, s.clock.now)
      p.marks = s.marksIn(side, p.seq, p.seq + p.len)
      this.pending[side] = p
    }
    this.unsub = [
      s.onConsole((side, data) => pendConsole(this.pending[side], data, s.clock.now)), // clock: the wall one too
      s.onMark((side, m) => this.pending[side].marks.push({ ...m }))
    ]
    this.tracePushed = 0
    this.finished = false
    this.dirty = true
    this.replySnap = null
    this.s = s
    return s
  }

  /** begin pacing virtual time */
  start(): void {
    if (this.running) return
    this.running = true
    this.rebase()
    this.schedule()
  }

  /** true when the session runs on a real fabric (wall clock: no pause, step or speed) */
  get real(): boolean {
    return this.s.clock.kind === 'wall'
  }

  dispose(): void {
    this.cmp.cancel()
    if (this.real) closeRealSession(this.s)
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    if (this.soon) clearImmediate(this.soon)
    this.timer = this.soon = null
    for (const u of this.unsub) u()
    this.listeners.clear()
    this.consoleTaps.clear()
  }

  private rebase(): void {
    this.vBase = this.real ? 0 : this.s.sched.now
    this.wBase = performance.now()
  }

  /** one tick per publishMs, the tick's own work included (so max speed still publishes ~60 Hz) */
  private schedule(delay = this.opt.publishMs): void {
    if (!this.running || this.timer) return
    const due = performance.now() + delay
    this.timer = setTimeout(() => {
      this.timer = null
      const t0 = performance.now()
      this.lastLagMs = Math.max(0, t0 - due)
      this.tick()
      this.schedule(Math.max(1, this.opt.publishMs - (performance.now() - t0)))
    }, delay)
  }

  private tick(): void {
    if (this.real) {
      // the wall clock runs the guests itself; the remote side's stores may change shm any time
      if (!this.finished && this.cfg.until !== null && this.s.clock.now >= this.cfg.until) {
        this.finished = true
        closeRealSession(this.s)
      }
      this.dirty = true
      this.replySnap = null
    } else if (!this.paused && !this.finished) {
      const t0 = performance.now()
      const until = this.cfg.until ?? Number.POSITIVE_INFINITY
      if (this.cfg.speed === 'max') {
        while (performance.now() - t0 < MAX_SLICE_MS && this.s.sched.now < until) this.s.run(Math.min(until, this.s.sched.now + 50_000_000), 400)
      } else {
        const target = this.vBase + (performance.now() - this.wBase) * 1e6 * this.cfg.speed
        this.s.run(Math.min(until, target))
      }
      if (this.s.sched.now >= until) this.finished = true
      this.lastSliceMs = performance.now() - t0
      this.dirty = true
      this.replySnap = null
    }
    this.flush()
  }

  /** push console batches, trace batches and (if anything changed) a snapshot */
  flush(): void {
    for (const side of ['device', 'driver'] as const) {
      const p = this.pending[side]
      if (!p.data.length && !p.marks.length) continue
      const data = p.data.join('')
      const times = p.times
      const marks = p.marks
      p.data = []
      p.times = []
      p.marks = []
      p.len = 0
      const e: Extract<LabEvent, { type: 'console' }> = times.length > 0 ? { type: 'console', side, data, seq: p.seq, t: times[0][1], times } : { type: 'console', side, data, seq: p.seq }
      if (marks.length > 0) e.marks = marks
      this.emit(e)
      p.seq += data.length
    }
    const tr = this.s.trace
    if (tr.n > this.tracePushed) {
      // the newest batch; older ones (max speed) stay available through getTrace
      const from = Math.max(this.tracePushed, tr.n - this.opt.traceBatch)
      this.tracePushed = tr.n
      if (this.listeners.size) this.emit({ type: 'trace', events: tr.slice(from, tr.n - from) })
    }
    if (this.dirty && this.listeners.size) {
      this.dirty = false
      const snap = this.replySnap ?? this.snapshot()
      this.replySnap = null
      this.emit({ type: 'snapshot', snap })
    }
  }

  /** Publish right after the current call's reply went out (#10 item 6): a Pause/Step reply must
   *  not queue behind the trace batch and snapshot its own flush would push first to that client
   *  (on a loaded machine the page reads each frame in turn). The reply's snapshot is pushed to
   *  every subscriber as it is, not rebuilt. */
  private flushSoon(): void {
    if (this.soon) return
    this.soon = setImmediate(() => {
      this.soon = null
      this.flush()
    })
  }

  private emit(e: LabEvent): void {
    const taps = e.type === 'console' || e.type === 'reset' ? [...this.consoleTaps] : []
    for (const l of [...this.listeners, ...taps]) {
      try {
        l(e)
      } catch {
        /* a failing subscriber must not stop the lab */
      }
    }
  }

  snapshot(): LabSnapshot {
    return buildSnapshot(this.s, liveInput(this.s), ++this.seq, { running: this.running && !this.paused && !this.finished, paused: this.paused, finished: this.finished })
  }

  // ---- LabApi ------------------------------------------------------------------------------

  async getSnapshot(): Promise<LabSnapshot> {
    return this.snapshot()
  }

  async configure(cfg: Partial<ScenarioConfig>): Promise<ConfigureResult> {
    // every fabric passes the schema here; a real one then needs the addon and its server
    const r = resolveScenario(cfg, this.cfg, FABRICS)
    if (!r.ok) return r
    const gen = ++this.gen
    if (r.config.fabric !== 'emulated') {
      const o = await openRealSession(r.config, this.opt.traceKeep)
      if (!o.ok) return o
      if (gen !== this.gen) {
        closeRealSession(o.session)
        return { ok: false, errors: [{ field: 'fabric', message: 'superseded by a later configure or reset' }] }
      }
      this.cfg = r.config
      this.install(o.session)
    } else {
      this.cfg = r.config
      this.s = this.newSession()
    }
    this.paused = false // a new scenario starts running; reset keeps a pause (to step from t = 0)
    this.rebase()
    this.emit({ type: 'reset', config: this.cfg })
    this.flush()
    return r
  }

  async control(c: ControlCommand): Promise<LabSnapshot> {
    if (this.real && (c.cmd === 'pause' || c.cmd === 'resume' || c.cmd === 'step' || c.cmd === 'speed')) throw new WallClockError(c.cmd, this.s.fabric.kind)
    if (this.real && c.cmd === 'reset') {
      // a reset on a real fabric leaves the server and joins it again (new peer ids)
      const gen = ++this.gen
      closeRealSession(this.s)
      const o = await openRealSession(this.cfg, this.opt.traceKeep)
      if (!o.ok) throw new Error(`reset: ${o.errors.map((e) => e.message).join('; ')}`)
      if (gen !== this.gen) closeRealSession(o.session)
      else {
        this.install(o.session)
        this.emit({ type: 'reset', config: this.cfg })
      }
      this.dirty = true
      this.flush()
      return this.snapshot()
    }
    switch (c.cmd) {
      case 'start':
        this.paused = false
        this.start()
        this.rebase()
        break
      case 'pause':
        this.paused = true
        break
      case 'resume':
        this.paused = false
        this.rebase()
        break
      case 'step': {
        this.paused = true
        const n = Math.max(1, Math.min(10_000, Math.trunc(c.count ?? 1)))
        for (let i = 0; i < n && this.s.step(); i++);
        this.dirty = true
        break
      }
      case 'reset':
        ++this.gen
        this.s = this.newSession()
        this.rebase()
        this.emit({ type: 'reset', config: this.cfg })
        break
      case 'restart':
        this.s.restart(c.side)
        this.dirty = true
        break
      case 'speed': {
        const r = resolveScenario({ speed: c.speed }, this.cfg)
        if (!r.ok) throw new Error(r.errors[0]!.message)
        this.cfg = r.config
        this.s.cfg = { ...this.s.cfg, speed: r.config.speed }
        this.rebase()
        break
      }
    }
    this.dirty = true
    this.flushSoon()
    return (this.replySnap = this.snapshot())
  }

  async sendInput(side: Side, data: string): Promise<void> {
    const r = this.s.sendInput(side, data)
    this.replySnap = null
    if (r.dropped) throw new InputDroppedError(side, r.dropped, data.length, r.accepted === 0 && !this.s.slots[side].guest)
  }

  async getTrace(from: number, count: number): Promise<TraceEvent[]> {
    return this.s.trace.slice(Math.max(0, Math.trunc(from)), Math.max(0, Math.min(5000, Math.trunc(count))))
  }

  async snapshotAt(i: number): Promise<LabSnapshot> {
    const input = this.travel.input(this.s, i)
    const snap = buildSnapshot(this.s, input, ++this.seq, { running: false, paused: this.paused, finished: this.finished })
    snap.t = this.s.trace.get(i)!.t
    return snap
  }

  async readShm(off: number, len: number): Promise<number[]> {
    const size = this.s.shm.size
    if (!Number.isInteger(off) || off < 0 || off >= size) throw new RangeError(`readShm: offset ${off} outside the shm (0..0x${(size - 1).toString(16)})`)
    const n = Math.max(0, Math.min(4096, Math.trunc(len), size - off))
    return Array.from(this.s.shm.read(off, n))
  }

  async consoleSince(side: Side, seq: number): Promise<{ data: string; seq: number; marks?: ConsoleMark[] }> {
    // bytes not yet published are excluded: they arrive with the next batch. Bytes older than the
    // kept log are gone: the answer then starts later than asked, and the caller counts the gap.
    const c = this.s.consoles[side]
    const text = this.s.consoleText(side)
    const upto = this.pending[side].seq
    const from = Math.max(c.trimmed, Math.min(Math.trunc(seq), upto))
    // marks published so far: those still pending arrive with the next batch
    const marks = this.s.marksIn(side, from, upto).filter((m) => !this.pending[side].marks.some((p) => p.n === m.n))
    const r: { data: string; seq: number; marks?: ConsoleMark[] } = { data: text.slice(from - c.trimmed, upto - c.trimmed), seq: from }
    if (marks.length > 0) r.marks = marks.map((m) => ({ ...m }))
    return r
  }

  async resizeConsole(side: Side, cols: number, rows: number): Promise<ConsoleSizeResult> {
    const r = resizeConsole(this.s, side, cols, rows)
    if (side === 'device') this.consoleSize = { cols, rows }
    this.dirty = true
    this.replySnap = null // the registers changed since the last control reply
    return r
  }

  /** the current scenario in both profiles, off the tick loop in slices (compare-job.ts) */
  async compare(): Promise<CompareResult> {
    return this.cmp.run(this.cfg)
  }

  async cancelCompare(): Promise<boolean> {
    return this.cmp.cancel()
  }

  /** apply a fault now (docs/spec-profile.md §7): the fabric's next doorbell, or the firmware's
   *  next chain / completion; a trace event `fault` records it. A kind whose side does not run in
   *  this process is refused (FAULT_NOT_APPLICABLE); on a real fabric it acts on the wall clock. */
  async injectFault(kind: FaultKind): Promise<FaultReply> {
    if (!isFaultKind(kind)) throw new FaultKindError(kind)
    const why = faultUnavailable(kind, this.cfg)
    if (why) throw new FaultNotApplicableError(kind, why)
    const t = this.s.clock.now
    const r = applyFault(this.s, { kind, at: t }, true)
    this.dirty = true
    this.flush()
    return { kind, applied: r.applied, detail: r.detail, t }
  }

  /** Open a saved trace (Electron menu): replay its scenario and the user's actions in it (restarts,
   *  typed input) deterministically up to its last event, paused, and compare the regenerated
   *  events with the file. Runs in slices (the service keeps answering) with progress; `signal`
   *  cancels it, and so do configure/reset/another loadTrace. Refused, failed or cancelled, it
   *  leaves the current session untouched. Not part of LabApi: only the main process reads files. */
  async loadTrace(
    events: TraceEvent[],
    opts: { signal?: AbortSignal; onProgress?: (p: ReplayProgress) => void } = {}
  ): Promise<{ ok: boolean; message: string }> {
    this.replay?.abort()
    const ac = new AbortController()
    this.replay = ac
    const onAbort = (): void => ac.abort()
    opts.signal?.addEventListener('abort', onAbort)
    try {
      const r = await replayTrace(events, { traceKeep: this.opt.traceKeep, speed: this.cfg.speed, signal: ac.signal, onProgress: opts.onProgress })
      if (!r.session) return { ok: false, message: r.message }
      if (ac.signal.aborted) return { ok: false, message: 'replay cancelled; the previous session is unchanged' }
      this.replay = null
      this.cfg = r.config
      this.install(r.session)
      this.paused = true
      this.rebase()
      this.emit({ type: 'reset', config: this.cfg })
      this.flush()
      return { ok: r.ok, message: r.message }
    } catch (err) {
      // a hostile file (e.g. a header nested too deep) must not take the service down
      return { ok: false, message: `the trace cannot be replayed: ${err instanceof Error ? err.message : String(err)}; the previous session is unchanged` }
    } finally {
      if (this.replay === ac) this.replay = null
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  private readonly exports = new TraceExports()

  async exportBegin(filter: string, format: TraceExportFormat): Promise<{ id: number; total: number; first: number }> {
    return this.exports.begin(this.s.trace, filter, format)
  }

  async exportNext(id: number): Promise<TraceExportChunk> {
    return this.exports.next(id)
  }

  async exportCancel(id: number): Promise<void> {
    this.exports.cancel(id)
  }

  /** true while a loadTrace replay runs */
  get replaying(): boolean {
    return this.replay !== null
  }

  /** stream offset of the next console byte to be published on a side */
  consolePublished(side: Side): number {
    return this.pending[side].seq
  }

  /** console bytes (with their times and restart marks) and resets as they are published, for a
   *  console log (src/host/console-log.ts); unlike subscribe, it costs no snapshots */
  tapConsole(listener: (e: LabEvent) => void): () => void {
    this.consoleTaps.add(listener)
    return () => {
      this.consoleTaps.delete(listener)
    }
  }

  subscribe(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener)
    this.dirty = true
    return () => {
      this.listeners.delete(listener)
    }
  }
}
