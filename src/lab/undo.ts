// Undo journal for time travel (docs/architecture.md time travel; issue #11 item 3): the bytes each
// traced memset overwrote, keyed by its trace event. Bounded by bytes, not entries: a device boot
// wipes its regions, so every restart adds one entry, and thousands of restarts must not grow RSS.
// When the cap is reached the oldest entries go and time travel stops short of them (`floor`).
import type { MemsetUndo } from '../guest/zephyr'

/** bytes of memset undo data kept (overwritten bytes plus a per-chunk overhead estimate) */
export const UNDO_KEEP = 32 * 1024 * 1024
/** bookkeeping counted per kept chunk (object, typed-array header, map entry) */
const CHUNK_COST = 96

export class UndoJournal {
  /** event index -> overwritten bytes; insertion order is event order */
  private readonly m = new Map<number, MemsetUndo>()
  private held = 0
  /** highest memset event whose undo data was dropped for the cap (-1: none): reconstructing any
   *  moment before it would need those bytes */
  private dropped = -1

  constructor(readonly keep = UNDO_KEEP) {}

  /** bytes held (the figure the cap bounds) */
  get bytes(): number {
    return this.held
  }
  get size(): number {
    return this.m.size
  }

  get(i: number): MemsetUndo | undefined {
    return this.m.get(i)
  }

  /** record memset event i; entries older than the kept trace (`first`) are pruned for free */
  set(i: number, old: MemsetUndo, first: number): void {
    for (const [k, v] of this.m) {
      if (k >= first) break
      this.remove(k, v)
    }
    this.m.set(i, old)
    this.held += cost(old)
    for (const [k, v] of this.m) {
      if (this.held <= this.keep || k === i) break
      this.remove(k, v)
      this.dropped = Math.max(this.dropped, k)
    }
  }

  /** the oldest event time travel can reconstruct, given the oldest kept trace event */
  earliest(first: number): number {
    return Math.max(first, this.dropped)
  }

  private remove(k: number, v: MemsetUndo): void {
    this.m.delete(k)
    this.held -= cost(v)
  }
}

function cost(u: MemsetUndo): number {
  let n = CHUNK_COST
  for (const c of u) n += c.bytes.byteLength + CHUNK_COST
  return n
}
