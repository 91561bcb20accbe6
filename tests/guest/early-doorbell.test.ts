// A doorbell that reaches the device while it is still booting (k_busy_wait before main, then
// main itself) is lost, as in C: the IPM thread registers its k_poll_signal only when it first
// runs (ipm_ivshmem.c), which is after main() returns. Later doorbells must be served: the guest
// must not stay deaf (the IPM thread stuck in the ready queue after main finished).
import { describe, expect, it } from 'vitest'
import { ZephyrGuest } from '../../src/guest/zephyr'
import { EmulatedFabric } from '../../src/ivshmem/emulated'
import { Shm } from '../../src/sim/shm'
import { Scheduler } from '../../src/sim/sched'
import { Trace } from '../../src/sim/trace'
import { DeviceSide, DEVICE_BOOT_NS } from '../../src/profiles/seed/device_side'
import { REG } from '../../src/virtio/mmio'
import { MS } from '../helpers'

function deviceWithThirdPeer() {
  const sched = new Scheduler()
  const trace = new Trace({ keep: 100_000 })
  trace.now = () => sched.now
  const shm = new Shm(4 << 20)
  const fabric = new EmulatedFabric({ shm, vectors: 2, latency: 1000, clock: sched, trace })
  const hooks = { regStore: () => {}, console: () => {}, state: () => {}, memsetUndo: () => {}, joined: () => {} }
  const g = new ZephyrGuest('device', 'instance_1', fabric, trace, hooks, 0xafa00000)
  const fw = new DeviceSide(g)
  g.boot(() => fw.main())
  const third = fabric.join(null)
  /** the third peer stores an interrupt ack and rings the device, as the driver's ISR would */
  const ackAt = (t: number) =>
    sched.at(t, () => {
      shm.w32(REG.InterruptACK, 1)
      fabric.doorbell(third, (g.peer!.id << 16) | 0)
    })
  return { sched, shm, trace, ackAt }
}

describe('doorbells during the device boot', () => {
  it('an early doorbell is lost; later ones are served (InterruptACK cleared each time)', () => {
    const { sched, shm, trace, ackAt } = deviceWithThirdPeer()
    ackAt(1 * MS) // inside the boot busy-wait
    expect(DEVICE_BOOT_NS).toBeGreaterThan(2 * MS)
    sched.runUntil(40 * MS)
    expect(shm.r32(REG.InterruptACK)).toBe(0) // the boot memset, not a callback
    ackAt(50 * MS)
    sched.runUntil(60 * MS)
    expect(shm.r32(REG.InterruptACK)).toBe(0)
    ackAt(70 * MS)
    sched.runUntil(71 * MS)
    expect(shm.r32(REG.InterruptACK)).toBe(0)
    const cb = trace.slice(0, trace.n).filter((e) => e.k === 'callback')
    const lost = cb.filter((e) => e.op === 'ignored')
    expect(lost).toHaveLength(1)
    expect(lost[0]!.t).toBe(1 * MS + 1000)
    expect(lost[0]!.reason).toMatch(/no k_poll_signal registered/)
    expect(cb.filter((e) => e.op === 'ipm').map((e) => e.t)).toEqual([50 * MS + 1000, 70 * MS + 1000])
  })
})
