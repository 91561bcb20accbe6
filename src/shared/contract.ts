// The one contract between the renderer and the lab service. Electron IPC (preload) and the
// WebSocket host carry exactly these shapes: plain JSON, no classes, no functions, no bigint.
// Values wider than 32 bits (desc.addr) travel as hex strings.

import type { Side, GuestState, TraceEvent, TraceKind } from '../sim/types'

// defined in the bottom layer (src/sim), part of the contract too
export type { Side, GuestState, TraceEvent, TraceKind }
// The scenario's types come from the one scenario schema (scenario.ts); type-only here so that the
// preload, which imports this file, stays free of zod at runtime. DEFAULT_SCENARIO lives there too.
export type {
  ConfigError,
  ConfigureResult,
  FabricKind,
  Order,
  ProfileName,
  RestartSpec,
  FaultKind,
  FaultSpec,
  Role,
  ScenarioConfig,
  ShmState,
  Speed
} from './scenario'
import type { ConfigureResult, FabricKind, FaultKind, ScenarioConfig, Speed } from './scenario'
import type { FaultReply } from './faults'
export type { FaultReply }

export interface GuestView {
  side: Side
  /** 'instance_1' | 'instance_2' */
  instance: string
  state: GuestState
  /** ivshmem peer id (IVPosition) or null when not connected */
  peerId: number | null
  /** the peer id this firmware rings: device = own + 1, driver = own - 1 (uint16) (Q24) */
  partnerId: number | null
  uptimeMs: number
  /** one human line, e.g. 'HVL mode: configuration failed' */
  detail: string
  consoleBytes: number
  /** what the console pane shows: 'guest' = the guest's UART bytes, 'lab' = the lab's diagnostic
   *  log (instance_2 has no console), with one line for the pane's label */
  consoleKind?: 'guest' | 'lab'
  consoleNote?: string
  /** does this side's firmware read what is typed into its console, and why (from the profile;
   *  absent from older services) */
  consoleInput?: { reads: boolean; why: string }
}

export interface PeerView {
  id: number
  /** which guest holds this peer id, null for an id whose guest left */
  side: Side | null
  connected: boolean
  vectors: number
  /** per vector: doorbells this peer rang on the fabric (delivered or dropped) */
  sent: number[]
  /** per vector: doorbells that reached this peer's eventfd */
  received: number[]
  /** per vector: doorbells that were merged into an already pending interrupt */
  merged: number[]
  /** per vector: interrupts delivered to the guest (after eventfd merging) */
  interrupts: number[]
  /** doorbells this peer rang that the hardware dropped */
  dropped: number
  /** ours (a guest of this lab) or a remote peer: QEMU, another process (real fabrics) */
  local: boolean
}

/** the fabric a session runs on and its connection state (docs/ivshmem.md) */
export interface FabricView {
  kind: FabricKind
  /** 'virtual' on the emulated fabric; 'wall' on a real one (pause/step do not apply) */
  clock: 'virtual' | 'wall'
  state: 'up' | 'down' | 'error'
  /** one human line: socket, our peer ids, remote peers, or what went wrong */
  detail: string
}

/** what an explanation line is: the outcome, a root cause, what to do, the peer roster, background */
export type ExplainRole = 'verdict' | 'cause' | 'fix' | 'roster' | 'info'

export interface ExplainLineView {
  text: string
  role: ExplainRole
}

export interface QuirkRef {
  /** 'Q3' */
  q: string
  /** what the virtio spec says instead */
  rule: string
}

export interface RegField {
  name: string
  value: string
}

export interface RegCell {
  off: number
  /** virtio-mmio name, e.g. 'QueuePFN' */
  name: string
  /** legacy (Version 1) name, e.g. 'VIRTIO_MMIO_QUEUE_PFN' */
  legacy: string
  /** modern (Version 2) meaning of the same offset when different, else '' */
  modern: string
  /** 'RO' | 'WO' | 'RW' from the driver's point of view (virtio-mmio spec) */
  access: string
  value: number
  /** decoded fields, e.g. [{name:'DRIVER_OK', value:'1'}] or ring address */
  fields: RegField[]
  lastWriter: Side | null
  /** virtual time of the last store, ns */
  lastWriteT: number | null
  /** trace index of the last store, for cross-highlighting with the timeline */
  lastWriteEvent: number | null
  quirks: QuirkRef[]
}

export type DescOwner = 'free' | 'avail' | 'used'

export interface DescRow {
  i: number
  /** desc.addr as the driver wrote it (guest VA), hex */
  addr: string
  /** shm offset addr - driverBase, or null when outside the shared memory */
  off: number | null
  len: number
  flags: number
  flagNames: string[]
  next: number
  /** head of the chain this descriptor belongs to, null when not reachable from an avail entry */
  chainHead: number | null
  /** free: on the driver's free list; avail: posted, not yet used; used: returned, not yet reclaimed */
  owner: DescOwner
  /** up to 16 bytes of the buffer (when off is valid) */
  bytes: number[]
}

export interface RingView {
  queue: number
  /** 'receiveq' | 'transmitq' */
  name: string
  configured: boolean
  num: number
  /** shm offsets of the three parts, null when not configured */
  descOff: number | null
  availOff: number | null
  usedOff: number | null
  /** guest VA of the descriptor table (PFN * QueueAlign), hex */
  guestAddr: string | null
  desc: DescRow[]
  avail: { flags: number; idx: number; ring: number[] }
  used: { flags: number; idx: number; ring: { id: number; len: number }[] }
  /** driver's used consumer index (free-running) */
  driverUsedCons: number
  /** device's consumption index = used.idx in the seed (Q18) */
  deviceNext: number
  errors: string[]
  /** pending chains (avail entries since deviceNext) whose walk fails (virtio 1.2 §2.7.5) */
  chainErrors: ChainErrorView[]
}

export interface ChainErrorView {
  /** VirtioError code, e.g. 'InvalidDescriptorIndex', 'DescriptorChainOverflow' */
  code: string
  message: string
  /** avail.ring slot and the chain's head */
  slot: number
  head: number
  /** the descriptor the walk stopped at, null when none is at fault */
  desc: number | null
}

export interface ShmRegion {
  off: number
  len: number
  name: string
  note: string
}

export interface Counters {
  doorbellsSent: number
  doorbellsDropped: number
  doorbellsMerged: number
  interrupts: number
  consoleBytes: Record<Side, number>
  /** bytes the driver handed to virtio-serial poll_out */
  txBytes: number
  /** bytes dropped by the driver (ring full or device not ready) */
  txDropped: number
  events: number
  traceEvents: number
  /** index of the oldest trace event the service still keeps (absent from older services) */
  traceFirst?: number
  /** oldest event snapshotAt can reconstruct (>= traceFirst: memset undo data is capped by bytes) */
  timeTravelFirst?: number
}

export interface LabSnapshot {
  /** increases with every snapshot published */
  seq: number
  /** virtual time, ns */
  t: number
  running: boolean
  paused: boolean
  finished: boolean
  config: ScenarioConfig
  guests: Record<Side, GuestView>
  peers: PeerView[]
  fabric: FabricView
  regs: RegCell[]
  rings: RingView[]
  regions: ShmRegion[]
  counters: Counters
  /** the lab's explanation of what happened (why no Hello line reached the device, ...) */
  explain: string[]
  /** the same lines with their roles, as the profile tagged them (absent from older services) */
  explainLines?: ExplainLineView[]
  /** trace index this snapshot was built at (for time travel), null = live */
  atEvent: number | null
}

// (trace events: TraceKind / TraceEvent, from src/sim/types)

/** a boundary in a console stream that is not a guest byte: a restart or power cycle */
export interface ConsoleMark {
  /** stream offset it stands before */
  seq: number
  /** virtual time, ns */
  t: number
  /** 1-based ordinal per side in this run (dedup across pushes and consoleSince) */
  n: number
  /** e.g. 'instance_1 restarted at 12.000 s, peer 3' */
  text: string
}

// ---- service events (push) -------------------------------------------------------------------

export type LabEvent =
  | { type: 'snapshot'; snap: LabSnapshot }
  /** console bytes as a latin1 string; seq = byte offset of data[0] in that side's stream */
  /** t: virtual time (ns) the guest emitted data[0]; times: [offset in data, ns] where each line
   *  began (both absent from older services and from consoleSince catch-up) */
  /** marks: restart boundaries at stream offsets within [seq, seq + data.length] (data may be ''
   *  for a batch with a restart only); each carries its per-side ordinal n, so every restart yields
   *  one marker whatever the speed (absent from older services) */
  | { type: 'console'; side: Side; data: string; seq: number; t?: number; times?: [number, number][]; marks?: ConsoleMark[] }
  | { type: 'trace'; events: TraceEvent[] }
  | { type: 'reset'; config: ScenarioConfig }
  /** progress of a compare() run: which profile runs, virtual time reached of `until` */
  | { type: 'compare'; profile: 'seed' | 'spec'; t: number; until: number; fraction: number }

// ---- console size (VIRTIO_CONSOLE_F_SIZE, virtio 1.2 §5.3.4; docs/spec-profile.md#console-size) -----

export interface ConsoleSizeResult {
  /** the device took the size (spec profile); false: not applicable, `note` says why */
  applied: boolean
  cols: number
  rows: number
  /** ConfigGeneration now published, null when the device has not booted (it boots with it) */
  generation: number | null
  /** the driver got a configuration-change interrupt (after DRIVER_OK with F_SIZE negotiated) */
  interrupt: boolean
  note: string
}

// ---- side by side (docs/spec-profile.md §8) ----------------------------------------------------

/** one trace event of a compare run, for the divergence rows */
export interface CompareEventRef {
  /** index in that profile's run (the current session's trace when it is the same run) */
  i: number
  t: number
  k: string
  /** one human line, e.g. 'Status <- 0xf' */
  text: string
}
export interface CompareRegister {
  off: number
  reg: string
  seed: string
  spec: string
  /** quirk number, e.g. 'Q1' (docs/quirks.md) */
  q: string
  why: string
}
export interface CompareFact {
  what: string
  seed: string
  spec: string
  q: string
  why: string
  /** the first event behind the fact in each run, null when there is none */
  seedAt: CompareEventRef | null
  specAt: CompareEventRef | null
}
/** the first place where one kind of protocol step (register store, doorbell, used entry,
 *  interrupt, error) differs between the two runs, step by step */
export interface CompareStep {
  kind: string
  /** the ordinal of the step (0 = the first of its kind) */
  n: number
  seed: CompareEventRef | null
  spec: CompareEventRef | null
  q: string
  why: string
}
export interface Comparison {
  /** virtual time both runs went to, ns */
  until: number
  registers: CompareRegister[]
  events: CompareFact[]
  steps: CompareStep[]
}
export type CompareResult =
  | ({ ok: true } & Comparison)
  /** code: COMPARE_REAL_FABRIC | COMPARE_CANCELLED | COMPARE_BUSY | COMPARE_FAILED */
  | { ok: false; code: string; message: string }

/** a streamed trace export (exportBegin/exportNext) */
export type TraceExportFormat = 'jsonl' | 'csv'

export interface TraceExportChunk {
  id: number
  /** whole lines (JSONL: one event per line; CSV: CRLF rows, the header in the first chunk) */
  data: string
  /** no more chunks: the export is closed */
  done: boolean
  /** events scanned so far of total (the kept trace when the export began) */
  scanned: number
  total: number
  /** events that matched the filter so far */
  matched: number
  /** events the trace ring dropped before they were scanned (a long export at max speed) */
  skipped: number
  /** trace index of the first and the last matching event so far, null before the first */
  firstMatch: number | null
  lastMatch: number | null
}

export type ControlCommand =
  | { cmd: 'start' }
  | { cmd: 'pause' }
  | { cmd: 'resume' }
  | { cmd: 'step'; count?: number }
  | { cmd: 'reset' }
  | { cmd: 'restart'; side: Side }
  | { cmd: 'speed'; speed: Speed }

export interface LabApi {
  getSnapshot(): Promise<LabSnapshot>
  /** validate and apply a scenario; resets the lab when ok */
  configure(cfg: Partial<ScenarioConfig>): Promise<ConfigureResult>
  control(c: ControlCommand): Promise<LabSnapshot>
  /** bytes typed into a console, latin1; 'device' feeds the device UART's receive side */
  sendInput(side: Side, data: string): Promise<void>
  /** trace events [from, from + count) */
  getTrace(from: number, count: number): Promise<TraceEvent[]>
  /** registers and rings as they were right after trace event i */
  snapshotAt(i: number): Promise<LabSnapshot>
  /** raw shared memory, for the hex view; len capped at 4096 */
  readShm(off: number, len: number): Promise<number[]>
  /** console bytes since seq (for catch-up after a reconnect), latin1, with the restart marks
   *  in that range (marks: absent from older services) */
  consoleSince(side: Side, seq: number): Promise<{ data: string; seq: number; marks?: ConsoleMark[] }>
  subscribe(listener: (e: LabEvent) => void): () => void
  /** the device console pane's size (cols, rows: integers 1..65535); the spec device publishes
   *  it in config space (VIRTIO_CONSOLE_F_SIZE), the seed has no SIZE (Q8) and ignores it */
  resizeConsole(side: Side, cols: number, rows: number): Promise<ConsoleSizeResult>
  /** run the current (emulated) scenario in both profiles, in slices; 'compare' events report
   *  progress; a second call while one runs answers COMPARE_BUSY */
  compare(): Promise<CompareResult>
  /** stop a running compare(); false when none runs */
  cancelCompare(): Promise<boolean>
  /** begin exporting the kept trace, filtered in the service by a display filter
   *  (src/shared/traceFilter.ts; '' = all), as JSON Lines or CSV; pull it with exportNext */
  exportBegin(filter: string, format: TraceExportFormat): Promise<{ id: number; total: number; first: number }>
  /** the next bounded chunk of an export (at most ~256 KiB of text) */
  exportNext(id: number): Promise<TraceExportChunk>
  /** drop an export before its end */
  exportCancel(id: number): Promise<void>
  /** apply a fault to the running session now (docs/spec-profile.md §7); an unknown kind is a
   *  request error, a kind whose side runs elsewhere FAULT_NOT_APPLICABLE; applied false says
   *  why it could not act now */
  injectFault(kind: FaultKind): Promise<FaultReply>
}

/** RPC method names, shared by the preload (IPC channels 'lab:<method>') and the WebSocket host. */
export const LAB_METHODS = [
  'getSnapshot',
  'configure',
  'control',
  'sendInput',
  'getTrace',
  'snapshotAt',
  'readShm',
  'consoleSince',
  'resizeConsole',
  'compare',
  'cancelCompare',
  'exportBegin',
  'exportNext',
  'exportCancel',
  'injectFault'
] as const
export type LabMethod = (typeof LAB_METHODS)[number]
export const LAB_EVENT_CHANNEL = 'lab:event'

// ---- the app's file export (Electron only: main writes the file the user picks) ----------------

/** window.labFiles in the app (preload); absent in the browser host */
export interface LabFiles {
  /** save dialog, then the service's streamed export written by main straight to that file */
  exportTrace(filter: string, format: TraceExportFormat): Promise<{ ok: boolean; canceled?: boolean; message: string }>
  /** stop the export in progress (the file keeps what was written) */
  cancelExport(): Promise<void>
  /** progress of the export in progress */
  onExportProgress(listener: (p: { scanned: number; total: number; matched: number }) => void): () => void
}

export const LAB_FILES_CHANNELS = { exportTrace: 'files:exportTrace', cancelExport: 'files:cancelExport', progress: 'files:exportProgress' } as const
