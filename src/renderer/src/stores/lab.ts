// The lab store wires one subscription to the service into the small stores (snapshot, console,
// trace, selection) and runs the user's commands. Nothing here ever blocks: every RPC is
// fire-and-await. Components use the small stores directly; this store re-exposes their state so
// callers that need "the lab" (tests, automation hook) have one handle.
import { defineStore, storeToRefs } from 'pinia'
import { ref } from 'vue'
import type { CompareResult, ConsoleSizeResult, ConfigureResult, ControlCommand, FaultKind, FaultReply, LabApi, LabEvent, LabSnapshot, ScenarioConfig, Side, TraceEvent } from '../../../shared/contract'
import { getApi, hasConnectionStatus, type ConnectionState } from '../api'
import { useSnapshotStore } from './snapshot'
import { useConsoleStore } from './console'
import { useTraceStore } from './trace'
import { useSelectionStore } from './selection'

export { SIDES, CONSOLE_LOG_CAP, type ConsoleChunk, type ConsoleSink } from './console'
export { SNAPSHOT_MIN_MS } from './snapshot'
export { TRACE_TAIL_CAP } from './trace'
export type { Selection } from './selection'

export const useLabStore = defineStore('lab', () => {
  const snaps = useSnapshotStore()
  const cons = useConsoleStore()
  const trace = useTraceStore()
  const sel = useSelectionStore()
  let api: LabApi | null = null
  let unsubscribe: (() => void) | null = null

  const connection = ref<ConnectionState>('open')
  const connectionDetail = ref('')
  const lastError = ref('')
  /** bumps on every 'reset' event (components clear local state) */
  const resetCount = ref(0)
  /** 'compare' progress events go to the compare store (which registers here) */
  const compareListeners = new Set<(e: Extract<LabEvent, { type: 'compare' }>) => void>()
  function onCompare(l: (e: Extract<LabEvent, { type: 'compare' }>) => void): () => void {
    compareListeners.add(l)
    return () => compareListeners.delete(l)
  }

  function init(a: LabApi = getApi()): Promise<void> {
    if (api) return Promise.resolve()
    api = a
    if (hasConnectionStatus(a)) {
      a.onConnection((s, d) => {
        connection.value = s
        connectionDetail.value = d
      })
    }
    unsubscribe = a.subscribe(onEvent)
    const first = a.getSnapshot().then(snaps.apply, (e: unknown) => reportError('getSnapshot', e))
    cons.bind({ consoleSince: (side, seq) => a.consoleSince(side, seq), now: snaps.newestT, onError: reportError })
    return first
  }

  function dispose(): void {
    unsubscribe?.()
    unsubscribe = null
    api = null
    cons.bind(null)
    snaps.dispose()
  }

  function requireApi(): LabApi {
    if (!api) throw new Error('lab store not initialised')
    return api
  }

  function reportError(what: string, e: unknown): void {
    lastError.value = `${what}: ${e instanceof Error ? e.message : String(e)}`
  }

  function onEvent(e: LabEvent): void {
    switch (e.type) {
      case 'snapshot':
        snaps.pushed(e.snap)
        break
      case 'console':
        cons.ingest(e.side, e.data, e.seq, typeof e.t === 'number' ? e.t : undefined, false, Array.isArray(e.times) ? e.times : undefined, e.marks)
        break
      case 'trace':
        trace.append(e.events)
        break
      case 'reset':
        onReset()
        break
      case 'compare':
        for (const l of compareListeners) l(e)
        break
    }
  }

  function onReset(): void {
    snaps.reset()
    cons.reset()
    trace.reset()
    sel.select(null)
    resetCount.value++
  }

  /** trace events [from, from+count): from the pushed tail when it covers them, else getTrace */
  async function getTrace(from: number, count: number): Promise<TraceEvent[]> {
    return trace.fromTail(from, count) ?? requireApi().getTrace(from, count)
  }

  async function viewEvent(i: number): Promise<void> {
    try {
      await snaps.viewEvent(i, (k) => requireApi().snapshotAt(k))
    } catch (e) {
      reportError('snapshotAt', e)
    }
  }

  async function configure(cfg: Partial<ScenarioConfig>): Promise<ConfigureResult> {
    const r = await requireApi().configure(cfg)
    if (r.ok) {
      snaps.backToLive()
      // the reset event and the next snapshot follow; fetch one now so the UI is current at once
      requireApi().getSnapshot().then(snaps.apply, (e: unknown) => reportError('getSnapshot', e))
    }
    return r
  }

  async function control(c: ControlCommand): Promise<LabSnapshot | null> {
    try {
      const s = await requireApi().control(c)
      if (s) snaps.apply(s)
      lastError.value = ''
      return s
    } catch (e) {
      reportError(c.cmd, e)
      return null
    }
  }

  async function sendInput(side: Side, data: string): Promise<void> {
    try {
      await requireApi().sendInput(side, data)
    } catch (e) {
      reportError('sendInput', e)
    }
  }

  /** the device console pane's size (VIRTIO_CONSOLE_F_SIZE); null when the call failed */
  async function resizeConsole(side: Side, cols: number, rows: number): Promise<ConsoleSizeResult | null> {
    try {
      return await requireApi().resizeConsole(side, cols, rows)
    } catch (e) {
      reportError('resizeConsole', e)
      return null
    }
  }

  async function readShm(off: number, len: number): Promise<number[]> {
    return requireApi().readShm(off, len)
  }

  /** a fault now (docs/spec-profile.md §7); rejects with the service's message (WALL_CLOCK, bad kind) */
  async function injectFault(kind: FaultKind): Promise<FaultReply> {
    return requireApi().injectFault(kind)
  }

  const { snapshot, viewSnap, viewingEvent, viewLoading, displayed, config } = storeToRefs(snaps)
  const { selection } = storeToRefs(sel)
  const { traceTail } = storeToRefs(trace)

  return {
    snapshot,
    viewSnap,
    viewingEvent,
    viewLoading,
    displayed,
    config,
    connection,
    connectionDetail,
    lastError,
    resetCount,
    received: cons.received,
    written: cons.written,
    lost: cons.lost,
    selection,
    traceTail,
    init,
    dispose,
    onEvent,
    applySnapshot: snaps.apply,
    ingestConsole: (side: Side, data: string, seq: number, t?: number) => cons.ingest(side, data, seq, t),
    flush: cons.flush,
    attachConsole: cons.attach,
    consoleText: cons.text,
    consoleChunks: cons.chunks,
    consoleTrimmed: cons.trimmed,
    clearConsole: cons.clear,
    sendInput,
    getTrace,
    viewEvent,
    backToLive: snaps.backToLive,
    configure,
    control,
    readShm,
    resizeConsole,
    compare: (): Promise<CompareResult> => requireApi().compare(),
    cancelCompare: (): Promise<boolean> => requireApi().cancelCompare(),
    onCompare,
    /** the service's streamed trace export (useTraceExport) */
    exportApi: (): Pick<LabApi, 'exportBegin' | 'exportNext' | 'exportCancel'> => requireApi(),
    injectFault,
    select: sel.select
  }
})
