// A side whose stores are not seen one by one (SessionOptions.remote): what the lab watches for
// the ShmObserver, and how an in-process guest is made to behave like a real one behind an
// attached fabric (its stores and memsets reach shm but not the trace).

import type { TraceSink } from '../sim/trace'
import type { TraceEvent } from '../sim/types'
import type { WatchedRegion } from '../ivshmem/observer'
import { MMIO_WINDOW } from '../virtio/mmio'
import { ringSizes, type RingAddr } from '../virtio/ring'

/** the register window and the three parts of every ring */
export function watchedRegions(rings: readonly { addr: RingAddr }[]): WatchedRegion[] {
  const out: WatchedRegion[] = [{ off: 0, len: MMIO_WINDOW }]
  for (const { addr } of rings) {
    const z = ringSizes(addr.num)
    out.push({ off: addr.descOff, len: z.desc }, { off: addr.availOff, len: z.avail }, { off: addr.usedOff, len: z.used })
  }
  return out
}

/** the trace as a remote guest would feed it: everything but its shm stores and memsets */
export function withoutStores(t: TraceSink): TraceSink {
  return {
    get on() {
      return t.on
    },
    emit: (k, side, fields): TraceEvent => (k === 'memset' ? { i: -1, t: 0, k, side } : t.emit(k, side, fields)),
    store: () => -1
  }
}
