// The quirk behind each register's divergence between the seed and the spec profile
// (docs/quirks.md), for the compare tables (docs/spec-profile.md §8).

import type { RegName } from '../virtio/mmio'

/** the quirk behind a register's divergence (docs/quirks.md) */
export const REG_Q: Partial<Record<RegName, [string, string]>> = {
  Version: ['Q1', 'legacy interface (1) instead of version 2'],
  VendorID: ['Q8', 'no vendor id'],
  DeviceFeatures: ['Q8', 'no features offered, nothing negotiated'],
  DriverFeatures: ['Q8', 'no features accepted'],
  DriverFeaturesSel: ['Q4', 'the seed stores the queue index here'],
  DeviceFeaturesSel: ['Q8', 'only feature page 0 read'],
  GuestPageSize: ['Q1', 'legacy register'],
  QueueAlign: ['Q5', 'legacy ring placement by PFN x QueueAlign'],
  QueuePFN: ['Q3', 'legacy PFN with the 0xAABBAABB acknowledgement'],
  QueueNumMax: ['Q7', 'QueueNumMax stays 0 in the seed'],
  QueueNum: ['Q1', 'legacy queue sizes'],
  QueueReady: ['Q1', 'no QueueReady in the legacy interface'],
  QueueDescLow: ['Q1', 'version 2 ring addresses'],
  QueueDescHigh: ['Q1', 'version 2 ring addresses'],
  QueueDriverLow: ['Q1', 'version 2 ring addresses'],
  QueueDriverHigh: ['Q1', 'version 2 ring addresses'],
  QueueDeviceLow: ['Q1', 'version 2 ring addresses'],
  QueueDeviceHigh: ['Q1', 'version 2 ring addresses'],
  QueueSel: ['Q4', 'queue selection through DriverFeaturesSel in the seed'],
  QueueNotify: ['Q22', 'one cell, last write wins'],
  InterruptStatus: ['Q21', 'never cleared in the seed'],
  InterruptACK: ['Q21', 'zeroed by the device on the next doorbell'],
  Status: ['Q9', 'no reset, no FEATURES_OK in the seed'],
  SHMSel: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMLenLow: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMLenHigh: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMBaseLow: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMBaseHigh: ['Q10', 'SHM registers as an "HVL on" flag'],
  ConfigGeneration: ['Q8', 'no config space without features'],
  Config: ['Q8', 'no config space without features']
}

/** [quirk, why] for a register name; a register without its own entry is a plain shm cell (Q2) */
export function regQuirk(name: string): [string, string] {
  return (Object.hasOwn(REG_Q, name) ? REG_Q[name as RegName] : undefined) ?? ['Q2', 'registers are plain shm cells in the seed']
}
