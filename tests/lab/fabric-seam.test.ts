// LabSession, snapshot and explanation talk to a Fabric only through the interface: a fabric that
// exposes nothing else (a forwarding wrapper, as an attached fabric would be) gives the same run.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import { EmulatedFabric } from '../../src/ivshmem/emulated'
import type { Fabric, Peer } from '../../src/ivshmem/fabric'
import { Scheduler } from '../../src/sim/sched'
import { Shm } from '../../src/sim/shm'
import type { TraceSink } from '../../src/sim/trace'
import { S, scenario } from '../helpers'

/** only the Fabric members, nothing of EmulatedFabric's own; `via` counts what the lab used */
function forwarding(inner: Fabric, via: Set<string>): Fabric {
  const note = <T>(k: string, v: T): T => (via.add(k), v)
  return {
    kind: 'attached',
    get vectors() {
      return note('vectors', inner.vectors)
    },
    get shm() {
      return note('shm', inner.shm)
    },
    get clock() {
      return note('clock', inner.clock)
    },
    get counters() {
      return note('counters', inner.counters)
    },
    connect: (side, ready: (p: Peer) => void, msix?: number) => note('connect', inner.connect(side, ready, msix)),
    disconnect: (p) => note('disconnect', inner.disconnect(p)),
    doorbell: (p, v) => note('doorbell', inner.doorbell(p, v)),
    peerList: () => note('peerList', inner.peerList()),
    status: () => note('status', inner.status()),
    close: () => inner.close()
  }
}

const run = (opts: ConstructorParameters<typeof LabSession>[1], until: number) => {
  const lines: string[] = []
  const cfg = scenario({ restarts: [{ side: 'driver', at: 12 * S }] })
  const s = new LabSession(cfg, { ...opts, trace: { sink: (l) => lines.push(l), keep: 1000 } })
  s.run(until)
  const snap = buildSnapshot(s, liveInput(s), 1, { running: false, paused: false, finished: false })
  return { s, lines, snap }
}

describe('the fabric seam', () => {
  it('a session given a fabric through the interface only runs exactly like the built-in one', () => {
    const via = new Set<string>()
    const cfg = scenario()
    const given = run(
      {
        fabric: (trace: TraceSink) =>
          forwarding(new EmulatedFabric({ shm: new Shm(cfg.shmSize), vectors: cfg.vectors, latency: cfg.latency, clock: new Scheduler(), trace }), via)
      },
      13 * S
    )
    const built = run({}, 13 * S)
    expect(given.s.fabric.kind).toBe('attached')
    expect(given.s.helloLines).toBeGreaterThan(0)
    expect(given.lines.length).toBeGreaterThan(1000)
    expect(given.lines).toEqual(built.lines)
    // the same run; only the fabric's own kind (shown in the status bar) tells them apart
    expect({ ...given.snap, seq: 0, fabric: undefined }).toEqual({ ...built.snap, seq: 0, fabric: undefined })
    expect([given.snap.fabric?.kind, built.snap.fabric?.kind]).toEqual(['attached', 'emulated'])
    expect(given.snap.peers.map((p) => [p.id, p.side, p.connected])).toEqual([
      [0, 'device', true],
      [1, 'driver', false],
      [2, 'driver', true]
    ])
    for (const k of ['connect', 'disconnect', 'doorbell', 'peerList', 'counters', 'shm', 'clock']) expect(via).toContain(k)
  })

  it('a session on a wall-clock fabric refuses virtual stepping with a clear error', () => {
    const cfg = scenario()
    const wall = { kind: 'wall' as const, now: 0, at: () => 0, after: () => 0, cancel: () => {} }
    const s = new LabSession(cfg, { fabric: (trace) => new EmulatedFabric({ shm: new Shm(cfg.shmSize), vectors: 2, latency: 1, clock: wall, trace }) })
    expect(() => s.run(S)).toThrow(expect.objectContaining({ code: 'CLOCK_NOT_VIRTUAL' }))
  })
})
