// Pause/Step/time-travel replies jump the queue (#10 item 6): ahead of the same client's queued
// calls, ahead of the pushed trace batch and snapshot, and their snapshot is the one pushed.
// Counted in calls and frames, never in wall time (the latency is a bench row).
import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { RpcConn } from '../../src/host/web/rpc-conn'
import { FairQueue, type QueueClient } from '../../src/host/web/fair-queue'
import { DEFAULT_BACKPRESSURE, EventChannel } from '../../src/host/web/event-channel'
import type { LabEvent, LabSnapshot } from '../../src/shared/contract'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let k = 0; k < 10_000; k++) {
    if (cond()) return
    await tick()
  }
  throw new Error(`never: ${what}`)
}

/** a socket that records frames and reads everything at once */
function fakeSock(): { bufferedAmount: number; readyState: number; frames: string[]; send(d: string): void; close(): void; terminate(): void } {
  const frames: string[] = []
  return { bufferedAmount: 0, readyState: 1, frames, send: (d) => frames.push(d), close: () => {}, terminate: () => {} }
}

describe('FairQueue urgent calls', () => {
  it("run before the same client's queued ordinary calls, and win a tie between clients", async () => {
    const q = new FairQueue()
    cleanups.push(() => q.close())
    const order: string[] = []
    const a: QueueClient = { ready: () => true }
    const b: QueueClient = { ready: () => true }
    const job = (name: string) => async (): Promise<void> => void order.push(name)
    for (let k = 0; k < 3; k++) q.add(a, job(`a.trace${k}`))
    q.add(a, job('a.pause'), true)
    q.add(b, job('b.trace'))
    q.add(b, job('b.pause'), true)
    await until(() => order.length === 6, 'all run')
    // nothing runs before the queue wakes: then each client's urgent call comes first
    expect(order.indexOf('a.pause')).toBeLessThan(order.indexOf('a.trace0'))
    expect(order.indexOf('b.pause')).toBeLessThan(order.indexOf('b.trace'))
    expect(order.slice(0, 2).sort()).toEqual(['a.pause', 'b.pause'])
    expect(q.queued(a) + q.queued(b)).toBe(0)
  })

  it('still charge the client: a flood of urgent calls alternates with the other client', async () => {
    const q = new FairQueue()
    cleanups.push(() => q.close())
    const order: string[] = []
    const hog: QueueClient = { ready: () => true }
    const other: QueueClient = { ready: () => true }
    // the hog's calls take 10 ms of CPU each (charged to it), the other client's next to none
    const hogJob = async (): Promise<void> => {
      const t0 = performance.now()
      while (performance.now() - t0 < 10);
      order.push('hog')
    }
    for (let k = 0; k < 6; k++) q.add(hog, hogJob, true)
    for (let k = 0; k < 3; k++) q.add(other, async () => void order.push('other'))
    await until(() => order.length === 9, 'all run')
    // never three of the hog's in a row before the other client's last call
    const last = order.lastIndexOf('other')
    expect(order.slice(0, last).join(',')).not.toMatch(/hog,hog,hog/)
  })
})

describe('EventChannel quiet while an urgent call is answered', () => {
  it('holds snapshots and trace batches, lets console bytes through, sends what it held after', async () => {
    const sock = fakeSock()
    const ch = new EventChannel(sock, { ...DEFAULT_BACKPRESSURE, snapshotMinMs: 0 })
    cleanups.push(() => ch.close())
    ch.quietBegin()
    ch.push({ type: 'trace', events: [{ i: 1, t: 0, k: 'doorbell' }] as never })
    ch.push({ type: 'snapshot', snap: { seq: 1 } as LabSnapshot })
    ch.push({ type: 'console', side: 'device', data: 'x', seq: 0 })
    expect(sock.frames.map((f) => (JSON.parse(f) as { event: LabEvent }).event.type)).toEqual(['console'])
    sock.send('{"id":1,"result":null}') // the reply, as RpcConn sends it
    ch.quietEnd()
    await until(() => sock.frames.length === 4, 'held frames sent')
    expect(sock.frames.slice(2).map((f) => (JSON.parse(f) as { event: LabEvent }).event.type).sort()).toEqual(['snapshot', 'trace'])
  })
})

describe('a Pause reply over the RPC connection', () => {
  it('is the first frame after the call, and the pushed snapshot is the same one', async () => {
    const svc = new LabService({ speed: 'max' })
    const q = new FairQueue()
    cleanups.push(() => svc.dispose(), () => q.close())
    const sock = fakeSock()
    const conn = new RpcConn(sock, svc, q, { ...DEFAULT_BACKPRESSURE, snapshotMinMs: 0 })
    cleanups.push(() => conn.close())
    svc.subscribe((e) => conn.push(e))
    svc.session.run(3e9) // a trace batch and a snapshot are due with the next publication
    sock.frames.length = 0
    conn.onMessage('{"id":7,"method":"control","params":[{"cmd":"pause"}]}')
    await until(() => sock.frames.some((f) => f.startsWith('{"event":{"type":"snapshot"')), 'the snapshot pushed')
    const first = JSON.parse(sock.frames[0]!) as { id: number; result: LabSnapshot }
    expect(first.id).toBe(7)
    expect(first.result.paused).toBe(true)
    const kinds = sock.frames.slice(1).map((f) => (JSON.parse(f) as { event: LabEvent }).event.type)
    expect(kinds).toContain('trace')
    const pushed = sock.frames.map((f) => JSON.parse(f) as { event?: LabEvent }).find((m) => m.event?.type === 'snapshot')!.event as { snap: LabSnapshot }
    expect(pushed.snap.seq).toBe(first.result.seq)
  })
})
