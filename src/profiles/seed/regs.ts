// How the seed reads some register values differently from the shared decoders (src/virtio/regs.ts):
// the OpenAMP HVL ack in QueuePFN (Q3), the queue index stored in DriverFeaturesSel (Q4), the PFN
// multiplied by QueueAlign, not GuestPageSize (Q5), and SHMBase/SHMLen as the HVL switch (Q10).
// docs/wire-protocol.md#pfn-ack, docs/quirks.md.

import { REG } from '../../virtio/mmio'
import { queueName, type RegCtx, type RegField } from '../../virtio/regs'
import { HVL_CFG_ACK } from './openamp'

/** Profile.regFields of the seed: the shared decoding, replaced or extended per cell */
export function seedRegFields(off: number, value: number, _ctx: RegCtx, shared: RegField[]): RegField[] {
  const v = value >>> 0
  switch (off) {
    case REG.QueuePFN:
      // the device's "config consumed" ack, not a page frame number
      return v === HVL_CFG_ACK ? [{ name: 'HVL ack', value: 'HVL_CFG_ACK: device consumed the queue config (Q3)' }] : shared
    case REG.DriverFeaturesSel:
      // the driver also stores the queue index here during queue setup; the device reads it
      return [...shared, { name: 'as queue index (Q4)', value: queueName(v) }]
    case REG.GuestPageSize:
      return [...shared, { name: 'seed', value: 'ignored by the device; PFN is multiplied by QueueAlign (Q5)' }]
    case REG.SHMLenLow:
    case REG.SHMLenHigh:
      return [...shared, { name: 'seed', value: 'non-zero SHMBase and SHMLen switch the driver to HVL mode (Q10)' }]
    case REG.SHMBaseLow:
    case REG.SHMBaseHigh:
      return [...shared, { name: 'seed', value: "the device's own VA of shm; only tested for non-zero (Q10)" }]
    default:
      return shared
  }
}
