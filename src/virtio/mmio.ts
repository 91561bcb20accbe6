// virtio-mmio register offsets and constants (virtio 1.2 §4.2.2 modern, §4.2.4 legacy).
// In the seed the register block is plain shared RAM at shm offset 0x000-0x1FF (docs/wire-protocol.md#register-block).

export const REG = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  GuestPageSize: 0x028, // legacy only
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueAlign: 0x03c, // legacy only
  QueuePFN: 0x040, // legacy only
  QueueReady: 0x044, // modern only
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  SHMSel: 0x0ac,
  SHMLenLow: 0x0b0,
  SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8,
  SHMBaseHigh: 0x0bc,
  ConfigGeneration: 0x0fc,
  Config: 0x100
} as const
export type RegName = keyof typeof REG

/** size of the register window in the seed DTS (virtio_mmio@0 reg = <0 0 0 0x200>) */
export const MMIO_WINDOW = 0x200

export const VIRTIO_MMIO_MAGIC = 0x74726976 // "virt" LE
export const VIRTIO_ID_CONSOLE = 3

/** device status bits (virtio 1.2 §2.1; OpenAMP names) */
export const STATUS = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  NEEDS_RESET: 0x40,
  FAILED: 0x80
} as const

/** InterruptStatus / InterruptACK bits (virtio 1.2 §4.2.2) */
export const INT = { VRING: 0x1, CONFIG: 0x2 } as const

/** split-ring descriptor flags (virtio 1.2 §2.7.5) */
export const VRING_DESC_F = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const
export const VRING_AVAIL_F_NO_INTERRUPT = 1
export const VRING_USED_F_NO_NOTIFY = 1
/** OpenAMP's end-of-free-list marker, stored in desc.next (docs/wire-protocol.md#vring-layout) */
export const VQ_RING_DESC_CHAIN_END = 0x8000

/** console queues (virtio 1.2 §5.3.2) */
export const CONSOLE_RX = 0 // receiveq, "vqin"
export const CONSOLE_TX = 1 // transmitq, "vqout"

/** Split-ring geometry for legacy rings (virtio 1.2 §2.7 / legacy vring_init). */
export function vringLayout(num: number, align: number) {
  const desc = 0
  const avail = 16 * num
  const usedEvent = avail + 4 + 2 * num
  const used = alignUp(usedEvent + 2, align)
  const availEvent = used + 4 + 8 * num
  return { desc, avail, usedEvent, used, availEvent, size: availEvent + 2 }
}

export function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a
}
