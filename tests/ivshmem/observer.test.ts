import { describe, expect, it } from 'vitest'
import { ObservedFabric, ShmObserver, type WatchedRegion } from '../../src/ivshmem/observer'
import { EmulatedFabric } from '../../src/ivshmem/emulated'
import { Scheduler } from '../../src/sim/sched'
import { Shm } from '../../src/sim/shm'
import { Trace } from '../../src/sim/trace'

function setup(regions: WatchedRegion[]) {
  const shm = new Shm(1 << 16)
  const trace = new Trace({ keep: 1000 })
  const seen: [number, number][] = []
  const obs = new ShmObserver(shm, { remote: 'device', trace, regions: () => regions, onStore: (off, _w, ev) => seen.push([off, ev]) })
  const stores = () => trace.slice(0, trace.n).map((e) => [e.side, e.off, e.w, e.old, e.new])
  return { shm, trace, obs, seen, stores }
}

describe('ShmObserver', () => {
  it('reports each changed 32-bit word of a watched region as a remote store, once', () => {
    const { shm, obs, seen, stores } = setup([{ off: 0x10, len: 0x10 }])
    shm.w8(0x12, 0xab) // remote, inside
    shm.w32(0x40, 7) // remote, outside: never seen
    shm.w16(0x1e, 0xbeef) // remote, last word
    expect(obs.sync()).toBe(2)
    expect(stores()).toEqual([
      ['device', 0x10, 4, '0x00000000', '0x00ab0000'],
      ['device', 0x1c, 4, '0x00000000', '0xbeef0000']
    ])
    expect(seen).toEqual([
      [0x10, 0],
      [0x1c, 1]
    ])
    expect(obs.sync()).toBe(0)
  })

  it('local stores through the observed fabric are not reported; a remote value about to be overwritten is', () => {
    const { shm, trace, obs, stores } = setup([{ off: 0, len: 0x20 }])
    const fab = new ObservedFabric(new EmulatedFabric({ shm, vectors: 2, latency: 10, clock: new Scheduler(), trace }), obs)
    fab.shm.w32(0x4, 0x11111111) // ours
    shm.w32(0x8, 0x22222222) // theirs...
    fab.shm.w32(0x8, 0x33333333) // ...overwritten by ours before any sync
    fab.shm.fill(0x10, 4, 0xff) // ours
    expect(obs.sync()).toBe(0)
    expect(stores().filter((s) => s[0] === 'device')).toEqual([['device', 0x8, 4, '0x00000000', '0x22222222']])
    expect(fab.shm.r32(0x8)).toBe(0x33333333)
  })

  it('syncs before a local doorbell and before the local interrupt handler runs', () => {
    const shm = new Shm(1 << 16)
    const sched = new Scheduler()
    const trace = new Trace({ keep: 1000 })
    trace.now = () => sched.now
    const obs = new ShmObserver(shm, { remote: 'device', trace, regions: () => [{ off: 0, len: 0x200 }] })
    const inner = new EmulatedFabric({ shm, vectors: 2, latency: 10, clock: sched, trace })
    const fab = new ObservedFabric(inner, obs)
    const remote = inner.join('device')
    let local = null as unknown as import('../../src/ivshmem/fabric').Peer
    fab.connect('driver', (p) => (local = p))
    const kinds: string[] = []
    local.onInterrupt = () => kinds.push(`irq after ${obs.stores} stores`)
    shm.w32(0x70, 1) // remote stores Status, rings us
    inner.doorbell(remote, local.id << 16)
    sched.runUntil(100)
    expect(kinds).toEqual(['irq after 1 stores'])
    shm.w32(0x74, 2)
    fab.doorbell(local, remote.id << 16)
    expect(trace.slice(0, trace.n).map((e) => e.k).slice(-2)).toEqual(['store', 'doorbell'])
    expect(local.connected).toBe(true)
    fab.disconnect(local)
    expect(local.connected).toBe(false)
  })

  it('a region that appears later starts from shm as it is then; unaligned regions are widened', () => {
    const regions: WatchedRegion[] = []
    const { shm, obs, stores } = setup(regions)
    shm.w32(0x100, 5)
    regions.push({ off: 0x101, len: 2 })
    expect(obs.sync()).toBe(0) // baseline, nothing reported
    shm.w8(0x103, 9) // outside [0x101, 0x103) but inside the widened word
    expect(obs.sync()).toBe(1)
    expect(stores()).toEqual([['device', 0x100, 4, '0x00000005', '0x09000005']])
  })
})
