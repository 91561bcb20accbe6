// instance_2's constants: the timing of the demo (docs/wire-protocol.md#timing), its Hello line, the
// driver's failure codes and the state it exposes to the lab.

import type { ConsoleKind } from '../../guest/platform'

/** instance_2's console pane: CONFIG_CONSOLE=n and CONFIG_BOOT_BANNER=n (driver_side_demo/prj.conf) */
export const DRIVER_CONSOLE: ConsoleKind = {
  kind: 'lab',
  note: "instance_2 has no console (CONFIG_CONSOLE=n): this pane is the lab's diagnostic log, every line marked [lab]; 'metal:' lines are the texts libmetal would log"
}

/** reset to POST_KERNEL virtio-mmio init: kernel start + PCIe/ivshmem/IPM probe [model; chosen so
 *  the first line is stamped [8010] as in the README: 12 ms + 2 x 4 s lands in tick 801] */
export const DRIVER_BOOT_NS = 12_000_000
/** APPLICATION init done -> main() running its first printk [model] */
export const DRIVER_MAIN_NS = 100_000
/** virtio_mmio_hvl_wait_cfg: the demo's wait hook is k_busy_wait(4000000) (docs/wire-protocol.md#pfn-ack, Q34) */
export const HVL_WAIT_NS = 4_000_000_000
/** the demo's printk hook sleeps after each byte (docs/wire-protocol.md#timing) */
export const PRINTK_SLEEP_NS = 200_000
/** printk of one char when the hook returns at once (serial device not ready): cbprintf's
 *  formatting step plus arch_printk_char_out's device_is_ready() test, ~1 us on QEMU TCG [model] */
export const PRINTK_CHAR_NS = 1_000
/** the not-ready printk loop is simulated in slices of this much CPU time (no observable effect) */
export const SPIN_SLICE_NS = 100_000_000
/** arch_system_halt after a fatal error: the CPU never comes back; modelled in slices */
export const HALT_SLICE_NS = 3_600_000_000_000
export const GUEST_PAGE_SIZE = 4096
export const VQ_SIZE = 4 // VQIN_SIZE = VQOUT_SIZE
export const HELLO = "Hello World I'm qemu_cortex_a53 sending data over Virtio-MMIO Serial Port"

/** libmetal: no physical address for a buffer outside the shm I/O region */
export const METAL_BAD_PHYS = 0xffffffff
/** driver RAM address of chan->txpoll (static struct, docs/wire-protocol.md#bounce-buffers) [model] */
export const TXPOLL_VA = 0x4019b129
/** virtio_mmio.c: the SCMI device id, the one id Version 2 is accepted for */
export const VIRTIO_ID_SCMI = 0x20
export const BOUNCE_COOKIE = 1 // Q15: one constant cookie for every buffer

export type DriverFailure = 'bad-magic' | 'bad-version' | 'no-device' | 'not-console' | 'hvl-config' | 'no-memory' | 'fault'
/** the stable code of each failure on the driver's `error` trace events */
export const FAILURE_CODE: Record<DriverFailure, string> = {
  'bad-magic': 'BAD_MAGIC',
  'bad-version': 'BAD_VERSION',
  'no-device': 'NO_DEVICE',
  'not-console': 'NOT_CONSOLE',
  'hvl-config': 'HVL_CONFIG',
  'no-memory': 'NO_MEMORY',
  fault: 'GUEST_FAULT'
}

export interface DriverSideState {
  initialized: boolean
  failure: DriverFailure | null
  magicSeen: number | null
  vqs: { idx: number; name: string; ringOff: number; num: number; free: number; head: number; availIdx: number; usedCons: number; broken: string | null }[]
  txBytes: number
  txDropped: number
  linesStarted: number
  bounceLive: number
}
