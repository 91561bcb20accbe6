// The lab service: owns one LabSession, paces virtual time (x1 wall clock, xN, max), and publishes
// to subscribers: snapshots at most ~60 Hz, console bytes in batches (never dropped: each batch
// carries its byte offset, consoleSince() refills gaps), trace events in batches.
// Electron-free: the Electron main process and the WebSocket host both wrap this one class.

import type {
  ConfigureResult,
  ControlCommand,
  LabApi,
  LabEvent,
  LabSnapshot,
  ScenarioConfig,
  Side,
  TraceEvent
} from '../shared/contract'
import { DEFAULT_SCENARIO } from '../shared/contract'
import { LabSession } from '../lab/session'
import { resolveScenario } from '../lab/config'
import { buildSnapshot, historicalInput, liveInput } from '../lab/snapshot'

export interface ServiceOptions {
  /** trace events kept for the timeline and time travel */
  traceKeep?: number
  /** snapshot publication period, ms (17 ≈ 59 Hz, the cap the renderer is designed for) */
  publishMs?: number
  /** most trace events pushed per publication (~60 Hz); older ones are paged with getTrace.
   *  At max speed the lab makes ~100k events/s: pushing them all would flood the window. */
  traceBatch?: number
}

/** wall time spent emulating per tick at max speed: half of a 16 ms tick, the rest is for I/O */
const MAX_SLICE_MS = 8

/** console bytes not yet published, with the virtual time each line began (and of the first byte) */
interface PendingConsole {
  data: string[]
  seq: number
  len: number
  times: [number, number][]
  lineStart: boolean
}
function newPending(): PendingConsole {
  return { data: [], seq: 0, len: 0, times: [], lineStart: true }
}
function pendConsole(p: PendingConsole, data: string, t: number): void {
  // one mark per line start (not per byte: the seed writes one byte per call, Q-paced)
  for (let k = 0; k < data.length; k++) {
    if (p.lineStart || p.times.length === 0) {
      if (p.times.length === 0 || p.times[p.times.length - 1][0] !== p.len + k) p.times.push([p.len + k, t])
      p.lineStart = false
    }
    if (data.charCodeAt(k) === 10) p.lineStart = true
  }
  p.data.push(data)
  p.len += data.length
}

export class LabService implements LabApi {
  private cfg: ScenarioConfig
  private s: LabSession
  private readonly listeners = new Set<(e: LabEvent) => void>()
  private readonly opt: Required<ServiceOptions>
  private timer: ReturnType<typeof setTimeout> | null = null
  private running = false
  private paused = false
  private finished = false
  private seq = 0
  private dirty = true
  private pending: Record<Side, PendingConsole> = { device: newPending(), driver: newPending() }
  /** trace events up to this index have been pushed */
  private tracePushed = 0
  private unsub: (() => void)[] = []
  // pacing: virtual time vBase corresponds to wall time wBase
  private vBase = 0
  private wBase = 0
  /** wall ms spent in the last emulation slice and the event-loop lag seen by the tick timer */
  lastSliceMs = 0
  lastLagMs = 0

  constructor(cfg: Partial<ScenarioConfig> = {}, opts: ServiceOptions = {}) {
    this.opt = { traceKeep: opts.traceKeep ?? 200_000, publishMs: opts.publishMs ?? 17, traceBatch: opts.traceBatch ?? 300 }
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
    for (const u of this.unsub) u()
    const s = new LabSession(this.cfg, { trace: { keep: this.opt.traceKeep } })
    this.unsub = [
      s.onConsole((side, data) => pendConsole(this.pending[side], data, s.sched.now)),
    ]
    this.pending = { device: newPending(), driver: newPending() }
    this.tracePushed = 0
    this.finished = false
    this.dirty = true
    s.start()
    return s
  }

  /** begin pacing virtual time */
  start(): void {
    if (this.running) return
    this.running = true
    this.rebase()
    this.schedule()
  }

  dispose(): void {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const u of this.unsub) u()
    this.listeners.clear()
  }

  private rebase(): void {
    this.vBase = this.s.sched.now
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
    if (!this.paused && !this.finished) {
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
    }
    this.flush()
  }

  /** push console batches, trace batches and (if anything changed) a snapshot */
  flush(): void {
    for (const side of ['device', 'driver'] as const) {
      const p = this.pending[side]
      if (!p.data.length) continue
      const data = p.data.join('')
      const times = p.times
      p.data = []
      p.times = []
      p.len = 0
      this.emit({ type: 'console', side, data, seq: p.seq, t: times[0][1], times })
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
      this.emit({ type: 'snapshot', snap: this.snapshot() })
    }
  }

  private emit(e: LabEvent): void {
    for (const l of this.listeners) {
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
    const r = resolveScenario(cfg, this.cfg)
    if (!r.ok) return r
    this.cfg = r.config
    this.s = this.newSession()
    this.paused = false // a new scenario starts running; reset keeps a pause (to step from t = 0)
    this.rebase()
    this.emit({ type: 'reset', config: this.cfg })
    this.flush()
    return r
  }

  async control(c: ControlCommand): Promise<LabSnapshot> {
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
    this.flush()
    return this.snapshot()
  }

  async sendInput(side: Side, data: string): Promise<void> {
    this.s.sendInput(side, data)
  }

  async getTrace(from: number, count: number): Promise<TraceEvent[]> {
    return this.s.trace.slice(Math.max(0, Math.trunc(from)), Math.max(0, Math.min(5000, Math.trunc(count))))
  }

  async snapshotAt(i: number): Promise<LabSnapshot> {
    const input = historicalInput(this.s, i)
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

  async consoleSince(side: Side, seq: number): Promise<{ data: string; seq: number }> {
    // bytes not yet published are excluded: they arrive with the next batch. Bytes older than the
    // kept log are gone: the answer then starts later than asked, and the caller counts the gap.
    const c = this.s.consoles[side]
    const text = this.s.consoleText(side)
    const upto = this.pending[side].seq
    const from = Math.max(c.trimmed, Math.min(Math.trunc(seq), upto))
    return { data: text.slice(from - c.trimmed, upto - c.trimmed), seq: from }
  }

  /** Open a saved trace (Electron menu): replay its scenario and the user's actions in it (restarts,
   *  typed input) deterministically up to its last event, paused, and compare the regenerated
   *  events with the file. Not part of LabApi: only the main process reads files. */
  async loadTrace(events: TraceEvent[]): Promise<{ ok: boolean; message: string }> {
    const head = events.find((e) => e.k === 'guest' && e.op === 'scenario')
    if (!head) return { ok: false, message: 'this trace has no scenario header (event 0): it cannot be replayed' }
    const r = resolveScenario({ ...(head.config as Partial<ScenarioConfig>), speed: this.cfg.speed })
    if (!r.ok) return { ok: false, message: `the trace's scenario is invalid: ${r.errors.map((e) => e.message).join('; ')}` }
    const planned = new Set(r.config.restarts.map((x) => `${x.side}@${x.at}`))
    this.cfg = r.config
    this.s = this.newSession()
    this.paused = true
    const s = this.s
    for (const e of events) {
      if (e.k !== 'guest' || !e.side) continue
      if (e.op === 'restart' && !planned.has(`${e.side}@${e.t}`)) s.sched.at(e.t, () => s.restart(e.side!))
      if (e.op === 'input' && typeof e.data === 'string') s.sched.at(e.t, () => s.sendInput(e.side!, e.data as string))
    }
    const end = events.reduce((m, e) => Math.max(m, e.t), 0)
    s.run(end)
    let differ = 0
    let firstDiff = -1
    for (const e of events) {
      const g = s.trace.get(e.i)
      if (!g) continue
      // store names are computed when read; compare everything else
      if (JSON.stringify({ ...g, name: undefined }) !== JSON.stringify({ ...e, name: undefined })) {
        differ++
        if (firstDiff < 0) firstDiff = e.i
      }
    }
    this.rebase()
    this.emit({ type: 'reset', config: this.cfg })
    this.dirty = true
    this.flush()
    const message = differ
      ? `replayed to ${(end / 1e9).toFixed(3)} s: ${differ} of ${events.length} events differ from the file (first: #${firstDiff})`
      : `replayed to ${(end / 1e9).toFixed(3)} s: all ${events.length} events match the file`
    return { ok: differ === 0, message }
  }

  subscribe(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener)
    this.dirty = true
    return () => {
      this.listeners.delete(listener)
    }
  }
}
