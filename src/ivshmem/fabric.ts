// The fabric seam: what a guest's ivshmem-doorbell device and the lab need from "an ivshmem-server
// plus the QEMU devices attached to it" (docs/ivshmem.md#server-protocol). Implementations:
//  - EmulatedFabric (emulated.ts): server and devices in process, on the virtual Clock;
//  - attached / hosted fabrics (native addon: SCM_RIGHTS, eventfd, mmap), on the wall Clock.
// The lab reads peers, counters and status only through this interface.

import type { Clock } from '../sim/clock'
import type { ShmAccess } from '../sim/shm'
import type { Side } from '../sim/types'

export const IVSHMEM_MAX_VECTORS = 64 // IVSHMEM_SERVER_MAX_VECTORS
/** Zephyr's qemu.cmake: -device ivshmem-doorbell,vectors=2 (CONFIG_IVSHMEM_MSI_X_VECTORS) */
export const QEMU_DEVICE_VECTORS = 2

export type FabricKind = 'emulated' | 'attached' | 'hosted'

export type InterruptHandler = (vector: number, count: number) => void

export interface PeerStats {
  /** per vector: doorbells this peer rang (delivered or dropped) */
  sent: number[]
  /** per vector: doorbells that reached this peer's eventfd */
  received: number[]
  /** per vector: doorbells merged into an interrupt already pending (eventfd counter) */
  merged: number[]
  /** per vector: interrupts delivered to the guest */
  interrupts: number[]
  dropped: number
  /** doorbells by destination id: what this peer rang, and what became of it */
  targets: Map<number, { sent: number; dropped: number; reason: string | null }>
}

/** One connection to the server: a QEMU ivshmem-doorbell device (ours or a remote one). */
export interface Peer {
  /** the id the server gave it = BAR0 IVPosition */
  readonly id: number
  /** which of our guests holds it; null for a remote peer or a bare host connection */
  readonly side: Side | null
  /** server vectors (-n): eventfds this peer owns */
  readonly vectors: number
  /** MSI-X vectors of its QEMU device (vectors=): it keeps at most this many eventfds per peer */
  readonly msix: number
  connected: boolean
  onInterrupt: InterruptHandler | null
  /** what this process knows: complete for local peers, what the server told us for remote ones */
  readonly stats: PeerStats
  /** ours (a guest in this process), or a remote peer (QEMU, another process) */
  readonly local: boolean
}

export interface FabricCounters {
  doorbells: number
  dropped: number
  merged: number
  interrupts: number
}

export interface FabricStatus {
  state: 'up' | 'down' | 'error'
  /** one human line */
  detail: string
}

export interface Fabric {
  readonly kind: FabricKind
  readonly vectors: number
  readonly shm: ShmAccess
  readonly clock: Clock
  /** join as a new peer; `ready` runs once the server gave it an id (synchronously on the emulated fabric) */
  connect(side: Side | null, ready: (p: Peer) => void, msix?: number): void
  disconnect(p: Peer): void
  /** a store to the sender's BAR0 Doorbell ((id << 16) | vector); false when the hardware drops it */
  doorbell(from: Peer, value: number): boolean
  /** peers known, local and remote, join order, bounded (oldest departed ones compacted) */
  peerList(): readonly Peer[]
  readonly counters: Readonly<FabricCounters>
  /** connection state for the UI: up / down (server gone) / error, with one human line */
  status(): FabricStatus
  close(): void
}

export type FabricErrorCode =
  /** vectors outside 1..64 (ivshmem-server -n) */
  | 'CFG_VECTORS'
  /** all 65535 client ids in use (ivshmem-server "cannot allocate new client id") */
  | 'NO_FREE_ID'
  /** operation on a closed fabric */
  | 'CLOSED'

export class FabricError extends Error {
  override readonly name = 'FabricError'
  constructor(
    readonly code: FabricErrorCode,
    message: string
  ) {
    super(message)
  }
}

/** null when `n` is a valid ivshmem-server -n, else why not */
export function checkVectors(n: number): string | null {
  if (!Number.isInteger(n) || n < 1 || n > IVSHMEM_MAX_VECTORS)
    return `vectors must be an integer 1..${IVSHMEM_MAX_VECTORS} (ivshmem-server -n), got ${n}`
  return null
}

export function newPeerStats(vectors: number): PeerStats {
  return {
    sent: new Array<number>(vectors).fill(0),
    received: new Array<number>(vectors).fill(0),
    merged: new Array<number>(vectors).fill(0),
    interrupts: new Array<number>(vectors).fill(0),
    dropped: 0,
    targets: new Map()
  }
}

/** departed peers kept in peerList() (issue #11: bounded across thousands of restarts) */
export const DEPARTED_KEEP = 64

/** drop the oldest departed peers beyond `keep`; connected ones always stay. In place. */
export function compactPeers<P extends Peer>(list: P[], keep = DEPARTED_KEEP): void {
  let departed = 0
  for (const p of list) if (!p.connected) departed++
  if (departed <= keep) return
  let drop = departed - keep
  let w = 0
  for (const p of list) {
    if (drop > 0 && !p.connected) {
      drop--
      continue
    }
    list[w++] = p
  }
  list.length = w
}
