// Validation errors for rings and descriptor chains (vocabulary after rust-vmm virtio-queue,
// crosvm split_descriptor_chain and QEMU virtio.c). Never thrown by this library: every check
// returns a Result so hostile shared memory can only produce values, not exceptions.

export type VirtioErrorCode =
  /** head or desc.next >= queue size (virtio 1.2 §2.7.5) */
  | 'InvalidDescriptorIndex'
  /** more descriptors than the queue size: a loop (virtio 1.2 §2.7.5.2, TTL = size) */
  | 'DescriptorChainOverflow'
  /** avail.idx moved more than `num` ahead of the consumer (virtio 1.2 §2.7.6) */
  | 'InvalidAvailRingIndex'
  /** used.idx moved more than `num` ahead of the driver's consumer index (virtio 1.2 §2.7.8) */
  | 'InvalidUsedRingIndex'
  /** used.ring[].id is not an outstanding descriptor head (driver side, Linux "BAD_RING") */
  | 'InvalidUsedId'
  /** used.len larger than the device-writable bytes of the chain (driver side, Linux hardening) */
  | 'InvalidUsedLen'
  /** desc.addr - driverBase .. + len is not inside shared memory (docs/wire-protocol.md#addresses) */
  | 'AddressOutOfRange'
  /** desc.len == 0 (rejected like QEMU "zero sized buffers are not allowed") */
  | 'ZeroLengthBuffer'
  /** device-readable descriptor after a device-writable one (virtio 1.2 §2.7.4.2) */
  | 'ReadableAfterWritable'
  /** INDIRECT without the feature, INDIRECT|NEXT, nested, or a bad table (virtio 1.2 §2.7.5.3) */
  | 'InvalidIndirectDescriptor'
  /** a ring part does not fit inside shared memory */
  | 'RingOutOfBounds'
  /** queue size 0, not a power of two, or > 32768 (virtio 1.2 §2.7) */
  | 'InvalidQueueSize'
  /** desc table not 16-aligned, avail not 2-aligned, used not 4-aligned (virtio 1.2 §2.7.2) */
  | 'MisalignedRing'
  /** QueueSel / QueueNotify names a queue the device does not have (virtio 1.2 §4.2.2) */
  | 'QueueIndexOutOfRange'
  /** QueueNum > QueueNumMax, a ring address or size changed while QueueReady = 1, or QueueReady
   *  with an unusable ring (virtio 1.2 §4.2.3.2) */
  | 'InvalidQueueSetting'
  /** notified or used while QueueReady = 0 */
  | 'QueueNotReady'
  /** an earlier error poisoned the queue; only a device reset clears it (virtio 1.2 §2.1.2) */
  | 'QueuePoisoned'
  /** Status write that skips or clears a bit outside reset (virtio 1.2 §3.1.1) */
  | 'InvalidStatusTransition'
  /** driver features not a subset of the device's, or without VIRTIO_F_VERSION_1 (§2.2, §6.1) */
  | 'FeaturesRejected'
  /** store to a read-only or unknown register, or a register write log entry out of order */
  | 'InvalidRegisterWrite'
  /** a device-writable buffer on a driver-to-device queue (transmitq) or a readable one on
   *  receiveq (virtio 1.2 §5.3.6: transmitq buffers are device-readable, receiveq device-writable) */
  | 'InvalidBufferDirection'
  /** the register write log claims more pending entries than it holds (docs/spec-profile.md) */
  | 'WriteLogOverflow'

export type ErrValues = Record<string, number | string>

export class VirtioError extends Error {
  override readonly name = 'VirtioError'
  constructor(
    readonly code: VirtioErrorCode,
    message: string,
    readonly values: ErrValues = {}
  ) {
    super(`${code}: ${message}`)
  }
  /** plain JSON form (for traces and IPC) */
  toJSON(): { code: VirtioErrorCode; message: string; values: ErrValues } {
    return { code: this.code, message: this.message, values: this.values }
  }
}

export type Result<T, E = VirtioError> = { ok: true; value: T } | { ok: false; error: E }

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value }
}

export function err(code: VirtioErrorCode, message: string, values: ErrValues = {}): { ok: false; error: VirtioError } {
  return { ok: false, error: new VirtioError(code, message, values) }
}
