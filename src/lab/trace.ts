// The lab's event trace. Every shm store, doorbell, interrupt, descriptor add/use and console
// byte batch becomes one TraceEvent; the JSON Lines form is the --trace file format.
// Tracing costs nothing when off (call sites test `on` before building an event).

import type { Side, TraceEvent, TraceKind } from '../shared/contract'

export interface TraceOptions {
  /** keep the last `keep` events in memory (timeline, time travel); 0 = keep none */
  keep?: number
  /** receives every event as one JSON line (no trailing newline) */
  sink?: (line: string) => void
}

export class Trace {
  readonly on: boolean
  /** events emitted so far (= index of the next event) */
  n = 0
  private readonly keep: number
  private readonly sink?: (line: string) => void
  private ring: TraceEvent[] = []
  private head = 0 // index in ring of event number `first`
  private listeners: ((e: TraceEvent) => void)[] = []

  constructor(opts: TraceOptions = {}) {
    this.keep = Math.max(0, opts.keep ?? 0)
    this.sink = opts.sink
    this.on = this.keep > 0 || !!this.sink
  }

  /** time source, set by the session */
  now: () => number = () => 0

  emit(k: TraceKind, side: Side | undefined, fields: Record<string, unknown>): TraceEvent {
    const e: TraceEvent = side ? { i: this.n++, t: this.now(), k, side, ...fields } : { i: this.n++, t: this.now(), k, ...fields }
    if (this.sink) this.sink(JSON.stringify(e))
    if (this.keep) {
      if (this.ring.length < this.keep) this.ring.push(e)
      else {
        this.ring[this.head] = e
        this.head = (this.head + 1) % this.keep
      }
    }
    for (const l of this.listeners) l(e)
    return e
  }

  onEvent(l: (e: TraceEvent) => void): () => void {
    this.listeners.push(l)
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l)
    }
  }

  /** index of the oldest event still kept */
  get first(): number {
    return this.n - this.ring.length
  }

  get(i: number): TraceEvent | undefined {
    if (i < this.first || i >= this.n) return undefined
    const k = i - this.first
    return this.ring.length < this.keep ? this.ring[k] : this.ring[(this.head + k) % this.keep]
  }

  slice(from: number, count: number): TraceEvent[] {
    const out: TraceEvent[] = []
    const a = Math.max(from, this.first)
    const b = Math.min(this.n, from + count)
    for (let i = a; i < b; i++) out.push(this.get(i)!)
    return out
  }
}

export const hex32 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0')
export const hex = (v: number): string => '0x' + v.toString(16)
