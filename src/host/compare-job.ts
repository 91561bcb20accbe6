// compare() for the UI (#9 deliverable 8, docs/spec-profile.md §8): the current scenario in the
// seed and the spec profile, each in NEW sessions run in slices of a few ms that yield to the event
// loop (the service keeps answering, the window stays live), with progress and cancel, as the
// trace replay does (replay.ts). Emulated fabric only: a real fabric's run depends on its peers
// and the wall clock, so two runs of it cannot be put side by side.

import type { CompareResult, LabEvent, ScenarioConfig } from '../shared/contract'
import { comparing, type CompareProgress } from '../lab/compare'

/** virtual time compared when the scenario has no `until` (the CLI's default too) */
export const COMPARE_DEFAULT_NS = 20_000_000_000
/** the longest virtual time compared (both runs keep their whole trace) */
export const COMPARE_MAX_NS = 60_000_000_000
/** wall time per slice before yielding to the event loop */
export const COMPARE_SLICE_MS = 8

export interface CompareJobOptions {
  signal?: AbortSignal
  onProgress?: (p: CompareProgress & { fraction: number }) => void
  sliceMs?: number
  /** virtual time to compare (default: the scenario's until, else COMPARE_DEFAULT_NS; capped) */
  until?: number
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

/** why `cfg` cannot be compared, or null */
export function compareRefusal(cfg: ScenarioConfig): string | null {
  if (cfg.fabric !== 'emulated')
    return `compare runs the scenario twice on the emulated fabric; this one is on the ${cfg.fabric} fabric (real peers and the wall clock cannot be replayed): choose the emulated fabric to compare`
  return null
}

export async function compareJob(cfg: ScenarioConfig, o: CompareJobOptions = {}): Promise<CompareResult> {
  const refused = compareRefusal(cfg)
  if (refused) return { ok: false, code: 'COMPARE_REAL_FABRIC', message: refused }
  const until = Math.max(1, Math.min(COMPARE_MAX_NS, o.until ?? cfg.until ?? COMPARE_DEFAULT_NS))
  const sliceMs = o.sliceMs ?? COMPARE_SLICE_MS
  const cancelled = (p: CompareProgress | null): CompareResult => ({
    ok: false,
    code: 'COMPARE_CANCELLED',
    message: p ? `compare cancelled in the ${p.profile} run at t = ${(p.t / 1e9).toFixed(3)} s` : 'compare cancelled'
  })
  try {
    const g = comparing(cfg, until)
    let last: CompareProgress | null = null
    for (;;) {
      if (o.signal?.aborted) return cancelled(last)
      const t0 = performance.now()
      let r = g.next()
      while (!r.done && performance.now() - t0 < sliceMs) r = g.next()
      if (r.done) return { ok: true, ...r.value }
      last = r.value
      // seed first, spec second: each half of the bar
      const fraction = (r.value.profile === 'seed' ? 0 : 0.5) + r.value.t / until / 2
      o.onProgress?.({ ...r.value, fraction: Math.min(1, fraction) })
      await yieldToLoop()
    }
  } catch (err) {
    return { ok: false, code: 'COMPARE_FAILED', message: `compare failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}

export interface CompareRunnerOptions extends Pick<CompareJobOptions, 'sliceMs' | 'until'> {
  /** least wall time between two progress events (a slice is ~8 ms: ~8 events/s are plenty) */
  progressMs?: number
}

/** the service's one compare at a time: busy while it runs, cancel() stops it */
export class CompareRunner {
  private ac: AbortController | null = null
  constructor(
    private readonly emit: (e: LabEvent) => void,
    private readonly opts: CompareRunnerOptions = {}
  ) {}

  get running(): boolean {
    return this.ac !== null
  }

  async run(cfg: ScenarioConfig): Promise<CompareResult> {
    if (this.ac) return { ok: false, code: 'COMPARE_BUSY', message: 'a compare is already running: wait for it or cancel it' }
    const ac = new AbortController()
    this.ac = ac
    const every = this.opts.progressMs ?? 120
    let last = -Infinity
    try {
      return await compareJob(cfg, {
        sliceMs: this.opts.sliceMs,
        until: this.opts.until,
        signal: ac.signal,
        onProgress: (p) => {
          const now = performance.now()
          if (now - last < every) return
          last = now
          this.emit({ type: 'compare', profile: p.profile, t: p.t, until: p.until, fraction: p.fraction })
        }
      })
    } finally {
      this.ac = null
    }
  }

  /** false when no compare runs */
  cancel(): boolean {
    if (!this.ac) return false
    this.ac.abort()
    return true
  }
}
