// The lab's event trace. Every shm store, doorbell, interrupt, descriptor add/use and console
// byte batch becomes one TraceEvent; the JSON Lines form is the --trace file format.
//
// Cost model: tracing off costs one branch per call site (`on`). Kept events live in a ring of
// `keep` slots; shm stores, the bulk of all events, are kept in typed-array columns and only
// become objects when read (get/slice), a JSONL sink or a listener is attached. That keeps the
// app's max speed and its GC pauses bounded while the timeline still sees every store.

import type { Side, TraceEvent, TraceKind } from './types'
import { hexw } from './fmt'

export { hex32, hexw } from './fmt'

/** Where lower layers (fabric, guest) report what happened. `on` false = nobody listens:
 *  callers skip building the fields. */
export interface TraceSink {
  readonly on: boolean
  emit(k: TraceKind, side: Side | undefined, fields: Record<string, unknown>): TraceEvent
  /** a store of `w` bytes (1, 2, 4 or 8) at shm offset `off`, 64-bit values as lo/hi words;
   *  returns the event index */
  store(side: Side, off: number, w: number, oldLo: number, oldHi: number, newLo: number, newHi: number): number
}

/** a kept store as Trace.readStore gives it (old and new value as lo/hi words: time travel
 *  undoes with the old, redoes with the new) */
export interface StoreCell {
  off: number
  w: number
  side: Side | undefined
  t: number
  oldLo: number
  oldHi: number
  newLo: number
  newHi: number
}

export interface TraceOptions {
  /** keep the last `keep` events in memory (timeline, time travel); 0 = keep none */
  keep?: number
  /** receives every event as one JSON line (no trailing newline) */
  sink?: (line: string) => void
}

const SIDE_CODE: Record<Side, number> = { device: 1, driver: 2 }
const CODE_SIDE: (Side | undefined)[] = [undefined, 'device', 'driver']

export class Trace implements TraceSink {
  readonly on: boolean
  /** events emitted so far (= index of the next event) */
  n = 0
  private readonly keep: number
  private readonly sink?: (line: string) => void
  private listeners: ((e: TraceEvent) => void)[] = []
  // ring slot = i % keep; objs[slot] === null means "a store, read it from the columns"
  private readonly objs: (TraceEvent | null)[]
  private readonly sT: Float64Array
  private readonly sOff: Uint32Array
  private readonly sMeta: Uint8Array // width | side << 4
  private readonly sVal: Uint32Array // oldLo, oldHi, newLo, newHi

  /** time source, set by the session */
  now: () => number = () => 0
  /** names a shm offset ('QueuePFN', 'q1.desc[0].addr'), set by the session */
  namer: (off: number) => string = (off) => `shm+0x${off.toString(16)}`

  constructor(opts: TraceOptions = {}) {
    this.keep = Math.max(0, Math.trunc(opts.keep ?? 0))
    this.sink = opts.sink
    this.on = this.keep > 0 || !!this.sink
    const k = this.keep
    this.objs = new Array<TraceEvent | null>(k).fill(null)
    this.sT = new Float64Array(k)
    this.sOff = new Uint32Array(k)
    this.sMeta = new Uint8Array(k)
    this.sVal = new Uint32Array(4 * k)
  }

  emit(k: TraceKind, side: Side | undefined, fields: Record<string, unknown>): TraceEvent {
    const e: TraceEvent = side ? { i: this.n++, t: this.now(), k, side, ...fields } : { i: this.n++, t: this.now(), k, ...fields }
    if (this.keep) this.objs[e.i % this.keep] = e
    this.publish(e)
    return e
  }

  /** a store of `w` bytes (1, 2, 4 or 8) at shm offset `off`; 64-bit values as lo/hi words.
   *  Returns the event index. */
  store(side: Side, off: number, w: number, oldLo: number, oldHi: number, newLo: number, newHi: number): number {
    const i = this.n++
    if (this.keep) {
      const s = i % this.keep
      this.objs[s] = null
      this.sT[s] = this.now()
      this.sOff[s] = off
      this.sMeta[s] = w | (SIDE_CODE[side] << 4)
      const v = 4 * s
      this.sVal[v] = oldLo
      this.sVal[v + 1] = oldHi
      this.sVal[v + 2] = newLo
      this.sVal[v + 3] = newHi
    }
    if (this.sink || this.listeners.length)
      this.publish({ i, t: this.now(), k: 'store', side, off, name: this.namer(off), w, old: hexw(oldLo, oldHi, w), new: hexw(newLo, newHi, w) })
    return i
  }

  private publish(e: TraceEvent): void {
    if (this.sink) this.sink(JSON.stringify(e))
    for (const l of this.listeners) l(e)
  }

  onEvent(l: (e: TraceEvent) => void): () => void {
    this.listeners.push(l)
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l)
    }
  }

  /** index of the oldest event still kept */
  get first(): number {
    return Math.max(0, this.n - this.keep)
  }

  get(i: number): TraceEvent | undefined {
    if (!Number.isInteger(i) || i < this.first || i >= this.n) return undefined
    const s = i % this.keep
    const o = this.objs[s]
    if (o) return o
    const m = this.sMeta[s]!
    const w = m & 15
    const v = 4 * s
    const off = this.sOff[s]!
    return {
      i,
      t: this.sT[s]!,
      k: 'store',
      side: CODE_SIDE[m >> 4],
      off,
      name: this.namer(off),
      w,
      old: hexw(this.sVal[v]!, this.sVal[v + 1]!, w),
      new: hexw(this.sVal[v + 2]!, this.sVal[v + 3]!, w)
    }
  }

  /** Store event i read from the typed columns into `out`, without building an event object
   *  (time travel walks up to `keep` of them per call); false when event i is not a kept store. */
  readStore(i: number, out: StoreCell): boolean {
    if (!this.keep || i < this.first || i >= this.n) return false
    const s = i % this.keep
    if (this.objs[s]) return false
    const m = this.sMeta[s]!
    out.off = this.sOff[s]!
    out.w = m & 15
    out.side = CODE_SIDE[m >> 4]
    out.t = this.sT[s]!
    out.oldLo = this.sVal[4 * s]!
    out.oldHi = this.sVal[4 * s + 1]!
    out.newLo = this.sVal[4 * s + 2]!
    out.newHi = this.sVal[4 * s + 3]!
    return true
  }

  slice(from: number, count: number): TraceEvent[] {
    const out: TraceEvent[] = []
    const a = Math.max(from, this.first)
    const b = Math.min(this.n, from + count)
    for (let i = a; i < b; i++) out.push(this.get(i)!)
    return out
  }
}
