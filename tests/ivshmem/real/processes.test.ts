// Real peers in separate processes (child_process.fork of fixtures/peer.ts) on one server:
// doorbells and shm stores cross processes, peers leave and rejoin, the server dies under them,
// and reconnecting leaks no fd.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import { ChildPeer, fdCount, skipReason, tmpDir, waitFor } from './helpers'

describe.skipIf(skipReason !== null)('real ivshmem across processes', () => {
  let t: ReturnType<typeof tmpDir>
  const kids: ChildPeer[] = []
  const child = (env: NodeJS.ProcessEnv = {}) => {
    const c = new ChildPeer(env)
    kids.push(c)
    return c
  }
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    for (const k of kids.splice(0)) k.kill()
    t.cleanup()
  })

  it('two processes ring each other and see each other\'s stores (zero-copy and accessor)', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 2 ** 20 }).start()
    const p = child()
    const q = child({ VIRTIO_LAB_SHM_ACCESS: 'accessor' })
    const rp = await p.call({ cmd: 'connect', path: t.sock() }, 'ready')
    const rq = await q.call({ cmd: 'connect', path: t.sock() }, 'ready')
    expect([rp.id, rq.id, rp.kind, rq.kind]).toEqual([0, 1, 'zero-copy', 'accessor'])
    expect(rq.peers).toEqual([0])
    await p.next('peer-joined', (m) => m.id === 1)
    await p.call({ cmd: 'write', off: 0x1000, str: 'hello from p' }, 'written')
    expect((await q.call({ cmd: 'read', off: 0x1000, len: 12 }, 'read')).str).toBe('hello from p')
    // p rings q's vector 1, q rings p's vector 0
    expect((await p.call({ cmd: 'ring', id: 1, vector: 1 }, 'rang')).ok).toBe(true)
    expect(await q.next('interrupt')).toMatchObject({ vector: 1, count: 1 })
    await q.call({ cmd: 'write', off: 0x2000, str: 'reply' }, 'written')
    expect((await q.call({ cmd: 'ring', id: 0, vector: 0 }, 'rang')).ok).toBe(true)
    expect(await p.next('interrupt')).toMatchObject({ vector: 0, count: 1 })
    expect((await p.call({ cmd: 'read', off: 0x2000, len: 5 }, 'read')).str).toBe('reply')
    // this process is a third peer and sees both processes' stores too
    const me = await IvshmemClient.connect(t.sock())
    expect(me.id).toBe(2)
    expect(Buffer.from(me.shm.read(0x1000, 12)).toString()).toBe('hello from p')
    me.close()
    srv.close()
  })

  it('peers leave and rejoin: departures announced, ids follow QEMU\'s counter', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 1, size: 65536 }).start()
    const stay = await IvshmemClient.connect(t.sock())
    const seen: string[] = []
    stay.on('peer-joined', (id) => seen.push(`+${id}`)).on('peer-left', (id) => seen.push(`-${id}`))
    const ids: number[] = []
    for (let i = 0; i < 3; i++) {
      const k = child()
      ids.push((await k.call({ cmd: 'connect', path: t.sock() }, 'ready')).id as number)
      await waitFor(() => seen.length === 2 * i + 1, 'join seen')
      k.send({ cmd: 'exit' })
      await waitFor(() => seen.length === 2 * i + 2, 'leave seen')
    }
    expect(ids).toEqual([1, 2, 3])
    expect(seen).toEqual(['+1', '-1', '+2', '-2', '+3', '-3'])
    expect(srv.peerIds()).toEqual([0])
    // a killed peer is a departure too (the kernel closes its socket)
    const k = child()
    expect((await k.call({ cmd: 'connect', path: t.sock() }, 'ready')).id).toBe(4)
    k.kill('SIGKILL')
    await waitFor(() => seen.at(-1) === '-4', 'killed peer announced')
    stay.close()
    srv.close()
  })

  it('the server dies under attached peers: clear status, no crash, peers keep ringing', async () => {
    const s = child()
    await s.call({ cmd: 'serve', path: t.sock(), vectors: 2, size: 65536 }, 'serving')
    // both vectors in before the kill: b's own vector-1 eventfd comes last (docs/ivshmem.md), and a
    // server killed before sending it leaves b deaf on that vector, which is not what this tests
    const a = await IvshmemClient.connect(t.sock(), { vectors: 2 })
    const b = await IvshmemClient.connect(t.sock(), { vectors: 2 })
    await waitFor(() => a.peers.has(b.id), 'a knows b')
    let gone = 0
    a.on('server-gone', () => gone++)
    b.on('server-gone', () => gone++)
    s.kill('SIGKILL')
    await waitFor(() => gone === 2, 'server-gone on both')
    expect([a.state, b.state]).toEqual(['gone', 'gone'])
    expect(a.lastError).toBeNull()
    // as with QEMU's server (docs/ivshmem.md#peer-changes): the peers still talk to each other
    const irq: number[] = []
    b.on('interrupt', (v) => irq.push(v))
    expect(a.ring(b.id, 1)).toBe(true)
    await waitFor(() => irq.length === 1, 'interrupt after the server died')
    a.shm.w8(3, 42)
    expect(b.shm.r8(3)).toBe(42)
    a.close()
    b.close()
    // a new attach now fails clearly: the socket file is left, nobody listens
    await expect(IvshmemClient.connect(t.sock())).rejects.toMatchObject({ code: 'SOCK_REFUSED' })
  })

  it('20 connect/disconnect cycles leak no fd (client and server in this process)', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 4, size: 65536 }).start()
    const other = await IvshmemClient.connect(t.sock())
    const cycle = async () => {
      const c = await IvshmemClient.connect(t.sock(), { accessor: true })
      await waitFor(() => other.peers.has(c.id) && srv.peers.has(c.id), 'joined')
      c.shm.w32(0, c.id)
      c.ring(other.id, 3)
      c.close()
      await waitFor(() => !other.peers.has(c.id) && !srv.peers.has(c.id), 'left')
    }
    await cycle() // warm up lazily opened fds (libuv, vitest)
    const before = fdCount()
    for (let i = 0; i < 20; i++) await cycle()
    // closed fds are released after the loop turn that runs uv_close's callback
    await waitFor(() => fdCount() <= before, `fd count back to ${before} (now ${fdCount()})`, 5000)
    expect(fdCount()).toBe(before)
    await waitFor(() => other.received[3] === 21, '21 rings on vector 3')
    other.close()
    srv.close()
  })
})
