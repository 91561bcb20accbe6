// The lab store: one subscription to the service, the latest snapshot (the service publishes at
// most ~60 Hz), console bytes batched into the terminals once per animation frame, time travel,
// cross-highlight selection. Nothing here ever blocks: every RPC is fire-and-await.
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type {
  ConfigureResult,
  ControlCommand,
  LabApi,
  LabEvent,
  LabSnapshot,
  ScenarioConfig,
  Side,
  TraceEvent
} from '../../../shared/contract'
import { consoleStart, getApi, hasConnectionStatus, type ConnectionState } from '../api'

export const SIDES: readonly Side[] = ['device', 'driver']

export interface ConsoleChunk {
  data: string
  /** virtual time (ns) of the newest snapshot when the bytes arrived */
  t: number
}

/** what a ConsolePane registers to receive bytes */
export interface ConsoleSink {
  write(chunks: ConsoleChunk[]): void
  reset(): void
}

/** bytes / ranges highlighted across the register inspector, vring inspector and hex view */
export interface Selection {
  /** 'reg:0x040' | 'desc:<q>:<i>' | 'avail:<q>' | 'used:<q>' | 'region:<off>' | 'byte:<off>' */
  key: string
  label: string
  /** primary range: the hex view navigates to it */
  off: number
  len: number
  /** further ranges to highlight (e.g. a descriptor's buffer) */
  extra: { off: number; len: number }[]
}

/** keep at most this many console bytes per side in memory (the terminal keeps its scrollback) */
export const CONSOLE_LOG_CAP = 32 * 1024 * 1024
/** pushed snapshots are applied at most this often (ms) */
export const SNAPSHOT_MIN_MS = 50
/** trace events kept from push messages (the timeline pages older ones with getTrace) */
export const TRACE_TAIL_CAP = 4096

interface ConsoleState {
  chunks: ConsoleChunk[]
  bytes: number
  /** bytes dropped from the front of the in-memory log (never from the stream) */
  trimmed: number
  /** next expected stream offset */
  expected: number
  /** chunks that arrived ahead of a gap, waiting for consoleSince */
  held: { data: string; seq: number; t: number }[]
  fetching: boolean
  pending: ConsoleChunk[]
  sink: ConsoleSink | null
}

function newConsoleState(): ConsoleState {
  return { chunks: [], bytes: 0, trimmed: 0, expected: 0, held: [], fetching: false, pending: [], sink: null }
}

export const useLabStore = defineStore('lab', () => {
  let api: LabApi | null = null
  let unsubscribe: (() => void) | null = null

  const snapshot = shallowRef<LabSnapshot | null>(null)
  /** historical snapshot while time travelling */
  const viewSnap = shallowRef<LabSnapshot | null>(null)
  const viewingEvent = ref<number | null>(null)
  const viewLoading = ref(false)
  const connection = ref<ConnectionState>('open')
  const connectionDetail = ref('')
  const lastError = ref('')
  /** bumps on every 'reset' event (components clear local state) */
  const resetCount = ref(0)
  /** per side: bytes received from the service (reactive counters, updated per frame) */
  const received = reactive<Record<Side, number>>({ device: 0, driver: 0 })
  /** per side: bytes the terminal has committed (reported by ConsolePane) */
  const written = reactive<Record<Side, number>>({ device: 0, driver: 0 })
  /** bytes that could not be recovered (service no longer had them); should stay 0 */
  const lost = reactive<Record<Side, number>>({ device: 0, driver: 0 })
  const selection = shallowRef<Selection | null>(null)
  const traceTail = shallowRef<TraceEvent[]>([])

  const consoles: Record<Side, ConsoleState> = { device: newConsoleState(), driver: newConsoleState() }
  let frame: number | null = null
  let frameTimer: ReturnType<typeof setTimeout> | null = null

  /** what the inspectors show: the historical snapshot while time travelling, else live */
  const displayed = computed(() => viewSnap.value ?? snapshot.value)
  const config = computed<ScenarioConfig | null>(() => snapshot.value?.config ?? null)

  // ---- wiring ------------------------------------------------------------------------------

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
    const first = a.getSnapshot().then(applySnapshot, (e: unknown) => reportError('getSnapshot', e))
    for (const side of SIDES) fetchConsole(side)
    return first
  }

  function dispose(): void {
    unsubscribe?.()
    unsubscribe = null
    api = null
    if (snapTimer) clearTimeout(snapTimer)
    snapTimer = null
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
        pushedSnapshot(e.snap)
        break
      case 'console':
        ingestConsole(e.side, e.data, e.seq)
        break
      case 'trace':
        appendTrace(e.events)
        break
      case 'reset':
        onReset()
        break
    }
  }

  // Pushed snapshots reach the inspectors at most every SNAPSHOT_MIN_MS (the newest one wins):
  // re-laying out every panel 60 times a second cost the window its frame rate at max speed,
  // and 20 Hz already reads as live. Replies to the user's own calls apply at once.
  let lastApplied = -Infinity
  let heldSnap: LabSnapshot | null = null
  let snapTimer: ReturnType<typeof setTimeout> | null = null
  /** virtual time of the newest snapshot seen, unthrottled: console timestamps use it */
  let latestT = 0
  let latestSeq = -1
  function seen(s: LabSnapshot): void {
    // the acceptance rule of applySnapshot: newer seq, or a restarted service (lower seq, earlier t)
    if (latestSeq >= 0 && s.seq < latestSeq && s.t >= latestT) return
    latestSeq = s.seq
    latestT = s.t
  }
  function pushedSnapshot(s: LabSnapshot): void {
    seen(s)
    const now = performance.now()
    if (!snapTimer && now - lastApplied >= SNAPSHOT_MIN_MS) {
      applySnapshot(s)
      return
    }
    heldSnap = s
    snapTimer ??= setTimeout(() => {
      snapTimer = null
      const h = heldSnap
      heldSnap = null
      if (h) applySnapshot(h)
    }, Math.max(0, SNAPSHOT_MIN_MS - (now - lastApplied)))
  }

  function applySnapshot(s: LabSnapshot): void {
    lastApplied = performance.now()
    seen(s)
    if (heldSnap && heldSnap.seq <= s.seq) heldSnap = null // stale: never apply it after this one
    const cur = snapshot.value
    // accept newer snapshots; a lower seq with an earlier time is a restarted service
    if (cur && s.seq < cur.seq && s.t >= cur.t) return
    snapshot.value = s
  }

  function onReset(): void {
    latestT = 0
    latestSeq = -1
    for (const side of SIDES) {
      const c = consoles[side]
      const sink = c.sink
      consoles[side] = newConsoleState()
      consoles[side].sink = sink
      received[side] = 0
      lost[side] = 0
      sink?.reset()
    }
    traceTail.value = []
    viewSnap.value = null
    viewingEvent.value = null
    selection.value = null
    resetCount.value++
  }

  // ---- console -------------------------------------------------------------------------------

  function nowT(): number {
    return latestT
  }

  /** take bytes at stream offset seq; duplicates are trimmed, gaps are filled via consoleSince */
  function ingestConsole(side: Side, data: string, seq: number, fromCatchUp = false): void {
    const c = consoles[side]
    const end = seq + data.length
    if (end <= c.expected || data.length === 0) return
    if (seq > c.expected) {
      if (fromCatchUp) {
        // the service no longer has the missing bytes; count them, never hide it
        lost[side] += seq - c.expected
      } else {
        c.held.push({ data, seq, t: nowT() })
        fetchConsole(side)
        return
      }
    }
    const fresh = seq < c.expected ? data.slice(c.expected - seq) : data
    c.expected = end
    accept(side, fresh)
  }

  function accept(side: Side, data: string): void {
    const c = consoles[side]
    const chunk = { data, t: nowT() }
    c.chunks.push(chunk)
    c.bytes += data.length
    while (c.bytes - c.trimmed > CONSOLE_LOG_CAP && c.chunks.length > 1) {
      c.trimmed += c.chunks.shift()!.data.length
    }
    c.pending.push(chunk)
    scheduleFlush()
  }

  function fetchConsole(side: Side): void {
    const c = consoles[side]
    if (c.fetching || !api) return
    c.fetching = true
    const from = c.expected
    const epoch = resetCount.value
    api.consoleSince(side, from).then(
      (r) => {
        if (epoch !== resetCount.value) return
        c.fetching = false
        ingestConsole(side, r.data, consoleStart(r, from), true)
        const held = c.held.sort((a, b) => a.seq - b.seq)
        c.held = []
        for (const h of held) ingestConsole(side, h.data, h.seq, true)
      },
      (e: unknown) => {
        c.fetching = false
        reportError('consoleSince', e)
        // retry later; held chunks stay held (nothing is dropped)
        setTimeout(() => {
          if (c.held.length > 0 && epoch === resetCount.value) fetchConsole(side)
        }, 1000)
      }
    )
  }

  function scheduleFlush(): void {
    if (frame !== null || frameTimer !== null) return
    if (typeof requestAnimationFrame === 'function') frame = requestAnimationFrame(flush)
    // background windows get no animation frames: a timer guarantees progress
    frameTimer = setTimeout(flush, 100)
  }

  function flush(): void {
    if (frame !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame)
    if (frameTimer !== null) clearTimeout(frameTimer)
    frame = null
    frameTimer = null
    for (const side of SIDES) {
      const c = consoles[side]
      received[side] = c.bytes
      if (c.pending.length === 0 || !c.sink) continue
      const batch = c.pending
      c.pending = []
      c.sink.write(batch)
    }
  }

  /** a ConsolePane attaches; it first receives the whole log held so far */
  function attachConsole(side: Side, sink: ConsoleSink): () => void {
    const c = consoles[side]
    c.sink = sink
    c.pending = []
    if (c.chunks.length > 0) sink.write([...c.chunks])
    return () => {
      if (c.sink === sink) c.sink = null
      // anything pending is in c.chunks: a later attach replays it
      consoles[side].pending = []
    }
  }

  /** the whole console log held in memory (latin1) */
  function consoleText(side: Side): string {
    return consoles[side].chunks.map((ch) => ch.data).join('')
  }

  function consoleChunks(side: Side): ConsoleChunk[] {
    return [...consoles[side].chunks]
  }

  function consoleTrimmed(side: Side): number {
    return consoles[side].trimmed
  }

  /** clears the local log only (the service keeps its stream) */
  function clearConsole(side: Side): void {
    const c = consoles[side]
    c.trimmed += c.chunks.reduce((n, ch) => n + ch.data.length, 0)
    c.chunks = []
    c.pending = []
  }

  async function sendInput(side: Side, data: string): Promise<void> {
    try {
      await requireApi().sendInput(side, data)
    } catch (e) {
      reportError('sendInput', e)
    }
  }

  // ---- trace ---------------------------------------------------------------------------------

  function appendTrace(events: TraceEvent[]): void {
    if (events.length === 0) return
    const tail = traceTail.value
    const last = tail.length > 0 ? tail[tail.length - 1].i : -1
    const fresh = events.filter((e) => e.i > last)
    if (fresh.length === 0) return
    // a jump in indices (missed batch) restarts the tail: it must stay contiguous
    const contiguous = tail.length === 0 || fresh[0].i === last + 1
    const next = contiguous ? tail.concat(fresh) : fresh
    traceTail.value = next.length > TRACE_TAIL_CAP ? next.slice(next.length - TRACE_TAIL_CAP) : next
  }

  /** trace events [from, from+count): from the pushed tail when it covers them, else getTrace */
  async function getTrace(from: number, count: number): Promise<TraceEvent[]> {
    const tail = traceTail.value
    if (tail.length > 0) {
      const first = tail[0].i
      const lastI = tail[tail.length - 1].i
      if (from >= first && from + count - 1 <= lastI) return tail.slice(from - first, from - first + count)
    }
    return requireApi().getTrace(from, count)
  }

  async function viewEvent(i: number): Promise<void> {
    viewingEvent.value = i
    viewLoading.value = true
    try {
      const s = await requireApi().snapshotAt(i)
      if (viewingEvent.value === i) viewSnap.value = s
    } catch (e) {
      reportError('snapshotAt', e)
    } finally {
      if (viewingEvent.value === i) viewLoading.value = false
    }
  }

  function backToLive(): void {
    viewingEvent.value = null
    viewSnap.value = null
    viewLoading.value = false
  }

  // ---- commands ------------------------------------------------------------------------------

  async function configure(cfg: Partial<ScenarioConfig>): Promise<ConfigureResult> {
    const r = await requireApi().configure(cfg)
    if (r.ok) {
      backToLive()
      // the reset event and the next snapshot follow; fetch one now so the UI is current at once
      requireApi().getSnapshot().then(applySnapshot, (e: unknown) => reportError('getSnapshot', e))
    }
    return r
  }

  async function control(c: ControlCommand): Promise<LabSnapshot | null> {
    try {
      const s = await requireApi().control(c)
      if (s) applySnapshot(s)
      lastError.value = ''
      return s
    } catch (e) {
      reportError(c.cmd, e)
      return null
    }
  }

  async function readShm(off: number, len: number): Promise<number[]> {
    return requireApi().readShm(off, len)
  }

  function select(s: Selection | null): void {
    selection.value = s
  }

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
    received,
    written,
    lost,
    selection,
    traceTail,
    init,
    dispose,
    onEvent,
    applySnapshot,
    ingestConsole,
    flush,
    attachConsole,
    consoleText,
    consoleChunks,
    consoleTrimmed,
    clearConsole,
    sendInput,
    getTrace,
    viewEvent,
    backToLive,
    configure,
    control,
    readShm,
    select
  }
})
