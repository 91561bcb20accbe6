// The host's view of how far behind a client is must include bytes parked in kernel buffers:
// FlowTracker acknowledges stream positions with pings (web/flow.ts).
import { describe, expect, it } from 'vitest'
import { FlowTracker } from '../../src/host/web/flow'

class FakeWs {
  bufferedAmount = 0
  pings: Buffer[] = []
  ping(b: Buffer): void {
    this.pings.push(b)
  }
}

describe('FlowTracker', () => {
  it('counts bytes as unacknowledged until the pong of a ping sent after them', () => {
    const ws = new FakeWs()
    const f = new FlowTracker(ws, 1000)
    f.onSend(600)
    expect(ws.pings).toHaveLength(0)
    f.onSend(600) // 1200 unacked: one ping, at position 1200
    expect(ws.pings).toHaveLength(1)
    f.onSend(5000) // still one outstanding ping
    expect(ws.pings).toHaveLength(1)
    expect(f.unacked).toBe(6200)
    f.onPong(Buffer.from([0, 0, 0, 9])) // not ours: ignored
    expect(f.unacked).toBe(6200)
    f.onPong(ws.pings[0]!) // everything up to 1200 consumed; 5000 still out: next ping
    expect(f.unacked).toBe(5000)
    expect(ws.pings).toHaveLength(2)
    f.onPong(ws.pings[1]!)
    expect(f.unacked).toBe(0)
    expect(ws.pings).toHaveLength(2)
  })

  it('is never less than what this process still buffers', () => {
    const ws = new FakeWs()
    const f = new FlowTracker(ws, 1000)
    ws.bufferedAmount = 4096
    expect(f.unacked).toBe(4096)
  })
})
