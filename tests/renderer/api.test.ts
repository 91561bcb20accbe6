// WebSocket client of src/renderer/src/api.ts: wire format, errors, reconnect with catch-up.
import { describe, it, expect, vi, afterEach } from 'vitest'
import { createWsApi, defaultRpcUrl, consoleStart } from '../../src/renderer/src/api'
import type { LabEvent } from '../../src/shared/contract'

class FakeWs {
  static all: FakeWs[] = []
  readyState = 0
  sent: { id: number; method: string; params: unknown[] }[] = []
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(public url: string) {
    FakeWs.all.push(this)
  }
  send(s: string) {
    this.sent.push(JSON.parse(s))
  }
  close() {
    this.readyState = 3
    this.onclose?.({ code: 1000 })
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  reply(id: number, result: unknown) {
    this.onmessage?.({ data: JSON.stringify({ id, result }) })
  }
  push(event: LabEvent) {
    this.onmessage?.({ data: JSON.stringify({ event }) })
  }
  drop() {
    this.readyState = 3
    this.onclose?.({ code: 1006 })
  }
}

afterEach(() => {
  FakeWs.all = []
  vi.useRealTimers()
})

function make() {
  return createWsApi('ws://h/rpc', { WebSocketImpl: FakeWs as unknown as typeof WebSocket, backoff: 10, maxBackoff: 40, timeout: 0 })
}

describe('WebSocket LabApi client', () => {
  it('builds the /rpc URL with ws/wss and the page token', () => {
    expect(defaultRpcUrl({ protocol: 'http:', host: '127.0.0.1:4173', search: '' })).toBe('ws://127.0.0.1:4173/rpc')
    expect(defaultRpcUrl({ protocol: 'https:', host: 'lab.example:443', search: '?token=a b' })).toBe('wss://lab.example:443/rpc?token=a%20b')
  })

  it('sends {id, method, params} with positional params, queues until open, maps results and errors', async () => {
    const api = make()
    const ws = FakeWs.all[0]
    const p1 = api.readShm(0x40, 4)
    const p2 = api.configure({ vectors: 65 })
    expect(ws.sent).toEqual([])
    ws.open()
    expect(ws.sent).toEqual([
      { id: 1, method: 'readShm', params: [0x40, 4] },
      { id: 2, method: 'configure', params: [{ vectors: 65 }] }
    ])
    ws.reply(1, [1, 2, 3, 4])
    ws.onmessage?.({ data: JSON.stringify({ id: 2, error: { message: 'configure: vectors must be at most 64 (got 65)' } }) })
    await expect(p1).resolves.toEqual([1, 2, 3, 4])
    await expect(p2).rejects.toThrow('configure: vectors must be at most 64 (got 65)')
    api.close()
  })

  it('delivers pushed events to subscribers; unsubscribe stops them', () => {
    const api = make()
    const ws = FakeWs.all[0]
    ws.open()
    const got: LabEvent[] = []
    const off = api.subscribe((e) => got.push(e))
    ws.push({ type: 'console', side: 'device', data: 'hi', seq: 0 })
    off()
    ws.push({ type: 'console', side: 'device', data: '!', seq: 2 })
    expect(got).toHaveLength(1)
    api.close()
  })

  it('while a Pause/Step or time-travel call is answered, pushed snapshots and trace batches wait (unparsed) until after its reply', async () => {
    const api = make()
    const ws = FakeWs.all[0]!
    ws.open()
    const order: string[] = []
    api.subscribe((e) => order.push(e.type === 'trace' ? `trace ${e.events[0]!.i}` : e.type))
    const snap = { seq: 9, t: 1 } as never
    const pause = api.control({ cmd: 'pause' }).then(() => order.push('reply'))
    ws.push({ type: 'trace', events: [{ i: 1, t: 0, k: 'doorbell' }] as never })
    ws.push({ type: 'snapshot', snap })
    ws.push({ type: 'console', side: 'device', data: 'x', seq: 0 }) // data: never held
    expect(order).toEqual(['console'])
    ws.reply(1, snap)
    await pause
    ws.push({ type: 'trace', events: [{ i: 2, t: 0, k: 'doorbell' }] as never }) // behind the held ones
    ws.push({ type: 'snapshot', snap: { seq: 10, t: 2 } as never }) // newer than the reply
    expect(order).toEqual(['console', 'reply'])
    await new Promise((r) => setTimeout(r, 0))
    // the snapshot sent before the reply is older than the reply's: dropped, never applied after it
    expect(order).toEqual(['console', 'reply', 'trace 1', 'trace 2', 'snapshot'])
    // an ordinary call holds nothing back
    api.getTrace(0, 1).catch(() => {}) // fails with 'connection lost' at close
    ws.push({ type: 'trace', events: [{ i: 3, t: 0, k: 'doorbell' }] as never })
    expect(order.at(-1)).toBe('trace 3')
    api.close()
  })

  it("a reset while frames are held drops them: they are the old run's view", async () => {
    const api = make()
    const ws = FakeWs.all[0]!
    ws.open()
    const order: string[] = []
    api.subscribe((e) => order.push(e.type))
    const reset = api.control({ cmd: 'reset' })
    ws.push({ type: 'trace', events: [{ i: 5, t: 0, k: 'doorbell' }] as never })
    ws.push({ type: 'reset', config: {} as never })
    ws.reply(1, { seq: 1, t: 0 })
    await reset
    await new Promise((r) => setTimeout(r, 0))
    expect(order).toEqual(['reset'])
    api.close()
  })

  it('reconnects with backoff, fails in-flight calls, then catches up with consoleSince(side, lastSeq)', async () => {
    const api = make()
    const states: string[] = []
    api.onConnection((s) => states.push(s))
    const got: LabEvent[] = []
    api.subscribe((e) => got.push(e))
    const ws1 = FakeWs.all[0]
    ws1.open()
    ws1.push({ type: 'console', side: 'device', data: 'Hello', seq: 0 })
    const inflight = api.getSnapshot()
    ws1.drop()
    await expect(inflight).rejects.toThrow('connection lost')
    await vi.waitFor(() => expect(FakeWs.all).toHaveLength(2), { timeout: 1000 })
    const ws2 = FakeWs.all[1]
    ws2.open()
    // catch-up: snapshot first, then console per side from the last offset seen
    await vi.waitFor(() => expect(ws2.sent[0]).toMatchObject({ method: 'getSnapshot' }))
    ws2.reply(ws2.sent[0].id, { seq: 5 })
    await vi.waitFor(() => expect(ws2.sent[1]).toMatchObject({ method: 'consoleSince', params: ['device', 5] }))
    ws2.reply(ws2.sent[1].id, { data: ' World', seq: 5 })
    await vi.waitFor(() => expect(ws2.sent[2]).toMatchObject({ method: 'consoleSince', params: ['driver', 0] }))
    ws2.reply(ws2.sent[2].id, { data: '', seq: 0 })
    await vi.waitFor(() => expect(got.at(-1)).toEqual({ type: 'console', side: 'device', data: ' World', seq: 5 }))
    expect(states).toContain('reconnecting')
    expect(states.at(-1)).toBe('open')
    api.close()
  })

  it('consoleStart reads the answer offset (start, or tolerates an end offset)', () => {
    expect(consoleStart({ data: 'abc', seq: 10 }, 10)).toBe(10)
    expect(consoleStart({ data: 'abc', seq: 13 }, 10)).toBe(10)
    expect(consoleStart({ data: 'abc', seq: 20 }, 10)).toBe(20)
  })
})

describe('plainData (the Electron preload path)', () => {
  it('hands structured-clone-safe copies to window.labApi, so reactive state can be passed', async () => {
    const { reactive } = await import('vue')
    const { plainData } = await import('../../src/renderer/src/api')
    const seen: unknown[] = []
    // what contextBridge does to every argument
    const bridge = (v: unknown) => structuredClone(v)
    const fake = {
      configure: async (c: unknown) => (seen.push(bridge(c)), { ok: true }),
      control: async (c: unknown) => (seen.push(bridge(c)), {})
    } as unknown as import('../../src/shared/contract').LabApi
    const cfg = reactive({ vectors: 4, restarts: [{ side: 'driver', at: 12 }] })
    expect(() => structuredClone(cfg)).toThrow() // the failure plainData prevents
    const api = plainData(fake)
    await api.configure(cfg as never)
    await api.control(reactive({ cmd: 'step', count: 2 }) as never)
    expect(seen).toEqual([{ vectors: 4, restarts: [{ side: 'driver', at: 12 }] }, { cmd: 'step', count: 2 }])
  })
})
