// The guests' CPU time (docs/wire-protocol.md#cpu-time). Each guest charges a cost per shm access
// and per modelled code block to a meter; the firmware pays what it owes at its sync points
// (GuestPlatform.k_cpu) and at every blocking call, holding its CPU meanwhile (like k_busy_wait).
// Everything between two sync points still runs at one virtual instant: the stores before a sync
// point are visible to the other side for as long as the paid time lasts.
//
// Assumption for the calibrated costs (cpuScale = 1): a Cortex-A53 guest under QEMU TCG on a
// current x86-64 host runs about 250 M guest instructions per second, i.e. 4 ns per instruction.
// cpuScale multiplies every cost; 0 (the default) is the zero-time model the golden transcript
// and the README timestamps were recorded with, so they stay exact.

/** ns per guest instruction at cpuScale 1 (250 MIPS, TCG) */
export const INSN_NS = 4
/** one sys_read32/sys_write32 on BAR2: address arithmetic, the access through TCG's softmmu
 *  TLB and the dmb the Zephyr accessors add, ~5 instructions */
export const SHM_ACCESS_NS = 5 * INSN_NS
/** ipm_send -> ivshmem_ipm_send -> ivshmem_int_peer -> sys_write32(BAR0 Doorbell): ~100 guest
 *  instructions, then QEMU's ivshmem_io_write runs in the vCPU thread and write(2)s the peer's
 *  eventfd (~2 us of host time) before the guest's next instruction */
export const IPM_SEND_NS = 100 * INSN_NS + 2_000
/** an MSI-X interrupt to the IPM callback: exception entry, GIC ack, virt_ivshmem's ISR,
 *  k_poll_signal_raise, z_swap to the IPM thread, k_poll returning, the callback call: ~300
 *  instructions */
export const IRQ_TO_CALLBACK_NS = 300 * INSN_NS
/** virtqueue_create/vq_ring_init for one queue: the descriptor free-list loop and the struct
 *  stores beyond what is charged per access, ~200 instructions */
export const VQ_CREATE_NS = 200 * INSN_NS

/** the bounce-buffer path of a tx add: sys_heap_alloc (bucket search, chunk split), memcpy of
 *  the byte, the record's list insert, beyond what is charged per access: ~150 instructions */
export const BOUNCE_ADD_NS = 150 * INSN_NS

/** a code block whose cost the firmware charges by name */
export type CpuBlock = 'ipm-send' | 'irq-to-callback' | 'vq-create' | 'bounce-add'

const BLOCK_NS: Readonly<Record<CpuBlock, number>> = {
  'ipm-send': IPM_SEND_NS,
  'irq-to-callback': IRQ_TO_CALLBACK_NS,
  'vq-create': VQ_CREATE_NS,
  'bounce-add': BOUNCE_ADD_NS
}

/** the ns of CPU time a guest owes since its last sync point */
export class CpuMeter {
  private owed = 0
  /** cpuScale: 0 = zero-time model, 1 = calibrated; must be finite and >= 0 */
  constructor(readonly scale: number) {
    if (!Number.isFinite(scale) || scale < 0) throw new RangeError(`cpuScale must be a number >= 0, got ${scale}`)
  }
  get on(): boolean {
    return this.scale > 0
  }
  access(n = 1): void {
    if (this.scale > 0) this.owed += n * SHM_ACCESS_NS * this.scale
  }
  block(b: CpuBlock): void {
    if (this.scale > 0) this.owed += BLOCK_NS[b] * this.scale
  }
  /** whole ns owed, reset to zero (the integer keeps the virtual clock exact) */
  take(): number {
    const ns = Math.round(this.owed)
    this.owed = 0
    return ns
  }
}
