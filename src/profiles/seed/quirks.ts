// The seed's register quirk table: which quirks (docs/quirks.md) concern which
// register cell, and what the virtio 1.2 spec says instead. The register table itself
// (src/virtio/regs.ts) is profile-neutral; the inspector joins the two by offset.

import type { QuirkRef } from '../../virtio/regs'
import { REG } from '../../virtio/mmio'

/** spec-mode rule for each seed quirk referenced by a register */
export const QUIRK_RULES: Readonly<Record<string, string>> = {
  Q1: 'virtio 1.2 §4.2.2: Version 2 uses QueueDesc/Driver/Device Low/High and QueueReady and negotiates VIRTIO_F_VERSION_1',
  Q2: 'virtio 1.2 §4.2.2: register writes are device events; QueueNumMax/QueueReady read back per QueueSel',
  Q3: 'virtio 1.2 §4.2.4: no ack value; the device latches the queue on the QueuePFN write (Version 2: on QueueReady = 1)',
  Q4: 'virtio 1.2 §4.2.2: the queue index goes to QueueSel (0x030); DriverFeaturesSel only selects a feature page',
  Q5: 'virtio 1.2 §4.2.4: ring address = QueuePFN × GuestPageSize, not × QueueAlign',
  Q7: 'virtio 1.2 §4.2.3.2: QueueNumMax 0 means the queue is not available; the driver must not use it',
  Q8: 'virtio 1.2 §6: read both feature pages and negotiate VIRTIO_F_VERSION_1; VendorID identifies the vendor',
  Q9: 'virtio 1.2 §3.1.1: reset (0), then cumulative ACKNOWLEDGE, DRIVER, FEATURES_OK (read back), DRIVER_OK',
  Q10: 'virtio 1.2 §4.2.2: SHMLen/SHMBase describe the region chosen by SHMSel; no region reads length all-ones',
  Q17: 'virtio 1.2 §2.7.13: notify a queue only after making buffers available on it',
  Q18: 'virtio 1.2 §2.7.6: the device keeps its own last_avail_idx and consumes while it differs from avail.idx',
  Q21: 'virtio 1.2 §4.2.2: InterruptACK is write-only; the device clears the acknowledged bits in InterruptStatus',
  Q22: 'virtio 1.2 §4.2.3.4: every queue notification must be seen; keep a pending bit per queue',
  Q26: 'virtio 1.2 §3.1: device presence is explicit; either side may start first',
  Q28: 'virtio 1.2 §2.1: track Status transitions, including reset (0), NEEDS_RESET and FAILED',
  Q29: 'virtio 1.2 §4.2.2: queue indices are bounds-checked against the number of queues'
}

/** register cell offset -> the seed quirks that concern it */
export const SEED_REG_QUIRKS: ReadonlyMap<number, readonly string[]> = new Map<number, readonly string[]>([
  [REG.MagicValue, ['Q26']],
  [REG.Version, ['Q1']],
  [REG.VendorID, ['Q8']],
  [REG.DeviceFeatures, ['Q8']],
  [REG.DeviceFeaturesSel, ['Q8']],
  [REG.DriverFeatures, ['Q8']],
  [REG.DriverFeaturesSel, ['Q4', 'Q29']],
  [REG.GuestPageSize, ['Q1', 'Q5']],
  [REG.QueueSel, ['Q4']],
  [REG.QueueNumMax, ['Q7', 'Q2']],
  [REG.QueueAlign, ['Q1', 'Q5']],
  [REG.QueuePFN, ['Q3', 'Q5', 'Q1']],
  [REG.QueueReady, ['Q1', 'Q3']],
  [REG.QueueNotify, ['Q22', 'Q17']],
  [REG.InterruptStatus, ['Q21']],
  [REG.InterruptACK, ['Q21']],
  [REG.Status, ['Q9', 'Q28']],
  [REG.QueueDescLow, ['Q1']],
  [REG.QueueDescHigh, ['Q1']],
  [REG.QueueDriverLow, ['Q1']],
  [REG.QueueDriverHigh, ['Q1']],
  [REG.QueueDeviceLow, ['Q1']],
  [REG.QueueDeviceHigh, ['Q1']],
  [REG.SHMSel, ['Q10']],
  [REG.SHMLenLow, ['Q10']],
  [REG.SHMLenHigh, ['Q10']],
  [REG.SHMBaseLow, ['Q10']],
  [REG.SHMBaseHigh, ['Q10']]
])

const CACHE = new Map<number, QuirkRef[]>()

/** the seed quirks of the register cell at `off` (empty for none) */
export function seedRegQuirks(off: number): readonly QuirkRef[] {
  let r = CACHE.get(off)
  if (!r) CACHE.set(off, (r = (SEED_REG_QUIRKS.get(off) ?? []).map((q) => ({ q, rule: QUIRK_RULES[q] ?? '' }))))
  return r
}
