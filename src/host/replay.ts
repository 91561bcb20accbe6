// Trace replay (File → Open trace) as a bounded, interruptible job (#11 item 1): the trace's
// scenario and the user's actions in it (restarts, typed input, injected faults) are re-run deterministically in
// a NEW session, in slices of a few ms that yield to the event loop (the service keeps answering,
// the window stays live), with progress and cancel. Only a finished replay is handed back; the
// caller installs it. A refused, failed or cancelled replay leaves the caller's session as it was.

import type { ScenarioConfig, Speed, TraceEvent } from '../shared/contract'
import { LabSession } from '../lab/session'
import { resolveScenario } from '../lab/config'
import { DEFAULT_SCENARIO } from '../shared/scenario'
import { validateUntrustedPatch } from '../shared/scenario-check'
import { applyFault } from '../lab/faults'
import { isFaultKind } from '../shared/faults'

/** the furthest virtual time a replay runs to when the trace's scenario has no `until` */
export const REPLAY_MAX_NS = 24 * 3600 * 1e9
/** wall time per slice before yielding to the event loop */
export const REPLAY_SLICE_MS = 8

export interface ReplayProgress {
  /** virtual time reached and the trace's last event time, ns */
  t: number
  end: number
  fraction: number
}

export interface ReplayOptions {
  traceKeep: number
  /** the speed the replayed session continues at once installed */
  speed: Speed
  signal?: AbortSignal
  onProgress?: (p: ReplayProgress) => void
  sliceMs?: number
}

export type ReplayOutcome =
  | { session: null; ok: false; message: string }
  | { session: LabSession; config: ScenarioConfig; ok: boolean; message: string }

/** a console size from a trace file (untrusted): an integer 1..65535 */
const validSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 0xffff
const secs = (ns: number): string => `${(ns / 1e9).toFixed(3)} s`
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))
const refuse = (message: string): ReplayOutcome => ({ session: null, ok: false, message })

/** the first event beyond the replay's bound, or null; also refuses negative times */
function checkTimes(events: readonly TraceEvent[], cfg: ScenarioConfig): string | null {
  const bound = cfg.until ?? REPLAY_MAX_NS
  for (const e of events) {
    if (!(e.t >= 0)) return `event #${e.i} has time ${e.t}: trace times are ≥ 0; nothing was replayed`
    if (e.t > bound) {
      const why =
        cfg.until !== null
          ? `beyond the trace's own until (${secs(cfg.until)})`
          : `beyond the replay cap of ${REPLAY_MAX_NS / 3600e9} h of virtual time`
      return `event #${e.i} is at t = ${e.t > 1e15 ? e.t.toExponential(2) + ' ns' : secs(e.t)}, ${why}: this trace cannot be replayed; nothing was replayed`
    }
  }
  return null
}

export async function replayTrace(events: readonly TraceEvent[], o: ReplayOptions): Promise<ReplayOutcome> {
  const head = events.find((e) => e.k === 'guest' && e.op === 'scenario')
  if (!head) return refuse('this trace has no scenario header (event 0): it cannot be replayed')
  // the one scenario schema, strictly (unknown keys, > 32 restarts, non-objects, > 64 KiB, deep
  // nesting refused with its messages), before any session exists
  const h = validateUntrustedPatch(head.config)
  if (!h.ok) return refuse(`the trace's scenario header is refused: ${h.message}`)
  const r = resolveScenario({ ...h.value, speed: o.speed }, DEFAULT_SCENARIO)
  if (!r.ok) return refuse(`the trace's scenario is invalid: ${r.errors.map((e) => e.message).join('; ')}`)
  const cfg = r.config
  const bad = checkTimes(events, cfg)
  if (bad) return refuse(bad)

  const s = new LabSession(cfg, { trace: { keep: o.traceKeep } })
  s.start()
  const planned = new Set(cfg.restarts.map((x) => `${x.side}@${x.at}`))
  let end = 0
  for (const e of events) {
    end = Math.max(end, e.t)
    // a fault injected from the UI (injectFault), not one the scenario schedules
    if (e.k === 'guest' && e.op === 'fault' && e.injected === true && isFaultKind(e.kind)) {
      const f = { kind: e.kind, at: e.t }
      s.sched.at(e.t, () => applyFault(s, f, true))
    }
    if (e.k !== 'guest' || !e.side) continue
    const side = e.side
    if (e.op === 'restart' && !planned.has(`${side}@${e.t}`)) s.sched.at(e.t, () => s.restart(side))
    if (e.op === 'resize' && side === 'device' && validSize(e.cols) && validSize(e.rows)) {
      const cols = e.cols
      const rows = e.rows
      s.sched.at(e.t, () => s.resizeConsole(cols, rows))
    }
    if (e.op === 'input' && typeof e.data === 'string') {
      const data = e.data
      s.sched.at(e.t, () => s.sendInput(side, data))
    }
  }

  const sliceMs = o.sliceMs ?? REPLAY_SLICE_MS
  const cancelled = (): ReplayOutcome =>
    refuse(`replay cancelled at t = ${secs(s.sched.now)} of ${secs(end)}; the previous session is unchanged`)
  while (s.sched.now < end) {
    if (o.signal?.aborted) return cancelled()
    const t0 = performance.now()
    while (performance.now() - t0 < sliceMs && s.sched.now < end) s.run(Math.min(end, s.sched.now + 50_000_000), 2000)
    o.onProgress?.({ t: s.sched.now, end, fraction: end > 0 ? s.sched.now / end : 1 })
    await yieldToLoop()
  }
  if (o.signal?.aborted) return cancelled()

  // compare the regenerated events with the file, also in slices
  let differ = 0
  let firstDiff = -1
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!
    const g = s.trace.get(e.i)
    // store names are computed when read; compare everything else
    if (g && JSON.stringify({ ...g, name: undefined }) !== JSON.stringify({ ...e, name: undefined })) {
      differ++
      if (firstDiff < 0) firstDiff = e.i
    }
    if (k % 20_000 === 19_999) {
      await yieldToLoop()
      if (o.signal?.aborted) return cancelled()
    }
  }
  o.onProgress?.({ t: end, end, fraction: 1 })
  const message = differ
    ? `replayed to ${secs(end)}: ${differ} of ${events.length} events differ from the file (first: #${firstDiff})`
    : `replayed to ${secs(end)}: all ${events.length} events match the file`
  return { session: s, config: cfg, ok: differ === 0, message }
}
