// Guest CPU time (issue #8 item 5, docs/wire-protocol.md#cpu-time): cpuScale 0 keeps the
// zero-time model; above it the driver's doorbell and check take time, so the device's QueuePFN
// ack (0xaabbaabb) can land before the driver's first re-read and the 4 s HVL wait is skipped.
import { describe, expect, it } from 'vitest'
import { BOUNCE_ADD_NS, VQ_CREATE_NS, CpuMeter, IPM_SEND_NS, IRQ_TO_CALLBACK_NS, SHM_ACCESS_NS } from '../../src/guest/cpu'
import { HVL_WAIT_NS } from '../../src/profiles/seed/driver_side_demo'
import type { TraceEvent } from '../../src/shared/contract'
import { S, runLab } from '../helpers'

const QueuePFN = 0x40
const ACK = '0xaabbaabb'
const DriverFeaturesSel = 0x24

const waits = (ev: TraceEvent[]) => ev.filter((e) => e.k === 'console' && e.side === 'driver' && /QueuePFN not acknowledged yet/.test(String(e.data)))
const ackStores = (ev: TraceEvent[]) => ev.filter((e) => e.k === 'store' && e.side === 'device' && e.off === QueuePFN && e.new === ACK)
const driverOkAt = (ev: TraceEvent[]) => ev.find((e) => e.k === 'store' && e.side === 'driver' && e.off === 0x70 && e.new === '0x00000004')?.t
const driverCpuEvents = (ev: TraceEvent[]) => ev.filter((e) => e.k === 'guest' && e.side === 'driver' && e.op === 'cpu')

describe('CpuMeter', () => {
  it('charges nothing at scale 0 and scales every cost', () => {
    const z = new CpuMeter(0)
    z.access(1000)
    z.block('ipm-send')
    expect(z.take()).toBe(0)
    const m = new CpuMeter(2.5)
    m.access(3)
    m.block('irq-to-callback')
    expect(m.take()).toBe(Math.round(2.5 * (3 * SHM_ACCESS_NS + IRQ_TO_CALLBACK_NS)))
    expect(m.take()).toBe(0) // paid
  })
  it('refuses a negative or non-finite scale', () => {
    expect(() => new CpuMeter(-1)).toThrow(/cpuScale must be a number >= 0/)
    expect(() => new CpuMeter(NaN)).toThrow(/cpuScale/)
  })
})

describe('guest CPU time in the lab', () => {
  it('cpuScale 0: no CPU-time events, both queues wait the 4 s (the golden timing)', () => {
    const { ev } = runLab({ cpuScale: 0 }, 12 * S)
    expect(ev.filter((e) => e.k === 'guest' && e.op === 'cpu')).toEqual([])
    expect(waits(ev)).toHaveLength(2)
  })

  it('cpuScale 1 (calibrated): the ack still lands after the first re-read, so the driver waits', () => {
    const { ev } = runLab({ cpuScale: 1 }, 12 * S)
    expect(waits(ev)).toHaveLength(2)
    // the doorbell's cost (IPM_SEND_NS) is shorter than latency + interrupt entry
    expect(IPM_SEND_NS).toBeLessThan(20_000 + IRQ_TO_CALLBACK_NS)
    expect(driverCpuEvents(ev).length).toBeGreaterThan(0)
  })

  it('early ack: a slow CPU (cpuScale 20) reads QueuePFN after the device acked it: no 4 s wait', () => {
    const slow = runLab({ cpuScale: 20 }, 12 * S)
    const base = runLab({ cpuScale: 0 }, 12 * S)
    expect(waits(slow.ev)).toEqual([])
    const acks = ackStores(slow.ev)
    expect(acks).toHaveLength(2)
    // the driver's re-read of each queue happens at the end of its paid doorbell cost, after the ack
    const db = slow.ev.filter((e) => e.k === 'doorbell' && e.side === 'driver')
    const acked = slow.ev.filter((e) => e.k === 'console' && e.side === 'driver' && /configuration acknowledged/.test(String(e.data)))
    expect(acked).toHaveLength(2)
    acks.forEach((a, q) => {
      // the doorbell that announced this queue's QueuePFN store
      const pfnStore = slow.ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.off === QueuePFN && e.t <= a.t).at(-1)!
      const ring = db.find((d) => d.t >= pfnStore.t)!
      expect(a.t).toBe(ring.t + slow.s.cfg.latency + 20 * IRQ_TO_CALLBACK_NS)
      // the driver's check (its log line) comes after the doorbell's cost, past the ack
      expect(acked[q]!.t).toBe(ring.t + 20 * IPM_SEND_NS)
      expect(acked[q]!.t).toBeGreaterThan(a.t)
    })
    expect(slow.s.slots.driver.driver!.view.failure).toBeNull()
    // DRIVER_OK comes two HVL waits earlier than in the zero-time model
    expect(driverOkAt(base.ev)! - driverOkAt(slow.ev)!).toBeGreaterThan(2 * HVL_WAIT_NS - 1 * S)
    expect(slow.s.slots.device.guest!.state).toBe('ready')
  })

  it('early ack with no doorbell latency at the calibrated scale', () => {
    const { ev } = runLab({ cpuScale: 1, latency: 0 }, 12 * S)
    expect(waits(ev)).toEqual([])
  })

  it('intermediate states: queue 1 ring stores precede DriverFeaturesSel = 1 by the ring init time', () => {
    const { ev } = runLab({ cpuScale: 1 }, 12 * S)
    const sel1 = ev.find((e) => e.k === 'store' && e.side === 'driver' && e.off === DriverFeaturesSel && e.new === '0x00000001')!
    // the last ring/struct store the driver made before it, in trace order
    const before = ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.i < sel1.i && (e.off as number) >= 0x200).at(-1)!
    expect(sel1.t - before.t).toBeGreaterThanOrEqual(VQ_CREATE_NS)
  })

  it('intermediate state: desc.addr reads all-ones (METAL_BAD_PHYS) for the bounce-buffer time', () => {
    const at = (sc: number) => runLab({ cpuScale: sc }, 10 * S).ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.off === 0x103000).slice(0, 2)
    const zero = at(0)
    expect(zero.map((e) => e.new)).toEqual(['0xffffffffffffffff', '0x00000000afa80858'])
    expect(zero[1]!.t).toBe(zero[0]!.t) // one instant: nobody can see it
    const one = at(1)
    expect(one.map((e) => e.new)).toEqual(['0xffffffffffffffff', '0x00000000afa80858'])
    // all-ones stays for BOUNCE_ADD_NS and the accesses made since the last sync point
    expect(one[1]!.t - one[0]!.t).toBeGreaterThanOrEqual(BOUNCE_ADD_NS)
  })

  it('the race of QueuePFN with the doorbells before it: zero time acks queue 0 on the features doorbell, CPU time on its own', () => {
    const first = (sc: number) => {
      const { ev } = runLab({ cpuScale: sc }, 3 * S)
      const ack = ackStores(ev)[0]!
      const cbs = ev.filter((e) => e.k === 'callback' && e.side === 'device' && e.op === 'ipm' && e.t <= ack.t)
      const pfnDb = ev.find((e) => e.k === 'doorbell' && e.side === 'driver' && e.t >= ev.find((x) => x.k === 'store' && x.side === 'driver' && x.off === QueuePFN)!.t)!
      return { ack, cbs, pfnDb }
    }
    // zero time: the driver stored queue 0's registers at the instant of its features doorbell,
    // so the device's first callback (for the coalesced Status/features doorbells) acks it
    const z = first(0)
    expect(z.cbs).toHaveLength(1)
    expect(z.ack.t).toBe(z.cbs[0]!.t)
    // CPU time: that callback runs while the driver is still in virtqueue_create (QueuePFN 0:
    // nothing to do); the ack follows queue 0's own doorbell
    const c = first(20)
    expect(c.cbs.length).toBeGreaterThan(1)
    expect(c.cbs[0]!.t).toBeLessThan(c.pfnDb.t)
    expect(c.ack.t).toBe(c.pfnDb.t + 20_000 + 20 * IRQ_TO_CALLBACK_NS)
  })

  it('is deterministic at cpuScale 1', () => {
    const a = runLab({ cpuScale: 1 }, 10 * S).ev
    const b = runLab({ cpuScale: 1 }, 10 * S).ev
    expect(b).toEqual(a)
  })
})
