// The firmware seam: what the lab needs from a profile's two firmwares and from the profile
// itself. The seed profile (seed/) implements it byte-compatibly with the Zephyr/OpenAMP demo;
// a virtio 1.2 'spec' profile plugs in the same way. src/lab holds no profile constant.

import type { ConsoleKind, GuestPlatform, Thread } from '../guest/platform'
import type { Peer } from '../ivshmem/fabric'
import type { Side } from '../sim/types'
import type { QuirkRef, RegCtx, RegField } from '../virtio/regs'
import type { RingAddr } from '../virtio/ring'
import type { ProfileName } from './names'

export type { ProfileName }

/** a labelled part of shared memory, for the hex view */
export interface ShmRegionInfo {
  off: number
  len: number
  name: string
  note: string
}

export interface DeviceView {
  /** the device saw DRIVER_OK (or the profile's equivalent) */
  ready: boolean
}

export interface DriverView {
  initialized: boolean
  /** why initialisation failed, a profile-specific word; null when it did not */
  failure: string | null
  /** bytes handed to the console (poll_out) */
  txBytes: number
  /** bytes dropped (ring full or device not ready) */
  txDropped: number
}

/** one ring as the driver laid it out, with its used consumer index */
export interface DriverRing {
  queue: number
  /** 'receiveq', 'transmitq', ... */
  name: string
  addr: RingAddr
  usedCons: number
}

/** device-stall: how long the device ignores doorbells (docs/spec-profile.md §7) */
export const DEVICE_STALL_MS = 500

/** what a fault did (docs/spec-profile.md §7); applied false: why it could not act now */
export interface FaultResult {
  applied: boolean
  detail: string
}
/** fault injection: act once on a ring or device fault kind; null = not a kind this side acts on.
 *  `after` runs fn `ns` of lab time later (e.g. the end of a device stall). */
export type FaultHook = (kind: string, after: (ns: number, fn: () => void) => void) => FaultResult | null

/** the device side's firmware; main() is its boot thread on the guest platform */
export interface DeviceFirmware {
  main(): Thread
  readonly view: DeviceView
  /** the rings the device accepted (QueueReady), usedCons = its own next_used: what the lab
   *  shows and observes when the driver runs in another process or a QEMU guest. Optional: the
   *  seed's device keeps no ring addresses of its own in shm-visible form. */
  rings?(): DriverRing[]
  /** the console pane's size (VIRTIO_CONSOLE_F_SIZE); absent where the profile has no SIZE
   *  feature (the seed offers no features at all, Q8) */
  resize?(cols: number, rows: number): { generation: number | null; interrupt: boolean }
  fault?: FaultHook
}

export interface DriverFirmware {
  main(): Thread
  readonly view: DriverView
  /** the rings laid out so far (for the inspectors, trace names and the shm observer) */
  rings(): DriverRing[]
  fault?: FaultHook
}

/** what a profile's explanation reads: the lab's state, in lower-layer terms */
export interface ExplainInput {
  sides: Record<
    Side,
    {
      /** a guest was started on this side (it may have stopped since) */
      started: boolean
      /** the peer id of its latest start (also after it stopped), null before it joined */
      peer: number | null
      /** every id this side held, and how many times it started */
      ids: readonly number[]
      starts: number
      bootT: number
      device: DeviceFirmware | null
      driver: DriverFirmware | null
    }
  >
  peers: readonly Peer[]
  /** complete data lines (profile.isDataLine) the device console showed */
  dataLines: number
  /** the device console has a line in progress */
  lineOpen: boolean
  driverBase: number
  deviceBase: number
  /** the shared memory as it is now (read only; hostile on real fabrics: validate) */
  shm?: { readonly size: number; r16(off: number): number }
  /** faults applied so far (docs/spec-profile.md §7), oldest first */
  faults?: readonly AppliedFault[]
}

/** a fault the lab applied: kind, virtual time (ns) and what was done */
export interface AppliedFault {
  kind: string
  t: number
  detail: string
}

/** whether a side's firmware ever reads what is typed into its console (the guest UART's receive
 *  side), with the reason: the pane says so when it does not */
export interface ConsoleInput {
  reads: boolean
  /** one human line citing the docs section or quirk, e.g. '… (Q23, docs/wire-protocol.md#rx)' */
  why: string
}

/** what an explanation line is for the reader (issue #10): the outcome, a root cause, what to do,
 *  the peer roster (who is which peer, who rang whom), or background */
export type ExplainRole = 'verdict' | 'cause' | 'fix' | 'roster' | 'info'

export interface ExplainLine {
  text: string
  role: ExplainRole
}

export interface Profile {
  name: ProfileName
  device(p: GuestPlatform): DeviceFirmware
  driver(p: GuestPlatform): DriverFirmware
  /** labelled shm regions for the hex view; with the running driver, the structures it keeps there */
  regions(shmSize: number, driver?: DriverFirmware | null): ShmRegionInfo[]
  /** what each side's console pane shows (the guest's UART, or the lab's diagnostic log) */
  consoles?: Record<Side, ConsoleKind>
  /** per side: does the firmware read its console input */
  consoleInput: Record<Side, ConsoleInput>
  /** trace name of a shm offset outside registers and rings (heaps ...), or null */
  nameOf(off: number): string | null
  /** the profile's quirks concerning a register cell */
  regQuirks(off: number): readonly QuirkRef[]
  /** the profile's reading of a register value: given the shared decoding (src/virtio/regs.ts),
   *  what the inspector shows (e.g. the seed's QueuePFN ack, Q3); absent: the shared decoding */
  regFields?(off: number, value: number, ctx: RegCtx, shared: RegField[]): RegField[]
  /** the smallest shm its layout fits in, and why (configure refuses less on shmSize) */
  minShm?: { bytes: number; why: string }
  /** the peer id a side's firmware rings when it holds `own`; null when it discovers its partner */
  partnerOf(side: Side, own: number): number | null
  /** a complete device-console line that carries the driver's payload (counted for the UI) */
  isDataLine(line: string): boolean
  /** the lab's account of a run, one human line each, tagged with its role */
  explain(x: ExplainInput): ExplainLine[]
}
