// Timing and ordering details of the driver that the real code has (issue #8 item 4):
// its IPM thread registers its signal only when it first runs; the printk hook returns before
// k_sleep when virtio-serial is not ready (no pacing); the non-HVL path; the probe's failure order.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { PRINTK_CHAR_NS, DRIVER_BOOT_NS } from '../../src/profiles/seed/driver_consts'
import { HVL_HEAP_OFF, HEAP_LEN } from '../../src/profiles/seed/regions'
import { MS, S, lines, scenario } from '../helpers'
import type { TraceEvent } from '../../src/shared/contract'
import type { Peer } from '../../src/ivshmem/fabric'

const R = { Version: 4, DeviceID: 8, InterruptStatus: 0x60, InterruptACK: 0x64, Status: 0x70, SHMLenLow: 0xb0 }

function run(order: 'device-first' | 'driver-only', until: number, before?: (s: LabSession) => void): { s: LabSession; ev: TraceEvent[] } {
  const s = new LabSession(scenario({ order }), { trace: { keep: 2_000_000 } })
  before?.(s)
  s.run(until)
  return { s, ev: s.trace.slice(0, s.trace.n) }
}
const driverCallbacks = (ev: TraceEvent[]) => ev.filter((e) => e.k === 'callback' && e.side === 'driver')

describe('driver timing and ordering', () => {
  it('a doorbell before the driver IPM thread first ran (main still in its 4 s HVL wait) is lost', () => {
    const { s, ev } = run('device-first', 10 * S, (s) => {
      let third: Peer | null = null
      s.fabric.connect(null, (p) => (third = p)) // synchronous on the emulated fabric
      s.sched.at(3 * S, () => {
        s.shm.w32(R.InterruptStatus, 1)
        s.fabric.doorbell(third!, (s.slots.driver.guest!.peer!.id << 16) | 0)
      })
    })
    const cb = driverCallbacks(ev)
    expect(cb[0]).toMatchObject({ t: 3 * S + s.cfg.latency, op: 'ignored' })
    expect(cb[0]!.reason).toMatch(/IPM thread has not run yet/)
    // the thread first runs when main() first sleeps, after the first byte (uptime 8010 ms)
    const reg = cb.find((e) => e.op === 'signal-registered')!
    expect(reg.t).toBe(ev.filter((e) => e.k === 'desc-add')[0]!.t)
    expect(reg.t).toBeGreaterThan(3 * S)
    // so no InterruptACK store by the driver at 3 s
    expect(ev.some((e) => e.k === 'store' && e.side === 'driver' && e.off === R.InterruptACK && e.t < reg.t)).toBe(false)
  })

  it('not ready (no device): the printk loop spins without k_sleep; the IPM thread never runs', () => {
    const { s, ev } = run('driver-only', 5 * S)
    const d = s.slots.driver.driver!.view
    expect(d.failure).toBe('bad-magic')
    expect(driverCallbacks(ev).filter((e) => e.op === 'signal-registered')).toEqual([])
    // every char costs PRINTK_CHAR_NS of CPU and nothing else (the lab counts a 100 ms slice of
    // the loop when it starts): (5 s - boot) / 1 us bytes, plus at most one slice
    const cpu = 5 * S - DRIVER_BOOT_NS
    expect(d.txDropped).toBeGreaterThanOrEqual(cpu / PRINTK_CHAR_NS)
    expect(d.txDropped).toBeLessThanOrEqual((cpu + 100 * MS) / PRINTK_CHAR_NS + 100)
  })

  it('SHM registers zero (not HVL): no doorbells, no heaps, Status/GuestPageSize stored, then the vring k_heap faults', () => {
    const { s, ev } = run('device-first', 3 * S, (s) => s.sched.at(500 * MS, () => s.shm.w32(R.SHMLenLow, 0)))
    expect(ev.filter((e) => e.k === 'doorbell' && e.side === 'driver')).toEqual([])
    const stores = ev.filter((e) => e.k === 'store' && e.side === 'driver').map((e) => [e.off, e.new])
    expect(stores).toEqual([
      [R.Status, '0x00000001'],
      [0x28, '0x00001000']
    ])
    expect(s.shm.read(HVL_HEAP_OFF, 2 * HEAP_LEN).every((b) => b === 0)).toBe(true)
    const drv = s.slots.driver
    expect(drv.driver!.view.failure).toBe('fault')
    expect(drv.guest!.state).toBe('failed')
    expect(lines(s.consoleText('driver')).filter((l) => l.startsWith('metal: error'))).toEqual([])
  })

  it('probe: DeviceID is read before Version is checked; DeviceID 0 fails silently', () => {
    const { s } = run('device-first', 2 * S, (s) =>
      s.sched.at(500 * MS, () => {
        s.shm.w32(R.Version, 2)
        s.shm.w32(R.DeviceID, 0)
      })
    )
    expect(s.slots.driver.driver!.view.failure).toBe('no-device')
    expect(s.consoleText('driver')).not.toContain('metal: error')
  })

  it('probe: a bad Version logs the real text', () => {
    const { s } = run('device-first', 2 * S, (s) => s.sched.at(500 * MS, () => s.shm.w32(R.Version, 2)))
    expect(lines(s.consoleText('driver'))).toContain('[lab] metal: error: Bad version 00000002')
  })

  it('serial init: a DeviceID other than the console fails with the real text, after the two virtqueues were allocated', () => {
    const { s, ev } = run('device-first', 3 * S, (s) => s.sched.at(500 * MS, () => s.shm.w32(R.DeviceID, 1)))
    expect(lines(s.consoleText('driver'))).toContain('[lab] metal: error: Expected devid 0003, got 0001')
    expect(s.slots.driver.driver!.view.failure).toBe('not-console')
    // only the probe's Status = ACK went out: no DRIVER, no queue setup
    expect(ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.off === R.Status).map((e) => e.new)).toEqual(['0x00000001'])
  })
})
