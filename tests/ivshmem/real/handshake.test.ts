// Our ivshmem-server speaks QEMU's protocol byte for byte (docs/ivshmem.md#message-sequence, #peer-ids), and the
// client follows it: ids from the uint16 counter, eventfds shared between owner and ringer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addon } from '../../../src/ivshmem/native'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer, roundShmSize } from '../../../src/ivshmem/real/server'
import { IvshmemError } from '../../../src/ivshmem/real/errors'
import { fdKind, skipReason, tmpDir, waitFor } from './helpers'

type Msg = [bigint, boolean, number]

/** a raw peer: reads messages with the addon alone, as QEMU's ivshmem-client does */
function raw(path: string) {
  const a = addon()
  const fd = a.connect(path)
  const u8 = new Uint8Array(8)
  const msgs: Msg[] = []
  let have = 0
  let pfd = -1
  const pump = () => {
    for (;;) {
      const r = a.recv(fd, u8, have)
      if (!r || r.n === 0) return
      if (r.fd >= 0) pfd = r.fd
      have += r.n
      if (have === 8) {
        msgs.push([new DataView(u8.buffer).getBigInt64(0, true), pfd >= 0, pfd])
        have = 0
        pfd = -1
      }
    }
  }
  return {
    msgs,
    async until(n: number) {
      await waitFor(() => (pump(), msgs.length >= n), `${n} messages`)
      return msgs.map(([v, f]) => [Number(v), f])
    },
    close() {
      for (const [, f, x] of msgs) if (f) a.close(x)
      a.close(fd)
    }
  }
}

describe.skipIf(skipReason !== null)('ivshmem server <-> client handshake (real sockets)', () => {
  let t: ReturnType<typeof tmpDir>
  let srv: IvshmemServer
  beforeEach(() => {
    t = tmpDir()
    srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 65536 }).start()
  })
  afterEach(() => {
    srv.close()
    t.cleanup()
  })

  it('sends version 0, own id, -1 + shm fd, the others\' eventfds in join order, then its own', async () => {
    const p0 = raw(t.sock())
    expect(await p0.until(5)).toEqual([[0, false], [0, false], [-1, true], [0, true], [0, true]])
    expect(fdKind(p0.msgs[2]![2])).toMatch(/memfd:ivshmem/)
    expect(fdKind(p0.msgs[3]![2])).toMatch(/eventfd/)
    const p1 = raw(t.sock())
    expect(await p1.until(7)).toEqual([[0, false], [1, false], [-1, true], [0, true], [0, true], [1, true], [1, true]])
    // the newcomer is announced to the existing peer: id + one eventfd per vector
    expect((await p0.until(7)).slice(5)).toEqual([[1, true], [1, true]])
    // the eventfd p0 rings is the one p1 receives on (the server never proxies, §1.4)
    const a = addon()
    a.notify(p0.msgs[6]![2]) // p1's vector 1, as p0 got it
    expect(a.drain(p1.msgs[6]![2])).toBe(1)
    // p1 leaves: p0 gets `1` without an fd
    p1.close()
    expect((await p0.until(8))[7]).toEqual([1, false])
    p0.close()
  })

  it('hands out ids from an incrementing counter, not the lowest free one', async () => {
    const a = await IvshmemClient.connect(t.sock())
    const b = await IvshmemClient.connect(t.sock())
    expect([a.id, b.id]).toEqual([0, 1])
    await waitFor(() => a.peers.has(1), 'a sees b')
    b.close()
    await waitFor(() => !a.peers.has(1) && srv.peers.size === 1, 'b gone')
    const c = await IvshmemClient.connect(t.sock(), { vectors: 2 })
    expect(c.id).toBe(2) // QEMU: cur_id moved past 1
    expect(srv.peerIds()).toEqual([0, 2])
    expect([...c.peers.keys()]).toEqual([0])
    expect(c.vectors).toBe(2)
    a.close()
    c.close()
  })

  it('client events: peer-joined, peer-left, interrupts with counts that merge', async () => {
    const a = await IvshmemClient.connect(t.sock())
    const ev: string[] = []
    a.on('peer-joined', (id) => ev.push(`join ${id}`)).on('peer-left', (id) => ev.push(`left ${id}`))
    const got: [number, number][] = []
    a.on('interrupt', (v, c) => got.push([v, c]))
    const b = await IvshmemClient.connect(t.sock())
    await waitFor(() => ev.length === 1, 'join')
    // three rings before a's loop turn: one interrupt with count 3 (eventfd counter semantics)
    expect(b.ring(a.id, 1)).toBe(true)
    expect(b.ring(a.id, 1)).toBe(true)
    expect(b.doorbell((a.id << 16) | 1)).toBe(true)
    await waitFor(() => got.length > 0, 'interrupt')
    expect(got).toEqual([[1, 3]])
    expect(a.merged[1]).toBe(2)
    // doorbells QEMU would drop: unknown peer, missing vector
    expect(b.ring(77, 0)).toBe(false)
    expect(b.ring(a.id, 2)).toBe(false)
    b.close()
    await waitFor(() => ev.length === 2, 'leave')
    expect(ev).toEqual(['join 1', 'left 1'])
    a.close()
  })

  it('a peer sees the other\'s stores in the shared memory', async () => {
    const a = await IvshmemClient.connect(t.sock(), { size: 65536 })
    const b = await IvshmemClient.connect(t.sock(), { accessor: true })
    expect(a.shmKind).toBe('zero-copy')
    expect(b.shmKind).toBe('accessor')
    a.shm.w32(0x100, 0x74726976)
    expect(b.shm.r32(0x100)).toBe(0x74726976)
    b.shm.w16(0xfffe, 0xbeef)
    expect(a.shm.r16(0xfffe)).toBe(0xbeef)
    a.close()
    b.close()
  })
})

describe.skipIf(skipReason !== null)('vector count', () => {
  it('ready waits for the own vectors the lab expects; fewer from the server is SETUP_TIMEOUT', async () => {
    const t = tmpDir()
    const srv = new IvshmemServer({ path: t.sock(), vectors: 1, size: 65536 }).start()
    await expect(IvshmemClient.connect(t.sock(), { vectors: 2, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'SETUP_TIMEOUT',
      message: `${t.sock()}: the server sent 1 vector(s) for us, the lab expects 2 (match its -n to --vectors)`
    })
    srv.close()
    t.cleanup()
  })
})

describe('server options (QEMU ivshmem-server rules)', () => {
  it('rounds the size up to a power of two, at most 1G', () => {
    expect(roundShmSize(3 * 2 ** 20)).toBe(4 * 2 ** 20)
    expect(roundShmSize(4096)).toBe(4096)
    expect(roundShmSize(2 ** 30)).toBe(2 ** 30)
    expect(() => roundShmSize(2 ** 30 + 1)).toThrow(expect.objectContaining({ code: 'SRV_SIZE' }))
    expect(() => roundShmSize(0)).toThrow(IvshmemError)
  })
  it.skipIf(skipReason !== null)('accepts 1..64 vectors', () => {
    for (const n of [0, 65, 1.5]) expect(() => new IvshmemServer({ vectors: n })).toThrow(expect.objectContaining({ code: 'SRV_VECTORS' }))
  })
})
