import { describe, expect, it } from 'vitest'
import { EmulatedFabric } from '../../src/ivshmem/emulated'
import { DEPARTED_KEEP, FabricError, type Fabric, type Peer } from '../../src/ivshmem/fabric'
import { Shm } from '../../src/sim/shm'
import { Scheduler } from '../../src/sim/sched'
import { Trace } from '../../src/sim/trace'
import type { TraceEvent } from '../../src/shared/contract'

function fab(vectors = 2, latency = 1000) {
  const sched = new Scheduler()
  const trace = new Trace({ keep: 10_000 })
  trace.now = () => sched.now
  const f = new EmulatedFabric({ shm: new Shm(1 << 16), vectors, latency, clock: sched, trace })
  const all = () => trace.slice(0, trace.n) as TraceEvent[]
  return { f, sched, all }
}

describe('peer ids (ivshmem-server cur_id)', () => {
  it('increment and skip ids in use; a freed id is not handed out again until the counter wraps', () => {
    const { f } = fab()
    const a = f.join('device')
    const b = f.join('driver')
    expect([a.id, b.id]).toEqual([0, 1])
    f.disconnect(b)
    expect(f.join(null).id).toBe(2) // not 1 (lowest free)
    f.disconnect(a)
    expect(f.join(null).id).toBe(3)
  })

  it('wrap at 65536 and skip ids still in use', () => {
    const { f } = fab()
    const keep = f.join(null) // id 0 stays connected
    for (let i = 1; i < 0xffff; i++) f.disconnect(f.join(null))
    const last = f.join(null)
    expect(last.id).toBe(0xffff)
    expect(f.join(null).id).toBe(1) // 0 is in use: skipped
    expect(keep.ivposition).toBe(0)
  })

  it('rejects vector counts outside 1..64', () => {
    expect(() => fab(0)).toThrow(FabricError)
    expect(() => fab(0)).toThrow(expect.objectContaining({ code: 'CFG_VECTORS' }))
    expect(() => fab(65)).toThrow(expect.objectContaining({ code: 'CFG_VECTORS' }))
    expect(fab(64).f.vectors).toBe(64)
  })
})

describe('doorbells', () => {
  it('deliver (peer << 16) | vector after the latency, per-vector counters', () => {
    const { f, sched, all } = fab(2, 5000)
    const a = f.join('device')
    const b = f.join('driver')
    const got: [number, number, number][] = []
    b.onInterrupt = (v, n) => got.push([sched.now, v, n])
    expect(f.doorbell(a, (1 << 16) | 1)).toBe(true)
    sched.runUntil(4999)
    expect(got).toEqual([])
    sched.runUntil(10_000)
    expect(got).toEqual([[5000, 1, 1]])
    expect(a.stats.sent).toEqual([0, 1])
    expect(b.stats.received).toEqual([0, 1])
    expect(b.stats.interrupts).toEqual([0, 1])
    expect(all().find((e) => e.k === 'doorbell')).toMatchObject({ from: 0, to: 1, vector: 1, value: '0x00010001', outcome: 'sent' })
  })

  it('are dropped (and traced) for an unknown peer or a vector that peer lacks', () => {
    const { f, sched, all } = fab(2)
    const a = f.join('device')
    const b = f.join('driver')
    let irqs = 0
    b.onInterrupt = () => irqs++
    expect(f.doorbell(a, 7 << 16)).toBe(false)
    expect(f.doorbell(a, (1 << 16) | 2)).toBe(false)
    expect(f.doorbell(a, (1 << 16) | 0x100)).toBe(true) // QEMU keeps val & 0xff: vector 0
    sched.runUntil(1e6)
    expect(irqs).toBe(1)
    const d = all().filter((e) => e.k === 'doorbell' && e.outcome === 'dropped')
    expect(d.map((e) => e.reason)).toEqual(['no peer 7', 'peer 1 has no eventfd for vector 2 (server -n 2, QEMU vectors=2)'])
    expect(a.stats.dropped).toBe(2)
    expect(a.stats.targets.get(7)).toEqual({ sent: 1, dropped: 1, reason: 'no peer 7' })
  })

  it('QEMU keeps min(-n, vectors=2) eventfds per peer: with -n 4, vector 3 is dropped at the sender', () => {
    const { f } = fab(4)
    const a = f.join('device')
    f.join('driver')
    expect(f.doorbell(a, (1 << 16) | 3)).toBe(false)
    expect(a.stats.targets.get(1)!.reason).toContain('QEMU vectors=2')
  })

  it('merge like an eventfd counter: rings before the receiver reads give one interrupt with a count', () => {
    const { f, sched, all } = fab(2, 1000)
    const a = f.join('device')
    const b = f.join('driver')
    const got: number[] = []
    b.onInterrupt = (_v, n) => got.push(n)
    f.doorbell(a, 1 << 16)
    f.doorbell(a, 1 << 16)
    f.doorbell(a, 1 << 16)
    sched.runUntil(2000)
    expect(got).toEqual([3])
    expect(b.stats.merged[0]).toBe(2)
    expect(f.counters.merged).toBe(2)
    const sig = all().filter((e) => e.k === 'signal')
    expect(sig.map((e) => e.merged)).toEqual([false, true, true])
    expect(all().find((e) => e.k === 'irq')).toMatchObject({ to: 1, vector: 0, count: 3, outcome: 'delivered' })
    // a later ring is a new interrupt
    f.doorbell(a, 1 << 16)
    sched.runUntil(5000)
    expect(got).toEqual([3, 1])
  })

  it('a peer that leaves before delivery gets nothing; guests are not told about joins or leaves', () => {
    const { f, sched } = fab(2, 1000)
    const a = f.join('device')
    const b = f.join('driver')
    let irqs = 0
    a.onInterrupt = () => irqs++
    b.onInterrupt = () => irqs++
    f.doorbell(a, 1 << 16)
    f.disconnect(b)
    f.join(null)
    sched.runUntil(1e6)
    expect(irqs).toBe(0)
  })
})

describe('the Fabric interface', () => {
  it('connect() hands the peer to `ready` synchronously; counters, status and close() go through the interface', () => {
    const { f, sched } = fab(2, 1000)
    const fabric: Fabric = f
    expect(fabric.kind).toBe('emulated')
    expect(fabric.clock).toBe(sched)
    const got: Peer[] = []
    fabric.connect('device', (p) => got.push(p))
    fabric.connect('driver', (p) => got.push(p), 1)
    expect(got.map((p) => [p.id, p.side, p.local, p.msix])).toEqual([
      [0, 'device', true, 2],
      [1, 'driver', true, 1]
    ])
    expect(fabric.doorbell(got[0]!, 1 << 16)).toBe(true)
    expect(fabric.doorbell(got[0]!, 9 << 16)).toBe(false)
    sched.runUntil(1e6)
    expect({ ...fabric.counters }).toEqual({ doorbells: 2, dropped: 1, merged: 0, interrupts: 1 })
    expect(fabric.status()).toEqual({ state: 'up', detail: 'emulated ivshmem-server, 2 connected' })
    fabric.close()
    expect(fabric.status().state).toBe('down')
    expect(got.map((p) => p.connected)).toEqual([false, false])
    expect(() => fabric.connect(null, () => {})).toThrow(expect.objectContaining({ code: 'CLOSED' }))
  })

  it('peerList() keeps every connected peer and only the newest departed ones (bounded across restarts)', () => {
    const { f } = fab()
    const stay = f.join('device')
    for (let i = 0; i < 3 * DEPARTED_KEEP; i++) f.disconnect(f.join('driver'))
    const last = f.join('driver')
    const list = f.peerList()
    expect(list.length).toBe(DEPARTED_KEEP + 2)
    expect(list[0]).toBe(stay)
    expect(list[list.length - 1]).toBe(last)
    const departed = list.filter((p) => !p.connected).map((p) => p.id)
    expect(departed).toEqual(Array.from({ length: DEPARTED_KEEP }, (_, k) => 2 * DEPARTED_KEEP + 1 + k))
  })
})
