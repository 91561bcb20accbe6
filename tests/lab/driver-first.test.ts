// Starting the driver first fails, in the two ways of docs/wire-protocol.md#driver-first (and #start-order).
import { describe, expect, it } from 'vitest'
import { explain } from '../../src/lab/explain'
import { S, runLab } from '../helpers'

describe('driver-first on fresh shared memory', () => {
  const { s, ev } = runLab({ order: 'driver-first', shmState: 'fresh' }, 20 * S)

  it('the driver probe reads MagicValue 0 and stops with "Bad magic value 00000000"', () => {
    expect(s.consoleText('driver')).toContain('Bad magic value 00000000')
    expect(s.slots.driver.guest!.state).toBe('failed')
    // it never stored a register: no Status write, no doorbell
    expect(ev.filter((e) => e.k === 'store' && e.side === 'driver' && (e.off as number) < 0x200)).toEqual([])
    expect(ev.filter((e) => e.k === 'doorbell')).toEqual([])
  })

  it('no Hello line reaches the device, and the lab says why', () => {
    expect(s.consoleText('device')).not.toContain('Hello World')
    const why = explain(s).join('\n')
    expect(why).toContain('driver (instance_2) is ivshmem peer 0 and rings peer 65535')
    expect(why).toContain('device (instance_1) is ivshmem peer 1 and rings peer 2')
    expect(why).toContain('MagicValue read 0x00000000')
    expect(why).toContain('No Hello line reached the device.')
  })
})

describe('driver-first with registers left over in shm', () => {
  const { s, ev } = runLab({ order: 'driver-first', shmState: 'leftover' }, 20 * S)

  it('the driver gets past the probe, its doorbells to peer 65535 are dropped, and queue setup fails after the 4 s wait', () => {
    const drv = s.consoleText('driver')
    expect(drv).not.toContain('Bad magic')
    expect(drv).toContain('HVL mode: configuration failed')
    const rang = ev.filter((e) => e.k === 'doorbell' && e.side === 'driver')
    expect(rang.length).toBeGreaterThan(0)
    for (const d of rang) expect(d).toMatchObject({ from: 0, to: 0xffff, vector: 0, outcome: 'dropped', reason: 'no peer 65535' })
    const failedAt = ev.find((e) => e.k === 'guest' && e.side === 'driver' && e.state === 'failed')!
    const pfn = ev.find((e) => e.k === 'store' && e.side === 'driver' && e.name === 'QueuePFN')!
    expect(failedAt.t - pfn.t).toBe(4 * S) // one check, one 4 s busy-wait, one check (docs/wire-protocol.md#pfn-ack)
  })

  it('the device booting later wipes the driver rings (Q26) and no Hello line reaches it', () => {
    const wipe = ev.find((e) => e.k === 'memset' && e.side === 'device')!
    expect(wipe).toMatchObject({ off: 0, len: 4 * 1024 * 1024, value: 0 })
    expect(s.consoleText('device')).not.toContain('Hello World')
    const why = explain(s).join('\n')
    expect(why).toContain('rang peer 65535 4× — all dropped by the hardware: no peer 65535')
    expect(why).toContain('HVL mode: configuration failed')
  })
})

describe('one side only, and restarts', () => {
  it('device-only: the dump, then silence; nobody rang anybody', () => {
    const { s, ev } = runLab({ order: 'device-only' }, 10 * S)
    expect(s.consoleText('device')).toContain('VIRTIO_MMIO_DEVICE_ID: 0x3')
    expect(s.consoleText('device')).not.toContain('Dump of incoming Vring')
    expect(ev.some((e) => e.k === 'doorbell')).toBe(false)
    expect(s.slots.driver.guest).toBeNull()
  })

  it('driver-only: Bad magic value', () => {
    const { s } = runLab({ order: 'driver-only' }, 10 * S)
    expect(s.consoleText('driver')).toContain('Bad magic value 00000000')
  })

  it('restarting the driver gives it the next id (not the free one) and breaks adjacency', () => {
    const { s } = runLab({ order: 'device-first', restarts: [{ side: 'driver', at: 12 * S }] }, 30 * S)
    expect(s.slots.driver.ids).toEqual([1, 2])
    const text = s.consoleText('device')
    const hello = text.split('Hello World').length - 1
    expect(hello).toBeGreaterThanOrEqual(1)
    expect(s.consoleText('driver')).toContain('HVL mode: configuration failed')
    const why = explain(s).join('\n')
    expect(why).toContain('Peer ids are not adjacent (device 0, driver 2)')
    // nothing after the restart reached the device: line count frozen from 12 s on
    const { s: s2 } = runLab({ order: 'device-first', restarts: [{ side: 'driver', at: 12 * S }] }, 13 * S)
    expect(s2.consoleText('device')).toBe(text)
  })

  it('restarting the device: it gets id 2 and wipes shm; the driver keeps ringing peer 0 (gone)', () => {
    const { s, ev } = runLab({ order: 'device-first', restarts: [{ side: 'device', at: 12 * S }] }, 16 * S)
    expect(s.slots.device.ids).toEqual([0, 2])
    const late = ev.filter((e) => e.k === 'doorbell' && e.side === 'driver' && e.t > 12 * S + 20_000)
    expect(late.length).toBeGreaterThan(0)
    expect(late.every((e) => e.outcome === 'dropped' && e.to === 0)).toBe(true)
  })
})

describe('explanation of a healthy run', () => {
  it('counts complete lines and says when one is on its way', () => {
    const partial = runLab({}, 9.7 * S).s
    expect(explain(partial).at(-1)).toBe('The first Hello line is arriving at the device, one byte every 20 ms (docs/wire-protocol.md#timing).')
    const two = runLab({}, 12.3 * S).s
    expect(explain(two).at(-1)).toBe('2 Hello lines reached the device, and the next is arriving (20 ms per byte).')
  })
})

describe('BAR2 mapped at different VAs in the two guests (docs/wire-protocol.md#addresses, Q11)', () => {
  it('equal non-default bases work: every published address follows the base', () => {
    const { s, ev } = runLab({ driverBase: 0x80000000, deviceBase: 0x80000000 }, 12 * S)
    const pfn = ev.filter((e) => e.k === 'store' && e.name === 'QueuePFN' && e.side === 'driver').map((e) => e.new)
    expect(pfn).toEqual(['0x00080101', '0x00080103'])
    expect(s.consoleText('device')).toContain('vring descriptor: 0x80101000:')
    expect(s.consoleText('device')).toContain('VIRTIO_MMIO Device Base address: 0x80000000')
    expect(s.shm.r32(0xb8)).toBe(0x80000000) // SHMBaseLow = the device's own base
    expect(s.helloLines).toBe(1) // [8010] done at 10.65 s; [9650] ends at 12.29 s
  })

  it('different bases: the device reads the rings at the wrong place, the driver fills its ring and goes silent', () => {
    const { s, ev } = runLab({ driverBase: 0xafa01000 }, 12 * S)
    const dev = s.consoleText('device')
    expect(dev).toContain('vring descriptor: 0xafb02000:') // the driver's ring 0 is at 0xafb02000 in ITS space
    expect(dev.split('Invalid descriptor! ').length - 1).toBe(4)
    expect(dev).not.toContain('Hello World')
    expect(ev.filter((e) => e.k === 'desc-add')).toHaveLength(4) // then the ring is full (Q16)
    const why = explain(s).join('\n')
    expect(why).toContain('driver 0xafa01000, device 0xafa00000')
    expect(why).toContain('0x1000 bytes too high')
    expect(why).toMatch(/The driver dropped \d+ bytes: its transmitq stayed full/)
  })

  it('bases must be non-zero, 4 KiB aligned and keep the shm below 2^48', async () => {
    const { resolveScenario } = await import('../../src/lab/config')
    for (const bad of [0, 0xafa00800, 2 ** 48 - 4096])
      expect(resolveScenario({ deviceBase: bad })).toMatchObject({ ok: false, errors: [{ field: 'deviceBase' }] })
  })
})
