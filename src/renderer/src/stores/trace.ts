// The pushed tail of the event trace (contiguous, bounded); older events come from getTrace.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { TraceEvent } from '../../../shared/contract'

/** trace events kept from push messages (the timeline pages older ones with getTrace) */
export const TRACE_TAIL_CAP = 4096

export const useTraceStore = defineStore('trace', () => {
  const traceTail = shallowRef<TraceEvent[]>([])

  function append(events: TraceEvent[]): void {
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

  /** events [from, from+count) from the tail when it covers them, else null */
  function fromTail(from: number, count: number): TraceEvent[] | null {
    const tail = traceTail.value
    if (tail.length === 0) return null
    const first = tail[0].i
    const last = tail[tail.length - 1].i
    if (from >= first && from + count - 1 <= last) return tail.slice(from - first, from - first + count)
    return null
  }

  function reset(): void {
    traceTail.value = []
  }

  return { traceTail, append, fromTail, reset }
})
