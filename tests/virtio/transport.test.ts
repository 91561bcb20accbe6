// virtio-mmio version 2 device transport, per virtio 1.2 §4.2.2 (registers), §4.2.3 (driver
// requirements), §3.1.1 (initialization order), §2.1.2 (DEVICE_NEEDS_RESET), §5.3.4 (console config).
import { describe, expect, it } from 'vitest'
import { Shm } from '../../src/sim/shm'
import { MmioTransport, F, bit, CONSOLE_CFG } from '../../src/virtio/transport'
import { INT, REG, STATUS, VIRTIO_MMIO_MAGIC } from '../../src/virtio/mmio'
import { VirtioError, type Result } from '../../src/virtio/errors'

const BASE = 0xafa00000
const FEATS = bit(F.VERSION_1) | bit(F.CONSOLE_SIZE) | bit(F.RING_EVENT_IDX)
const code = <T>(r: Result<T>) => (r.ok ? 'ok' : r.error.code)
const { ACKNOWLEDGE: A, DRIVER: D, FEATURES_OK: FO, DRIVER_OK: DO } = STATUS

function mk() {
  const shm = new Shm(0x10000)
  const t = new MmioTransport(
    { deviceId: 3, vendorId: 0x554d4551, features: FEATS, queueMax: [64, 32], shmSize: shm.size, driverBase: BASE },
    { w32: (o, v) => shm.w32(o, v), w16: (o, v) => shm.w16(o, v) }
  )
  t.reset()
  return { shm, t }
}
function toFeaturesOk(t: MmioTransport, feats = bit(F.VERSION_1)) {
  t.write(REG.Status, A)
  t.write(REG.Status, A | D)
  t.write(REG.DriverFeaturesSel, 0)
  t.write(REG.DriverFeatures, Number(feats & 0xffffffffn))
  t.write(REG.DriverFeaturesSel, 1)
  t.write(REG.DriverFeatures, Number(feats >> 32n))
  return t.write(REG.Status, A | D | FO)
}
function setupQueue(t: MmioTransport, q: number, off: number, num = 8) {
  t.write(REG.QueueSel, q)
  t.write(REG.QueueNum, num)
  t.write(REG.QueueDescLow, BASE + off)
  t.write(REG.QueueDriverLow, BASE + off + 0x100)
  t.write(REG.QueueDeviceLow, BASE + off + 0x200)
  return t.write(REG.QueueReady, 1)
}

describe('registers (§4.2.2)', () => {
  it('publishes magic, version 2, device id, features by DeviceFeaturesSel, QueueNumMax by QueueSel', () => {
    const { shm, t } = mk()
    expect([shm.r32(REG.MagicValue), shm.r32(REG.Version), shm.r32(REG.DeviceID)]).toEqual([VIRTIO_MMIO_MAGIC, 2, 3])
    expect(shm.r32(REG.DeviceFeatures)).toBe(Number(FEATS & 0xffffffffn))
    t.write(REG.DeviceFeaturesSel, 1)
    expect(shm.r32(REG.DeviceFeatures)).toBe(1) // VERSION_1 is bit 32
    t.write(REG.QueueSel, 1)
    expect(shm.r32(REG.QueueNumMax)).toBe(32)
    t.write(REG.QueueSel, 2)
    expect(shm.r32(REG.QueueNumMax)).toBe(0) // not available
    expect(shm.r16(REG.Config + CONSOLE_CFG.cols)).toBe(80)
  })
  it('stores to read-only or unknown registers are refused with InvalidRegisterWrite', () => {
    const { t } = mk()
    expect(code(t.write(REG.MagicValue, 0))).toBe('InvalidRegisterWrite')
    expect(code(t.write(REG.QueuePFN, 1))).toBe('InvalidRegisterWrite') // legacy only
    expect(code(t.write(0x1f0, 1))).toBe('InvalidRegisterWrite')
  })
})

describe('initialization order (§3.1.1) and status (§2.1)', () => {
  it('ACKNOWLEDGE -> DRIVER -> FEATURES_OK -> DRIVER_OK', () => {
    const { shm, t } = mk()
    expect(toFeaturesOk(t)).toEqual({ ok: true, value: { k: 'features-ok', features: bit(F.VERSION_1) } })
    expect(shm.r32(REG.Status)).toBe(A | D | FO)
    expect(code(setupQueue(t, 0, 0x1000))).toBe('ok')
    expect(t.write(REG.Status, A | D | FO | DO)).toEqual({ ok: true, value: { k: 'status', from: A | D | FO, to: A | D | FO | DO } })
    expect(t.driverOk).toBe(true)
  })
  for (const [from, to, why] of [
    [0, D, 'DRIVER before ACKNOWLEDGE'],
    [A, A | FO, 'FEATURES_OK before DRIVER'],
    [A | D, A | D | DO, 'DRIVER_OK before FEATURES_OK'],
    [A | D, A, 'clearing a bit without reset'],
    [A, A | 0x20, 'unknown bit']
  ] as const)
    it(`refuses ${why}: InvalidStatusTransition, Status unchanged`, () => {
      const { shm, t } = mk()
      if (from) {
        t.write(REG.Status, A)
        if (from & D) t.write(REG.Status, A | D)
      }
      expect(code(t.write(REG.Status, to))).toBe('InvalidStatusTransition')
      expect(shm.r32(REG.Status)).toBe(from)
    })
  it('FEATURES_OK does not stick for unoffered features or without VERSION_1 (§3.1.1 step 6)', () => {
    const a = mk()
    expect(code(toFeaturesOk(a.t, bit(F.VERSION_1) | bit(F.RING_INDIRECT_DESC)))).toBe('FeaturesRejected')
    expect(a.shm.r32(REG.Status)).toBe(A | D)
    const b = mk()
    expect(code(toFeaturesOk(b.t, bit(F.CONSOLE_SIZE)))).toBe('FeaturesRejected')
    expect(b.shm.r32(REG.Status) & FO).toBe(0)
  })
  it('DriverFeatures after FEATURES_OK and queue registers before it are refused', () => {
    const { t } = mk()
    expect(code(setupQueue(t, 0, 0x1000))).toBe('InvalidRegisterWrite')
    toFeaturesOk(t)
    expect(code(t.write(REG.DriverFeatures, 0))).toBe('InvalidRegisterWrite')
  })
  it('Status 0 resets the device: queues, features, interrupt status (§4.2.3.1.1)', () => {
    const { shm, t } = mk()
    toFeaturesOk(t, FEATS)
    setupQueue(t, 0, 0x1000)
    t.write(REG.Status, A | D | FO | DO)
    t.raise(INT.VRING)
    expect(t.write(REG.Status, 0)).toEqual({ ok: true, value: { k: 'reset' } })
    expect([t.status, t.driverFeatures, t.interruptStatus, t.queues[0]!.ready]).toEqual([0, 0n, 0, false])
    expect([shm.r32(REG.Status), shm.r32(REG.InterruptStatus)]).toEqual([0, 0])
  })
})

describe('queues (§4.2.3.2) and notifications', () => {
  it('QueueNum above QueueNumMax, a bad ring, a queue index out of range are refused', () => {
    const { t } = mk()
    toFeaturesOk(t)
    t.write(REG.QueueSel, 1)
    expect(code(t.write(REG.QueueNum, 64))).toBe('InvalidQueueSize')
    t.write(REG.QueueSel, 5)
    expect(code(t.write(REG.QueueNum, 8))).toBe('QueueIndexOutOfRange')
    expect(code(setupQueue(t, 0, 0xff00))).toBe('RingOutOfBounds')
  })
  it('EVENT_IDX / INDIRECT_DESC reach the queue only when negotiated', () => {
    const { t } = mk()
    toFeaturesOk(t, bit(F.VERSION_1) | bit(F.RING_EVENT_IDX))
    setupQueue(t, 0, 0x1000)
    expect([t.queues[0]!.eventIdx, t.queues[0]!.indirect]).toEqual([true, false])
  })
  it('QueueNotify names the queue; an index out of range sets NEEDS_RESET with a config interrupt (§2.1.2)', () => {
    const { shm, t } = mk()
    toFeaturesOk(t)
    setupQueue(t, 1, 0x2000)
    t.write(REG.Status, A | D | FO | DO)
    expect(t.write(REG.QueueNotify, 1)).toEqual({ ok: true, value: { k: 'notify', queue: 1 } })
    expect(code(t.write(REG.QueueNotify, 7))).toBe('QueueIndexOutOfRange')
    expect(shm.r32(REG.Status) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET)
    expect(shm.r32(REG.InterruptStatus) & INT.CONFIG).toBe(INT.CONFIG)
    expect(t.driverOk).toBe(false)
    // the driver may keep writing status bits; NEEDS_RESET stays until reset
    t.write(REG.InterruptACK, INT.CONFIG)
    expect(shm.r32(REG.InterruptStatus)).toBe(0)
    t.write(REG.Status, 0)
    expect(t.failure).toBeNull()
  })
  it('fail() keeps the first error', () => {
    const { t } = mk()
    t.fail(new VirtioError('ZeroLengthBuffer', 'x'))
    t.fail(new VirtioError('MisalignedRing', 'y'))
    expect(t.failure?.code).toBe('ZeroLengthBuffer')
  })
})

describe('console config (§5.3.4, §5.3.6)', () => {
  it('resize bumps ConfigGeneration and interrupts only with VIRTIO_CONSOLE_F_SIZE after DRIVER_OK', () => {
    const { shm, t } = mk()
    expect(t.resize(100, 30)).toBe(false)
    expect([shm.r16(REG.Config + CONSOLE_CFG.cols), shm.r16(REG.Config + CONSOLE_CFG.rows), shm.r32(REG.ConfigGeneration)]).toEqual([100, 30, 1])
    toFeaturesOk(t, bit(F.VERSION_1) | bit(F.CONSOLE_SIZE))
    t.write(REG.Status, A | D | FO | DO)
    expect(t.resize(120, 40)).toBe(true)
    expect(shm.r32(REG.InterruptStatus)).toBe(INT.CONFIG)
  })
  it('emerg_wr needs VIRTIO_CONSOLE_F_EMERG_WRITE', () => {
    const { t } = mk()
    expect(code(t.write(REG.Config + CONSOLE_CFG.emergWr, 0x41))).toBe('InvalidRegisterWrite')
  })
})
