// Incremental time travel (docs/timeline.md#time-travel; issue #10 item 6): stepping through
// events with the arrow keys must not copy shm and scan the whole kept trace per key, as
// historicalInput does. The cursor keeps the state it last reconstructed (shm copy, register
// history) at event j and moves to i by undoing (i < j) or redoing (i > j) only the events
// between. The result is identical to historicalInput(s, i) (tests/lab/travel.test.ts).
//
// Why that holds:
// - shm: the rebuild undoes events n-1 .. i+1 from live shm. When every shm write is a kept store
//   or memset (fullyTraced), "undo from live" and "redo from an earlier rebuild" give the same
//   bytes, and events appended since the cursor was built only lengthen the undo-from-live path:
//   the cursor stays valid. Otherwise (remote side, real fabric) every call is a full rebuild.
// - register history scans forward from the oldest kept event. Forward moves continue the scan;
//   backward moves restart it from the nearest checkpoint at or below i (one every
//   CHECKPOINT_EVERY events, taken as scans pass). A trimmed trace only makes entries older than
//   its new first event vanish (RegHistory.forgetBefore), for the cursor and checkpoints alike.
// - the cursor is dropped for another session (reset, Apply, load), when the trace was trimmed
//   past j (the events between are gone), or when a full rebuild is cheaper.

import { Shm } from '../sim/shm'
import { checkTravel, fullyTraced, redoEvents, RegHistory, undoEvents } from './history'
import type { LabSession } from './session'
import { historicalInput, historyInput, type SnapshotInput } from './snapshot'

/** events between register-history checkpoints: bounds the rescan of a backward step */
export const CHECKPOINT_EVERY = 4096

/** largest shm the cursor keeps a copy of between calls (a bigger one is rebuilt per call, as
 *  before: holding a second copy of a 1 GiB window costs more than the rebuild saves) */
export const KEEP_SHM_MAX = 256 * 2 ** 20

export interface TravelStats {
  /** full rebuilds (historicalInput's cost) */
  full: number
  /** incremental moves */
  moved: number
  /** events undone, redone or rescanned by incremental moves */
  walked: number
}

export class TravelCursor {
  /** the session reconstructed; weak, so a reset or Apply does not keep the old run alive */
  private ref: WeakRef<LabSession> | null = null
  private shm: Shm | null = null
  private h = new RegHistory()
  /** the event shm and h reflect */
  private j = -1
  /** event index -> register history right after it (k % CHECKPOINT_EVERY === CHECKPOINT_EVERY - 1) */
  private cps = new Map<number, RegHistory>()
  readonly stats: TravelStats = { full: 0, moved: 0, walked: 0 }

  constructor(readonly every = CHECKPOINT_EVERY) {}

  /** historicalInput(s, i), reusing the last reconstruction. The returned shm is the cursor's
   *  own: valid until the next call (build the snapshot from it right away). */
  input(s: LabSession, i: number): SnapshotInput {
    checkTravel(s, i)
    if (!fullyTraced(s) || s.shm.size > KEEP_SHM_MAX) {
      this.drop()
      this.stats.full++
      return historicalInput(s, i)
    }
    const tr = s.trace
    const first = tr.first
    const j = this.j
    const same = this.ref?.deref() === s
    const valid = same && this.shm !== null && j >= first && j < tr.n
    if (same) for (const m of this.cps.keys()) if (m < first) this.cps.delete(m)
    // events to walk: undo/redo j..i, plus the writer rescan from a checkpoint going back; the
    // rebuild walks the whole kept trace (undo n-1..i, scan first..i)
    const cost = i >= j ? i - j : j - i + (i - this.checkpointAt(i, first))
    // invalid while it moves: a throw half-way leaves nothing to reuse
    this.j = -1
    if (!valid || cost >= tr.n - first) this.rebuild(s, i)
    else this.move(s, i, j, first)
    this.j = i
    return historyInput(s, this.shm!, this.h.clone(), i)
  }

  /** forget the reconstruction (frees the shm copy) */
  drop(): void {
    this.ref = null
    this.shm = null
    this.h = new RegHistory()
    this.j = -1
    this.cps.clear()
  }

  private rebuild(s: LabSession, i: number): void {
    if (this.ref?.deref() !== s) this.cps.clear()
    this.ref = new WeakRef(s)
    this.shm = Shm.copyOf(s.shm)
    undoEvents(s, this.shm, s.trace.n - 1, i)
    this.h = new RegHistory()
    this.h.scan(s, s.trace.first - 1, i, (k) => this.mark(k))
    this.stats.full++
  }

  private move(s: LabSession, i: number, j: number, first: number): void {
    const shm = this.shm!
    if (i >= j) {
      redoEvents(s, shm, j, i)
      this.h.forgetBefore(first)
      this.h.scan(s, j, i, (k) => this.mark(k))
      this.stats.walked += i - j
    } else {
      undoEvents(s, shm, j, i)
      const from = this.checkpointAt(i, first)
      const cp = this.cps.get(from)
      this.h = cp ? cp.clone() : new RegHistory()
      this.h.forgetBefore(first)
      this.h.scan(s, from, i)
      this.stats.walked += j - i + (i - from)
    }
    this.stats.moved++
  }

  /** the nearest checkpoint at or below i, else first - 1 (scan from the oldest kept event) */
  private checkpointAt(i: number, first: number): number {
    let from = first - 1
    for (const m of this.cps.keys()) if (m <= i && m > from) from = m
    return from
  }

  private mark(k: number): void {
    if (k % this.every === this.every - 1 && !this.cps.has(k)) this.cps.set(k, this.h.clone())
  }
}
