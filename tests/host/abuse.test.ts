// Soak and abuse (#11): hostile traces, clients that never read, clients that hog the CPU, input
// floods — each bounded in count and time, loopback only, and asserting the bound in bytes and
// counts. Latency figures for the same cases are in `npm run bench` (bench/latency.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { startHost, type HostHandle } from '../../src/host/ws-host'
import { LabService } from '../../src/host/service'
import { RX_FIFO_MAX } from '../../src/lab/session'
import type { TraceEvent } from '../../src/shared/contract'
import { RpcConn } from '../../src/host/web/rpc-conn'
import { FairQueue } from '../../src/host/web/fair-queue'
import { DEFAULT_BACKPRESSURE } from '../../src/host/web/event-channel'
import { FakeLab } from './fake-lab'

const rendererDir = mkdtempSync(join(tmpdir(), 'vsl-abuse-'))
const MiB = 2 ** 20

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** a lab with a full trace (not ticking: the test drives it) behind a host on a free port */
async function lab(traceKeep = 20_000, backpressure = {}): Promise<{ svc: LabService; host: HostHandle }> {
  const svc = new LabService({ speed: 'max' }, { traceKeep })
  svc.session.run(40e9)
  const host = await startHost({ service: svc, port: 0, host: '127.0.0.1', rendererDir, backpressure })
  cleanups.push(() => svc.dispose(), () => host.close())
  return { svc, host }
}

/** one masked text frame (RFC 6455 §5.2), as a client must send it */
function frame(text: string): Buffer {
  const payload = Buffer.from(text)
  const len = payload.length
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff])
  const mask = randomBytes(4)
  for (let i = 0; i < len; i++) payload[i]! ^= mask[i & 3]!
  return Buffer.concat([head, mask, payload])
}

/** a WebSocket client that completes the handshake and then never reads another byte */
function deafClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
      )
    })
    s.once('error', reject)
    s.once('data', (d) => {
      if (!d.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(d.toString('latin1')))
      s.pause() // from now on nothing is read: the kernel buffers fill, then the host's
      s.removeAllListeners('data')
      resolve(s)
    })
  })
}

class Client {
  private next = 1
  private readonly waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>()
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: number; result?: unknown; error?: { message: string } }
      if (typeof m.id === 'number') this.waiting.get(m.id)?.(m)
    })
  }
  static open(port: number): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`)
    cleanups.push(() => ws.terminate())
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)))
      ws.once('error', reject)
    })
  }
  call(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { message: string } }> {
    const id = this.next++
    return new Promise((resolve) => {
      this.waiting.set(id, (m) => {
        this.waiting.delete(id)
        resolve(m)
      })
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }
}

describe('abuse: hostile trace', () => {
  it('the t = 1e300 line is refused without running, the running lab untouched', async () => {
    const a = new LabService({ speed: 'max' })
    cleanups.push(() => a.dispose())
    a.session.run(9e9)
    const trace = await a.getTrace(0, 5000)
    const svc = new LabService({ speed: 'max' })
    cleanups.push(() => svc.dispose())
    svc.session.run(1e9)
    const before = svc.session
    const executed = before.sched.executed
    const r = await svc.loadTrace([...trace, { i: 9, t: 1e300, k: 'console', side: 'device', data: 'x' } as TraceEvent])
    expect(r.ok).toBe(false)
    expect(r.message).toContain('beyond the replay cap of 24 h of virtual time')
    expect(svc.session).toBe(before)
    expect(before.sched.executed).toBe(executed)
  })
})

describe('abuse: a client that never reads', () => {
  it('is cut off once its unsent bytes pass the limit; the bytes held stay bounded', async () => {
    const limit = 4 * MiB
    // calls keep running up to the limit, so the replies (~0.6 MiB each) fill it quickly
    const { svc, host } = await lab(20_000, { maxBuffered: limit, holdCalls: limit })
    const rss0 = process.memoryUsage().rss
    const s = await deafClient(host.port)
    const closed = new Promise<void>((r) => s.once('close', () => r()))
    s.on('error', () => {})
    const from = svc.session.trace.first
    const req = (id: number) => frame(JSON.stringify({ id, method: 'getTrace', params: [from, 5000] }))
    let id = 1
    // bounded: at most 64 × 40 requests; the host cuts the client off long before
    for (let round = 0; round < 40 && host.stats().cutOff === 0; round++) {
      s.write(Buffer.concat(Array.from({ length: 64 }, () => req(id++))))
      while (host.stats().calls < id - 65 && host.stats().cutOff === 0) await new Promise((r) => setTimeout(r, 5))
    }
    s.resume() // read again: only a reading socket notices the host hung up
    await closed
    const st = host.stats()
    expect(st.cutOff).toBe(1)
    // held at most the limit plus one reply (a 5000-event page is < 2 MiB)
    expect(st.peakBuffered).toBeLessThanOrEqual(limit + 2 * MiB)
    expect(st.clients).toBe(0)
    // stated bound for the whole process: < 300 MB more than before the client came
    expect((process.memoryUsage().rss - rss0) / MiB).toBeLessThan(300)
  }, 120_000)

  it('says why it was cut off: close code 1008 and a reason naming the limit', () => {
    const closes: [number, string][] = []
    let terminated = 0
    const sock = { bufferedAmount: 0, readyState: 1, send: () => {}, close: (c: number, r: string) => closes.push([c, r]), terminate: () => terminated++ }
    const bp = { ...DEFAULT_BACKPRESSURE, maxBuffered: 64 * MiB }
    const conn = new RpcConn(sock, new FakeLab(), new FairQueue(), bp)
    conn.push({ type: 'console', side: 'device', data: 'x', seq: 0 })
    expect(closes).toEqual([])
    sock.bufferedAmount = 64 * MiB + 1
    conn.push({ type: 'console', side: 'device', data: 'x', seq: 1 })
    conn.onMessage('{"id":1,"method":"getSnapshot","params":[]}') // ignored: it is gone
    expect(closes).toEqual([[1008, 'client not reading: over 64 MiB unsent; reconnect, catch up with consoleSince/getTrace']])
    expect(Buffer.byteLength(closes[0]![1])).toBeLessThanOrEqual(123)
    expect(conn.stats.peakBuffered).toBe(64 * MiB + 1)
    expect(conn.ready()).toBe(false)
  })
})

describe('abuse: one client hogging the CPU', () => {
  it("another client's getSnapshot waits for at most two of the hog's calls", async () => {
    const { svc, host } = await lab(20_000)
    const hog = await Client.open(host.port)
    const victim = await Client.open(host.port)
    const oldest = svc.session.trace.first
    let stop = false
    let hogCalls = 0
    const hogging = (async () => {
      while (!stop) {
        const calls: Promise<unknown>[] = []
        for (let k = 0; k < 32; k++) calls.push(hog.call('snapshotAt', [oldest]))
        for (let k = 0; k < 31; k++) calls.push(hog.call('getTrace', [oldest, 5000]))
        await Promise.all(calls)
        hogCalls += calls.length
      }
    })()
    // wait until the hog has work queued, then measure in calls run, not in wall time
    while (host.stats().calls < 10) await new Promise((r) => setImmediate(r))
    const waitedFor: number[] = []
    for (let k = 0; k < 10; k++) {
      const before = host.stats().calls
      const r = await victim.call('getSnapshot')
      expect(r.error).toBeUndefined()
      waitedFor.push(host.stats().calls - before)
    }
    stop = true
    await hogging
    expect(hogCalls).toBeGreaterThan(0)
    // calls completed while the victim waited: its own, the hog's call then running, and at
    // most one more of the hog's (a fair tie); never the hog's 63 queued ones
    expect(Math.max(...waitedFor)).toBeLessThanOrEqual(3)
  })
})

describe('abuse: input flood', () => {
  it('64 KiB typed 200 times to a side that never reads keeps one FIFO of input and says it drops', async () => {
    const { svc, host } = await lab(2000)
    const c = await Client.open(host.port)
    const data = 'y'.repeat(65_536)
    let dropped = 0
    for (let k = 0; k < 200; k++) {
      const r = await c.call('sendInput', ['driver', data])
      if (r.error?.message.includes(`the driver UART receive FIFO is full (${RX_FIFO_MAX} bytes`)) dropped++
    }
    expect(dropped).toBe(200)
    expect(svc.session.slots.driver.guest!.rx.length).toBeLessThanOrEqual(RX_FIFO_MAX)
  })
})
