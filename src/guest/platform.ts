// The platform the two firmwares are written against: the Zephyr APIs the seed demo uses,
// nothing more. Threads are generators that yield the blocking calls (k_sleep, k_busy_wait,
// k_poll on the IPM signal) and sync points (k_cpu) where the CPU time the code used is paid
// (docs/wire-protocol.md#cpu-time); everything between two yields runs at one virtual instant.
//
// Memory is addressed by shm OFFSET (the firmware adds its own base only when it publishes or
// dereferences a guest virtual address, as the real code does: docs/wire-protocol.md#addresses).

import type { GuestState, Side } from '../sim/types'
import type { CpuBlock } from './cpu'

export const enum OpKind {
  Sleep,
  Busy,
  Wait,
  /** a sync point: pay the CPU time owed (src/guest/cpu.ts); nothing owed = no yield at all */
  Cpu
}
/** Sleep carries the absolute wake time (tick-aligned), Busy a duration */
export type Op = { k: OpKind.Sleep; ns: number } | { k: OpKind.Busy; ns: number } | { k: OpKind.Wait; sig: PollSignal } | { k: OpKind.Cpu }
export type Thread = Generator<Op, void, void>

/** k_poll_signal: a flag, so several raises before the waiter runs collapse into one (docs/wire-protocol.md#coalescing) */
export class PollSignal {
  raised = false
  waiter: (() => void) | null = null
  raise(): void {
    this.raised = true
    const w = this.waiter
    if (w) {
      this.waiter = null
      w()
    }
  }
}

export interface IvshmemMem {
  /** the VA the guest's ivshmem driver mapped BAR2 at (0xAFA00000 in the seed, docs/wire-protocol.md#addresses) */
  base: number
  size: number
}

export interface GuestPlatform {
  readonly side: Side
  // --- drivers/virtualization/ivshmem.h
  ivshmem_get_mem(): IvshmemMem
  /** IVPosition */
  ivshmem_get_id(): number
  // --- linaro,ivshmem-ipm: always vector 0, no payload (docs/wire-protocol.md#ipm)
  ipm_send(id: number): void
  /** the IPM event-loop thread calls cb once per (coalesced) vector-0 interrupt */
  ipm_register_callback(cb: () => void): void
  // --- the ivshmem API beyond IPM (the spec profile: a vector per queue, docs/spec-profile.md §9)
  /** ivshmem_get_vectors: vectors usable on this peer (server vectors and MSI-X, the smaller) */
  ivshmem_get_vectors(): number
  /** ivshmem_int_peer: ring `vector` of peer `id` */
  ivshmem_int_peer(id: number, vector: number): void
  /** interrupts on `vector` run the IPM callback too (the seed listens on vector 0 only, Q25) */
  ivshmem_register_handler(vector: number): void
  // --- kernel
  k_sleep(ns: number): Op
  k_busy_wait(ns: number): Op
  k_uptime_get_32(): number
  /** a sync point: hold the CPU for the time charged since the last one (src/guest/cpu.ts) */
  k_cpu(): Op
  /** charge a modelled code block's CPU time */
  cpu(block: CpuBlock): void
  // --- shared memory at base + off (sys_read32/sys_write32, libmetal io)
  r8(off: number): number
  r16(off: number): number
  r32(off: number): number
  w8(off: number, v: number): void
  w16(off: number, v: number): void
  w32(off: number, v: number): void
  /** a 64-bit store as the AArch64 code does it (one trace event), value as lo/hi words */
  w64(off: number, lo: number, hi: number): void
  memset(off: number, len: number, v: number): void
  // --- console
  /** Zephyr printk through the console driver: '\n' goes out as "\r\n" (docs/wire-protocol.md#print-formats) */
  printk(s: string): void
  /** raw byte to this guest's UART, no CR insertion */
  uart_poll_out(c: number): void
  /** byte from this guest's UART receive side, or -1 */
  uart_poll_in(): number
  // --- lab instrumentation (no effect on the wire)
  /** a line of the lab's diagnostic log on this guest's console pane (libmetal's messages, the
   *  lab's own account). Not guest output: the platform prefixes every such line with LAB_MARK. */
  log(line: string): void
  event(k: 'desc-add' | 'desc-used' | 'reclaim' | 'guest', fields: Record<string, unknown>): void
  /** a validation error: hostile or inconsistent shared memory; `code` is stable, tests assert it */
  event(k: 'error', fields: GuestErrorFields): void
  setState(state: GuestState, detail?: string): void
}

/** what every guest `error` trace event carries (the docs/architecture.md error rule) */
export interface GuestErrorFields {
  /** stable code, e.g. 'InvalidDescriptorIndex', 'QUEUE_INDEX_OOR', 'GUEST_FAULT' */
  code: string
  where: string
  message: string
  [k: string]: unknown
}

/** starts every console line the lab writes that the real guest would not print: instance_2 has
 *  no console at all (CONFIG_CONSOLE=n, driver_side_demo/prj.conf), so its pane is the lab's
 *  diagnostic log; guest bytes never start a line with it on their own */
export const LAB_MARK = '[lab] '

/** what a guest's console pane shows, for the UI's label */
export interface ConsoleKind {
  /** 'guest': the bytes the guest's UART emitted; 'lab': the lab's diagnostic log */
  kind: 'guest' | 'lab'
  note: string
}

/** Zephyr's %p: 0x + lowercase hex without padding; NULL prints "(nil)" (docs/wire-protocol.md#print-formats) */
export function fmtPtr(v: number | bigint): string {
  return v === 0 || v === 0n ? '(nil)' : '0x' + v.toString(16)
}
