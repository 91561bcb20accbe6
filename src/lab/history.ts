// Time-travel building blocks over the kept trace (docs/timeline.md#time-travel): undo and
// redo shm stores and memsets between two events, and the register last-writer / consumer-index
// scan. historicalInput (full rebuild) and TravelCursor (incremental, travel.ts) share them.

import type { Shm } from '../sim/shm'
import type { StoreCell } from '../sim/trace'
import type { TraceEvent } from '../sim/types'
import { MMIO_WINDOW } from '../virtio/mmio'
import type { RegMeta } from '../virtio/regs'
import { LabError } from './errors'
import type { LabSession } from './session'

export class TimeTravelError extends LabError {
  override name = 'TimeTravelError'
  constructor(msg: string) {
    super('TIME_TRAVEL_RANGE', msg)
  }
}

/** throws TimeTravelError unless event i can be reconstructed */
export function checkTravel(s: LabSession, i: number): void {
  const tr = s.trace
  if (!Number.isInteger(i) || i < tr.first || i >= tr.n)
    throw new TimeTravelError(`event ${i} is not in the kept trace (events ${tr.first}..${tr.n - 1})`)
  // a memset after i whose overwritten bytes were dropped for the undo cap cannot be undone (#11)
  const earliest = s.memsetUndo.earliest(tr.first)
  if (i < earliest)
    throw new TimeTravelError(`time travel reaches back to event ${earliest} only: older memset undo data was dropped (${s.memsetUndo.keep >> 20} MiB cap)`)
}

export const newStoreCell = (): StoreCell => ({ off: 0, w: 0, side: undefined, t: 0, oldLo: 0, oldHi: 0, newLo: 0, newHi: 0 })

function putWords(shm: Shm, off: number, w: number, lo: number, hi: number): void {
  for (let b = 0; b < w; b++) shm.w8(off + b, (b < 4 ? lo >>> (8 * b) : hi >>> (8 * (b - 4))) & 0xff)
}

function putHex(shm: Shm, off: number, w: number, hex: string): void {
  const v = BigInt(hex)
  for (let b = 0; b < w; b++) shm.w8(off + b, Number((v >> BigInt(8 * b)) & 0xffn))
}

/** shm from "after event hi" back to "after event lo" (lo <= hi): undo events hi, hi-1 .. lo+1
 *  with the old values the stores keep and the memset journal */
export function undoEvents(s: LabSession, shm: Shm, hi: number, lo: number): void {
  const tr = s.trace
  // stores, the bulk of the events, straight from the trace's columns: no event objects, no BigInt
  const st = newStoreCell()
  for (let k = hi; k > lo; k--) {
    if (tr.readStore(k, st)) {
      putWords(shm, st.off, st.w, st.oldLo, st.oldHi)
      continue
    }
    const e = tr.get(k)!
    if (e.k === 'store') putHex(shm, e.off as number, e.w as number, e.old as string)
    else if (e.k === 'memset') {
      shm.fill(e.off as number, e.len as number, 0)
      for (const c of s.memsetUndo.get(k) ?? []) shm.u8.set(c.bytes, c.off)
    }
  }
}

/** shm from "after event lo" forward to "after event hi" (lo <= hi): redo events lo+1 .. hi with
 *  the new values the stores keep and the memsets' fill value. Exact only when every shm write
 *  is traced (fullyTraced). */
export function redoEvents(s: LabSession, shm: Shm, lo: number, hi: number): void {
  const tr = s.trace
  const st = newStoreCell()
  for (let k = lo + 1; k <= hi; k++) {
    if (tr.readStore(k, st)) {
      putWords(shm, st.off, st.w, st.newLo, st.newHi)
      continue
    }
    const e = tr.get(k)!
    if (e.k === 'store') putHex(shm, e.off as number, e.w as number, e.new as string)
    else if (e.k === 'memset') shm.fill(e.off as number, e.len as number, e.value as number)
  }
}

/** every shm change is a kept store or memset: no remote side writing behind the trace, no real
 *  fabric whose peers write the shm directly (then only a rebuild from live shm is exact) */
export function fullyTraced(s: LabSession): boolean {
  return s.remote === null && s.fabric.kind === 'emulated'
}

/** register last writers (one cell per 32-bit register) and the driver's used consumer index per
 *  queue, as of one event; `ev` of each entry lets a trimmed trace forget what it no longer keeps */
export class RegHistory {
  readonly side = new Int8Array(MMIO_WINDOW / 4).fill(-1)
  readonly t = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  readonly ev = new Float64Array(MMIO_WINDOW / 4).fill(-1)
  /** queue -> [usedCons, reclaim event] */
  readonly cons = new Map<number, [number, number]>()

  clone(): RegHistory {
    const h = new RegHistory()
    h.side.set(this.side)
    h.t.set(this.t)
    h.ev.set(this.ev)
    for (const [q, v] of this.cons) h.cons.set(q, [v[0], v[1]])
    return h
  }

  /** forget entries from events before `first` (the trace no longer keeps them, so the rebuild
   *  from `first` would not see them either) */
  forgetBefore(first: number): void {
    for (let c = 0; c < this.ev.length; c++)
      if (this.ev[c]! >= 0 && this.ev[c]! < first) {
        this.side[c] = -1
        this.t[c] = -1
        this.ev[c] = -1
      }
    for (const [q, v] of this.cons) if (v[1] < first) this.cons.delete(q)
  }

  /** apply events lo+1 .. hi; `mark(k)` after each (checkpoints) */
  scan(s: LabSession, lo: number, hi: number, mark?: (k: number) => void): void {
    const tr = s.trace
    const st = newStoreCell()
    for (let k = lo + 1; k <= hi; k++) {
      if (tr.readStore(k, st)) {
        if (st.off < MMIO_WINDOW) this.wrote(st.off >> 2, st.side, st.t, k)
      } else this.event(tr.get(k)!)
      mark?.(k)
    }
  }

  private event(e: TraceEvent): void {
    if (e.k === 'store' && (e.off as number) < MMIO_WINDOW) this.wrote((e.off as number) >> 2, e.side, e.t, e.i)
    else if (e.k === 'reclaim') this.cons.set(e.queue as number, [e.usedCons as number, e.i])
  }

  private wrote(c: number, side: string | undefined, t: number, k: number): void {
    this.side[c] = side === 'device' ? 0 : 1
    this.t[c] = t
    this.ev[c] = k
  }

  regMeta(off: number): RegMeta {
    const c = off >> 2
    return {
      lastWriter: this.side[c]! < 0 ? null : this.side[c] === 0 ? 'device' : 'driver',
      lastWriteT: this.t[c]! < 0 ? null : this.t[c]!,
      lastWriteEvent: this.ev[c]! < 0 ? null : this.ev[c]!
    }
  }

  usedCons(queue: number): number {
    return this.cons.get(queue)?.[0] ?? 0
  }
}
