import { describe, expect, it } from 'vitest'
import { ZephyrGuest, TICK_NS } from '../../src/guest/zephyr'
import { EmulatedFabric } from '../../src/ivshmem/emulated'
import { Shm } from '../../src/sim/shm'
import { Scheduler } from '../../src/sim/sched'
import { Trace } from '../../src/sim/trace'
import type { GuestPlatform, Thread } from '../../src/guest/platform'

function guest(bootAt = 0) {
  const sched = new Scheduler()
  const trace = new Trace()
  const shm = new Shm(1 << 16)
  const fabric = new EmulatedFabric({ shm, vectors: 2, latency: 1000, clock: sched, trace })
  sched.runUntil(bootAt)
  const hooks = { regStore: () => {}, console: () => {}, state: () => {}, memsetUndo: () => {}, joined: () => {} }
  const g = new ZephyrGuest('driver', 'instance_2', fabric, trace, hooks, 0xafa00000)
  return { sched, g, fabric }
}

describe('Zephyr timing model (docs/wire-protocol.md#timing)', () => {
  it('k_sleep(200 us) ends at the second tick boundary; from a boundary that is 20 ms', () => {
    const { sched, g } = guest()
    const wakes: number[] = []
    g.boot(function* (p: GuestPlatform): Thread {
      yield p.k_busy_wait(8_015_000_000 % TICK_NS + 8_010_000_000) // 8015 ms after boot
      for (let i = 0; i < 3; i++) {
        yield p.k_sleep(200_000)
        wakes.push(sched.now / 1e6)
      }
    })
    sched.runUntil(9e9)
    expect(wakes).toEqual([8030, 8050, 8070])
  })

  it('k_uptime_get_32 counts whole ticks from this guest\'s own boot', () => {
    const { sched, g } = guest(3_333_000_000)
    const seen: number[] = []
    g.boot(function* (p: GuestPlatform): Thread {
      seen.push(p.k_uptime_get_32())
      yield p.k_busy_wait(19_999_999)
      seen.push(p.k_uptime_get_32())
      yield p.k_busy_wait(1)
      seen.push(p.k_uptime_get_32())
    })
    sched.runUntil(4e9)
    expect(seen).toEqual([0, 10, 20])
  })

  it('a busy-wait holds the CPU: the IPM callback runs only when main sleeps', () => {
    const { sched, g, fabric } = guest()
    const other = fabric.join('device')
    const log: string[] = []
    g.boot(function* (p: GuestPlatform): Thread {
      p.ipm_register_callback(() => log.push(`cb@${sched.now / 1e6}`))
      yield p.k_sleep(1) // lets the IPM thread run once and register its signal (ends at 20 ms)
      yield p.k_busy_wait(50_000_000)
      log.push(`main@${sched.now / 1e6}`)
      yield p.k_sleep(1)
    })
    sched.at(21_000_000, () => {
      fabric.doorbell(other, (g.peer!.id << 16) | 0) // arrives during the busy-wait
      fabric.doorbell(other, (g.peer!.id << 16) | 1) // vector 1: ipm_ivshmem ignores it
    })
    sched.runUntil(1e9)
    expect(log).toEqual(['main@70', 'cb@70'])
  })

  it('a doorbell before the IPM thread first ran is lost (no k_poll_signal registered yet)', () => {
    const { sched, g, fabric } = guest()
    const other = fabric.join('device')
    const log: string[] = []
    g.boot(function* (p: GuestPlatform): Thread {
      p.ipm_register_callback(() => log.push(`cb@${sched.now / 1e6}`))
      yield p.k_busy_wait(50_000_000)
      yield p.k_sleep(1)
      yield p.k_sleep(1)
    })
    fabric.doorbell(other, (g.peer!.id << 16) | 0) // at 1 us: main is spinning, the IPM thread never ran
    sched.at(60_000_000, () => fabric.doorbell(other, (g.peer!.id << 16) | 0))
    sched.runUntil(1e9)
    expect(log).toEqual(['cb@60.001'])
  })
})

describe('a faulting firmware thread', () => {
  it('becomes a coded error event and a failed guest, never an exception', () => {
    for (const [body, code] of [
      [(p: GuestPlatform) => p.r32(1 << 16), 'SHM_BOUNDS'], // past the end of shm
      [() => JSON.parse('{'), 'GUEST_FAULT']
    ] as const) {
      const sched = new Scheduler()
      const trace = new Trace({ keep: 100 })
      const fabric = new EmulatedFabric({ shm: new Shm(1 << 16), vectors: 2, latency: 1000, clock: sched, trace })
      const hooks = { regStore: () => {}, console: () => {}, state: () => {}, memsetUndo: () => {}, joined: () => {} }
      const g = new ZephyrGuest('device', 'instance_1', fabric, trace, hooks, 0xafa00000)
      g.boot(function* (p: GuestPlatform): Thread {
        yield p.k_busy_wait(1000)
        body(p)
      })
      sched.runUntil(1e6)
      const err = trace.slice(0, trace.n).filter((e) => e.k === 'error')
      expect(err.map((e) => [e.code, e.where])).toEqual([[code, 'main']])
      expect(g.state).toBe('failed')
    }
  })
})

describe('traced memset (#11: O(touched bytes), not O(shm))', () => {
  it('saves only the non-zero pages it overwrites', () => {
    const sched = new Scheduler()
    const trace = new Trace({ keep: 100 })
    const fabric = new EmulatedFabric({ shm: new Shm(64 << 20), vectors: 2, latency: 1000, clock: sched, trace })
    const undo: { off: number; bytes: Uint8Array }[][] = []
    const hooks = { regStore: () => {}, console: () => {}, state: () => {}, memsetUndo: (_i: number, u: (typeof undo)[0]) => void undo.push(u), joined: () => {} }
    const g = new ZephyrGuest('device', 'instance_1', fabric, trace, hooks, 0xafa00000)
    g.boot(function* (p: GuestPlatform): Thread {
      yield p.k_busy_wait(1000)
      p.memset(0, 64 << 20, 0) // fresh shm: nothing to save
      p.w32(0x100, 0x74726976)
      p.w8(33 << 20, 5)
      p.memset(0, 64 << 20, 0)
    })
    sched.runUntil(1e6)
    expect(undo.map((u) => u.map((c) => [c.off, c.bytes.length]))).toEqual([
      [],
      [
        [0, 0x1000],
        [33 << 20, 0x1000]
      ]
    ])
    expect(undo[1]![0]!.bytes[0x100]).toBe(0x76)
  })
})
