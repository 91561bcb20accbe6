// ShmObserver: registers, rings, last writer and time travel when the other side's stores are not
// seen one by one (a real guest behind an attached or hosted fabric writes shm directly).
//
// It keeps a shadow of the watched regions (the register window, the rings), is told about every
// local store (ObservedFabric's shm does that), and at each sync point — our doorbell, our
// interrupt, a snapshot — diffs the shadow against shm. Every aligned 32-bit word that changed
// and that we did not write becomes a store by the remote side in the trace (old and new value,
// so time travel can undo it) and updates the register last-writer cells.
// A local store first diffs the words it is about to overwrite, so a remote value we never synced
// on is still reported (and time travel can undo both).
// Limits, by construction: only the watched regions are seen; a remote store that rewrote the
// same value (or changed a word and changed it back between two looks) is not seen; the time of
// an observed store is the sync point, not the moment the remote guest made it.

import type { Clock } from '../sim/clock'
import type { ShmAccess } from '../sim/shm'
import type { TraceSink } from '../sim/trace'
import type { Side } from '../sim/types'
import type { Fabric, FabricCounters, FabricKind, FabricStatus, InterruptHandler, Peer, PeerStats } from './fabric'

export interface WatchedRegion {
  off: number
  len: number
}

export interface ObserverOptions {
  /** whose stores are diffed in (the side not in this process) */
  remote: Side
  trace: TraceSink
  /** the regions to watch right now (rings appear once a driver laid them out) */
  regions: () => readonly WatchedRegion[]
  /** an observed remote store of `w` bytes at `off`; ev = its trace index (-1 when not traced) */
  onStore?: (off: number, w: number, ev: number) => void
}

interface Shadow {
  off: number
  len: number
  bytes: Uint8Array
}

export class ShmObserver {
  private shadows: Shadow[] = []
  /** observed remote stores so far */
  stores = 0
  syncs = 0

  constructor(
    private readonly shm: ShmAccess,
    private readonly o: ObserverOptions
  ) {
    this.refreshRegions() // the shm as it is when we join is the baseline
  }

  /** a local store to [off, off + len) is about to be made: a word there that changed since we
   *  last looked was stored by the remote side, so report it now, before ours overwrites it */
  before(off: number, len: number): void {
    for (const s of this.shadows) {
      const a = Math.max(off, s.off)
      const b = Math.min(off + len, s.off + s.len)
      if (a < b) this.stores += this.diff(s, (a - s.off) & ~3, b - s.off)
    }
  }

  /** a local store to [off, off + len) has been made: take the new bytes into the shadow */
  local(off: number, len: number): void {
    for (const s of this.shadows) {
      const a = Math.max(off, s.off)
      const b = Math.min(off + len, s.off + s.len)
      if (a < b) s.bytes.set(this.shm.read(a, b - a), a - s.off)
    }
  }

  /** diff the watched regions against shm; returns the number of remote stores reported */
  sync(): number {
    this.syncs++
    this.refreshRegions()
    let n = 0
    for (const s of this.shadows) n += this.diff(s)
    this.stores += n
    return n
  }

  /** adopt the current region list: new regions start from shm as it is now (nothing reported) */
  private refreshRegions(): void {
    const want = normalize(this.o.regions(), this.shm.size)
    if (want.length === this.shadows.length && want.every((r, i) => r.off === this.shadows[i]!.off && r.len === this.shadows[i]!.len)) return
    const old = this.shadows
    const same = (s: Shadow, r: WatchedRegion) => s.off === r.off && s.len === r.len
    // a region that went away, grew or moved: report what changed in it before letting it go
    for (const s of old) if (!want.some((r) => same(s, r))) this.stores += this.diff(s)
    this.shadows = want.map((r) => old.find((s) => same(s, r)) ?? { off: r.off, len: r.len, bytes: this.shm.read(r.off, r.len) })
  }

  /** report and adopt the changed words of shadow bytes [from, to) (from 4-aligned) */
  private diff(s: Shadow, from = 0, to = s.len): number {
    const len = to - from
    const now = this.shm.read(s.off + from, len)
    const a = new DataView(s.bytes.buffer, s.bytes.byteOffset + from, len)
    const b = new DataView(now.buffer, now.byteOffset, len)
    let n = 0
    for (let i = 0; i + 4 <= len; i += 4) {
      const was = a.getUint32(i, true)
      const is = b.getUint32(i, true)
      if (was === is) continue
      const off = s.off + from + i
      const ev = this.o.trace.on ? this.o.trace.store(this.o.remote, off, 4, was, 0, is, 0) : -1
      this.o.onStore?.(off, 4, ev)
      n++
    }
    s.bytes.set(now, from)
    return n
  }
}

/** regions widened to 32-bit alignment, clipped to shm, sorted, overlaps merged */
function normalize(rs: readonly WatchedRegion[], size: number): WatchedRegion[] {
  const out: WatchedRegion[] = []
  const top = size & ~3
  const sorted = rs
    .filter((r) => Number.isInteger(r.off) && Number.isInteger(r.len) && r.len > 0)
    .map((r) => ({ off: Math.max(0, r.off & ~3), end: Math.min(top, (r.off + r.len + 3) & ~3) }))
    .filter((r) => r.end > r.off)
    .sort((x, y) => x.off - y.off)
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && r.off <= last.off + last.len) last.len = Math.max(last.len, r.end - last.off)
    else out.push({ off: r.off, len: r.end - r.off })
  }
  return out
}

/** shm as the local guests see it: every store also goes to the observer's shadow */
class ObservedShm implements ShmAccess {
  constructor(
    private readonly inner: ShmAccess,
    private readonly obs: ShmObserver
  ) {}
  get size(): number {
    return this.inner.size
  }
  r8(off: number): number {
    return this.inner.r8(off)
  }
  r16(off: number): number {
    return this.inner.r16(off)
  }
  r32(off: number): number {
    return this.inner.r32(off)
  }
  read(off: number, len: number): Uint8Array {
    return this.inner.read(off, len)
  }
  w8(off: number, v: number): void {
    this.obs.before(off, 1)
    this.inner.w8(off, v)
    this.obs.local(off, 1)
  }
  w16(off: number, v: number): void {
    this.obs.before(off, 2)
    this.inner.w16(off, v)
    this.obs.local(off, 2)
  }
  w32(off: number, v: number): void {
    this.obs.before(off, 4)
    this.inner.w32(off, v)
    this.obs.local(off, 4)
  }
  fill(off: number, len: number, v: number): void {
    this.obs.before(off, len)
    this.inner.fill(off, len, v)
    this.obs.local(off, len)
  }
  touched(off: number, len: number): [number, number][] {
    return this.inner.touched ? this.inner.touched(off, len) : [[off, len]]
  }
}

/** our handle on a peer: an interrupt first lets the observer diff, then reaches the guest */
class ObservedPeer implements Peer {
  private handler: InterruptHandler | null = null
  constructor(
    readonly inner: Peer,
    private readonly obs: ShmObserver
  ) {}
  get id(): number {
    return this.inner.id
  }
  get side(): Side | null {
    return this.inner.side
  }
  get vectors(): number {
    return this.inner.vectors
  }
  get msix(): number {
    return this.inner.msix
  }
  get stats(): PeerStats {
    return this.inner.stats
  }
  get local(): boolean {
    return this.inner.local
  }
  get connected(): boolean {
    return this.inner.connected
  }
  set connected(v: boolean) {
    this.inner.connected = v
  }
  get onInterrupt(): InterruptHandler | null {
    return this.handler
  }
  set onInterrupt(h: InterruptHandler | null) {
    this.handler = h
    this.inner.onInterrupt = h
      ? (v, n) => {
          this.obs.sync()
          h(v, n)
        }
      : null
  }
}

/** A Fabric for the local guests when the other side is remote: same fabric underneath, with
 *  the observer told about local stores and syncing before each local doorbell and interrupt. */
export class ObservedFabric implements Fabric {
  readonly shm: ShmAccess
  constructor(
    readonly inner: Fabric,
    readonly observer: ShmObserver
  ) {
    this.shm = new ObservedShm(inner.shm, observer)
  }
  get kind(): FabricKind {
    return this.inner.kind
  }
  get vectors(): number {
    return this.inner.vectors
  }
  get clock(): Clock {
    return this.inner.clock
  }
  get counters(): Readonly<FabricCounters> {
    return this.inner.counters
  }
  connect(side: Side | null, ready: (p: Peer) => void, msix?: number): void {
    this.inner.connect(side, (p) => ready(new ObservedPeer(p, this.observer)), msix)
  }
  disconnect(p: Peer): void {
    this.inner.disconnect(p instanceof ObservedPeer ? p.inner : p)
  }
  doorbell(from: Peer, value: number): boolean {
    this.observer.sync()
    return this.inner.doorbell(from instanceof ObservedPeer ? from.inner : from, value)
  }
  peerList(): readonly Peer[] {
    return this.inner.peerList()
  }
  status(): FabricStatus {
    return this.inner.status()
  }
  close(): void {
    this.inner.close()
  }
}
