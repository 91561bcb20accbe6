// A small in-memory LabApi for the host tests (the real LabService lives in src/host/service.ts).
import { type CompareResult, type ConsoleSizeResult, type ConfigureResult, type ControlCommand, type FaultKind, type FaultReply, type LabApi, type LabEvent, type LabSnapshot, type ScenarioConfig, type Side, type TraceEvent } from '../../src/shared/contract'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import type { TraceExportChunk, TraceExportFormat } from '../../src/shared/contract'
import { TraceExports } from '../../src/host/trace-export'

export class FakeLab implements LabApi {
  config: ScenarioConfig = structuredClone(DEFAULT_SCENARIO)
  listeners = new Set<(e: LabEvent) => void>()
  calls: { method: string; args: unknown[] }[] = []
  console: Record<Side, string> = { device: '', driver: '' }
  trace: TraceEvent[] = []
  seq = 0
  failNext: string | null = null

  snapshot(): LabSnapshot {
    const guest = (side: Side) => ({
      side,
      instance: side === 'device' ? 'instance_1' : 'instance_2',
      state: 'running' as const,
      peerId: null,
      partnerId: null,
      uptimeMs: 0,
      detail: '',
      consoleBytes: this.console[side].length
    })
    return {
      seq: ++this.seq,
      t: 0,
      running: true,
      paused: false,
      finished: false,
      config: this.config,
      guests: { device: guest('device'), driver: guest('driver') },
      peers: [],
      fabric: { kind: 'emulated' as const, clock: 'virtual' as const, state: 'up' as const, detail: 'emulated (fake lab)' },
      regs: [],
      rings: [],
      regions: [],
      counters: {
        doorbellsSent: 0,
        doorbellsDropped: 0,
        doorbellsMerged: 0,
        interrupts: 0,
        consoleBytes: { device: this.console.device.length, driver: this.console.driver.length },
        txBytes: 0,
        txDropped: 0,
        events: 0,
        traceEvents: this.trace.length
      },
      explain: [],
      atEvent: null
    }
  }

  private note(method: string, args: unknown[]): void {
    this.calls.push({ method, args })
    if (this.failNext) {
      const m = this.failNext
      this.failNext = null
      throw new Error(m)
    }
  }

  emit(e: LabEvent): void {
    for (const l of this.listeners) l(e)
  }

  async getSnapshot(): Promise<LabSnapshot> {
    this.note('getSnapshot', [])
    return this.snapshot()
  }
  async configure(cfg: Partial<ScenarioConfig>): Promise<ConfigureResult> {
    this.note('configure', [cfg])
    this.config = { ...this.config, ...cfg }
    this.emit({ type: 'reset', config: this.config })
    return { ok: true, config: this.config }
  }
  async control(c: ControlCommand): Promise<LabSnapshot> {
    this.note('control', [c])
    return this.snapshot()
  }
  async sendInput(side: Side, data: string): Promise<void> {
    this.note('sendInput', [side, data])
    const seq = this.console[side].length
    this.console[side] += data
    this.emit({ type: 'console', side, data, seq })
  }
  async getTrace(from: number, count: number): Promise<TraceEvent[]> {
    this.note('getTrace', [from, count])
    return this.trace.slice(from, from + count)
  }
  async snapshotAt(i: number): Promise<LabSnapshot> {
    this.note('snapshotAt', [i])
    return { ...this.snapshot(), atEvent: i }
  }
  async readShm(off: number, len: number): Promise<number[]> {
    this.note('readShm', [off, len])
    return Array.from({ length: len }, (_, k) => (off + k) & 0xff)
  }
  async consoleSince(side: Side, seq: number): Promise<{ data: string; seq: number }> {
    this.note('consoleSince', [side, seq])
    return { data: this.console[side].slice(seq), seq }
  }
  async resizeConsole(side: Side, cols: number, rows: number): Promise<ConsoleSizeResult> {
    this.note('resizeConsole', [side, cols, rows])
    return { applied: true, cols, rows, generation: 1, interrupt: true, note: 'fake' }
  }
  async compare(): Promise<CompareResult> {
    this.note('compare', [])
    return { ok: true, until: 1, registers: [], events: [], steps: [] }
  }
  async cancelCompare(): Promise<boolean> {
    this.note('cancelCompare', [])
    return false
  }
  async injectFault(kind: FaultKind): Promise<FaultReply> {
    this.note('injectFault', [kind])
    return { kind, applied: true, detail: `fake: ${kind}`, t: 0 }
  }
  subscribe(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  private readonly exports = new TraceExports()
  async exportBegin(filter: string, format: TraceExportFormat): Promise<{ id: number; total: number; first: number }> {
    this.note('exportBegin', [filter, format])
    const tr = this.trace
    return this.exports.begin({ first: 0, get n() { return tr.length }, get: (i) => tr[i] }, filter, format)
  }
  async exportNext(id: number): Promise<TraceExportChunk> {
    this.note('exportNext', [id])
    return this.exports.next(id)
  }
  async exportCancel(id: number): Promise<void> {
    this.note('exportCancel', [id])
    this.exports.cancel(id)
  }

  // what a console log needs of LabService (src/host/console-log-control.ts)
  flush(): void {}
  consolePublished(side: Side): number {
    return this.console[side].length
  }
  tapConsole(listener: (e: LabEvent) => void): () => void {
    const l = (e: LabEvent): void => {
      if (e.type === 'console' || e.type === 'reset') listener(e)
    }
    return this.subscribe(l)
  }
  readonly session = { trace: { on: false, emit: () => {} } }
}
