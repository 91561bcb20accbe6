import { describe, expect, it } from 'vitest'
import { EmulatedFabric, FabricConfigError } from '../../src/ivshmem/fabric'
import { Shm } from '../../src/sim/shm'
import { Scheduler } from '../../src/sim/sched'
import { Trace } from '../../src/sim/trace'
import type { TraceEvent } from '../../src/shared/contract'

function fab(vectors = 2, latency = 1000) {
  const sched = new Scheduler()
  const trace = new Trace({ keep: 10_000 })
  trace.now = () => sched.now
  const f = new EmulatedFabric({ shm: new Shm(1 << 16), vectors, latency, sched, trace })
  const all = () => trace.slice(0, trace.n) as TraceEvent[]
  return { f, sched, all }
}

describe('peer ids (ivshmem-server cur_id)', () => {
  it('increment and skip ids in use; a freed id is not handed out again until the counter wraps', () => {
    const { f } = fab()
    const a = f.connect('device')
    const b = f.connect('driver')
    expect([a.id, b.id]).toEqual([0, 1])
    f.disconnect(b)
    expect(f.connect(null).id).toBe(2) // not 1 (lowest free)
    f.disconnect(a)
    expect(f.connect(null).id).toBe(3)
  })

  it('wrap at 65536 and skip ids still in use', () => {
    const { f } = fab()
    const keep = f.connect(null) // id 0 stays connected
    for (let i = 1; i < 0xffff; i++) f.disconnect(f.connect(null))
    const last = f.connect(null)
    expect(last.id).toBe(0xffff)
    expect(f.connect(null).id).toBe(1) // 0 is in use: skipped
    expect(keep.ivposition).toBe(0)
  })

  it('rejects vector counts outside 1..64', () => {
    expect(() => fab(0)).toThrow(FabricConfigError)
    expect(() => fab(65)).toThrow(/1\.\.64/)
    expect(fab(64).f.vectors).toBe(64)
  })
})

describe('doorbells', () => {
  it('deliver (peer << 16) | vector after the latency, per-vector counters', () => {
    const { f, sched, all } = fab(2, 5000)
    const a = f.connect('device')
    const b = f.connect('driver')
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
    const a = f.connect('device')
    const b = f.connect('driver')
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
    const a = f.connect('device')
    f.connect('driver')
    expect(f.doorbell(a, (1 << 16) | 3)).toBe(false)
    expect(a.stats.targets.get(1)!.reason).toContain('QEMU vectors=2')
  })

  it('merge like an eventfd counter: rings before the receiver reads give one interrupt with a count', () => {
    const { f, sched, all } = fab(2, 1000)
    const a = f.connect('device')
    const b = f.connect('driver')
    const got: number[] = []
    b.onInterrupt = (_v, n) => got.push(n)
    f.doorbell(a, 1 << 16)
    f.doorbell(a, 1 << 16)
    f.doorbell(a, 1 << 16)
    sched.runUntil(2000)
    expect(got).toEqual([3])
    expect(b.stats.merged[0]).toBe(2)
    expect(f.merged).toBe(2)
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
    const a = f.connect('device')
    const b = f.connect('driver')
    let irqs = 0
    a.onInterrupt = () => irqs++
    b.onInterrupt = () => irqs++
    f.doorbell(a, 1 << 16)
    f.disconnect(b)
    f.connect(null)
    sched.runUntil(1e6)
    expect(irqs).toBe(0)
  })
})
