// Deterministic discrete-event scheduler. Virtual time in integer nanoseconds (a double holds
// 2^53 ns = 104 days exactly). Events at the same time run in the order they were scheduled,
// so the same inputs always give the same order: that is what makes traces byte-identical.
// This is the virtual Clock (clock.ts); WallClock pumps one of these to the wall time.

import type { Clock, TimerId } from './clock'
import { SimError } from './errors'

export type Task = () => void

interface Ev {
  t: number
  s: number
  /** null once cancelled (the slot stays in the heap and is skipped when it comes up) */
  fn: Task | null
}

export class Scheduler implements Clock {
  readonly kind = 'virtual' as const
  now = 0
  /** events executed so far (cancelled ones are not counted) */
  executed = 0
  private heap: Ev[] = []
  private seq = 0
  private dead = 0

  /** events scheduled and not yet run or cancelled */
  get pending(): number {
    return this.heap.length - this.dead
  }

  /** time of the next live event, or null when idle */
  peek(): number | null {
    this.skipDead()
    return this.heap.length ? this.heap[0]!.t : null
  }

  /** forget a pending event (O(pending): cancels are rare, the hot path stays branch-free) */
  cancel(id: TimerId): void {
    for (const e of this.heap)
      if (e.s === id) {
        if (e.fn) {
          e.fn = null
          this.dead++
        }
        return
      }
  }

  private skipDead(): void {
    while (this.dead && this.heap.length && !this.heap[0]!.fn) {
      this.pop()
      this.dead--
    }
  }

  at(t: number, fn: Task): TimerId {
    if (!(t >= this.now)) throw new SimError('SCHED_PAST', `cannot schedule in the past (${t} < ${this.now})`)
    const h = this.heap
    const e: Ev = { t, s: this.seq++, fn }
    let i = h.length
    h.push(e)
    while (i > 0) {
      const p = (i - 1) >> 1
      const q = h[p]!
      if (q.t < t || (q.t === t && q.s < e.s)) break
      h[i] = q
      i = p
    }
    h[i] = e
    return e.s
  }

  after(dt: number, fn: Task): TimerId {
    return this.at(this.now + dt, fn)
  }

  private pop(): Ev {
    const h = this.heap
    const top = h[0]!
    const last = h.pop()!
    const n = h.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        let c = l
        if (r < n) {
          const a = h[l]!
          const b = h[r]!
          if (b.t < a.t || (b.t === a.t && b.s < a.s)) c = r
        }
        const m = h[c]!
        if (last.t < m.t || (last.t === m.t && last.s < m.s)) break
        h[i] = m
        i = c
      }
      h[i] = last
    }
    return top
  }

  /** run exactly one event; false when there is none */
  step(): boolean {
    this.skipDead()
    if (!this.heap.length) return false
    const e = this.pop()
    this.now = e.t
    this.executed++
    e.fn!()
    return true
  }

  /** run every event with time <= t (at most maxEvents), then advance the clock to t if all ran.
   *  Returns the number of events run. */
  runUntil(t: number, maxEvents = Number.POSITIVE_INFINITY): number {
    let n = 0
    const h = this.heap
    while (h.length && h[0]!.t <= t && n < maxEvents) {
      const e = this.pop()
      if (!e.fn) {
        this.dead--
        continue
      }
      this.now = e.t
      this.executed++
      e.fn()
      n++
    }
    this.skipDead()
    if ((!h.length || h[0]!.t > t) && t > this.now) this.now = t
    return n
  }
}
