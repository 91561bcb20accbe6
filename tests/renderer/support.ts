// Snapshots from the real builder (./real.ts) and a fake LabApi (vi.fn) for the renderer tests.
import { vi } from 'vitest'
import { TraceExporter, type TraceSource } from '../../src/shared/traceExport'
import { tryCompile } from '../../src/shared/traceFilter'
import type { CompareResult, ConsoleSizeResult, FaultKind, FaultReply, LabApi, LabEvent, LabSnapshot, TraceEvent, TraceExportChunk, TraceExportFormat } from '../../src/shared/contract'
import { midRun } from './real'

/** a real mid-run snapshot (tests/renderer/real.ts) with the fields a test cares about replaced */
export function snapshot(over: Partial<LabSnapshot> = {}): LabSnapshot {
  return { ...midRun(), seq: 1, ...over }
}

export interface FakeApi extends LabApi {
  /** push an event to the subscribed listener(s) */
  push(e: LabEvent): void
  listeners: Set<(e: LabEvent) => void>
}

export function fakeApi(snap: LabSnapshot = snapshot()) {
  const listeners = new Set<(e: LabEvent) => void>()
  const exports = new Map<number, TraceExporter>()
  let exportId = 0
  const api = {
    listeners,
    push(e: LabEvent) {
      for (const l of listeners) l(e)
    },
    getSnapshot: vi.fn(async () => snap),
    configure: vi.fn(async (cfg: Partial<LabSnapshot['config']>) => ({ ok: true as const, config: { ...snap.config, ...cfg } })),
    control: vi.fn(async () => snap),
    sendInput: vi.fn(async () => undefined),
    getTrace: vi.fn(async (_from: number, _count: number): Promise<TraceEvent[]> => []),
    snapshotAt: vi.fn(async (i: number) => ({ ...snap, atEvent: i })),
    readShm: vi.fn(async (_off: number, len: number) => new Array<number>(len).fill(0)),
    consoleSince: vi.fn(async (_side: string, seq: number) => ({ data: '', seq })),
    resizeConsole: vi.fn(async (_side: string, cols: number, rows: number): Promise<ConsoleSizeResult> => ({ applied: true, cols, rows, generation: 1, interrupt: true, note: '' })),
    compare: vi.fn(async (): Promise<CompareResult> => ({ ok: true, until: 1, registers: [], events: [], steps: [] })),
    cancelCompare: vi.fn(async () => false),
    /** what the service's export reads (tests set it): the kept trace */
    exportSource: { first: 0, n: 0, get: (_i: number): TraceEvent | undefined => undefined } as TraceSource,
    exportBegin: vi.fn(async (filter: string, format: TraceExportFormat) => {
      const c = filter.trim() ? tryCompile(filter) : null
      if (c && !c.ok) throw new Error(`exportBegin: filter: ${c.error.message}`)
      const x = new TraceExporter(api.exportSource, c?.ok ? c.pred : null, format)
      exports.set(++exportId, x)
      return { id: exportId, total: x.end - x.from, first: x.from }
    }),
    exportNext: vi.fn(async (id: number): Promise<TraceExportChunk> => {
      const c = exports.get(id)!.next(id)
      if (c.done) exports.delete(id)
      return c
    }),
    exportCancel: vi.fn(async (id: number) => void exports.delete(id)),
    injectFault: vi.fn(async (kind: FaultKind): Promise<FaultReply> => ({ kind, applied: true, detail: `did ${kind}`, t: 1_500_000_000 })),
    subscribe: vi.fn((l: (e: LabEvent) => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    })
  }
  const check: FakeApi = api
  void check
  return api
}

/** wait for pending promises / timers */
export async function settle(ms = 0): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}
