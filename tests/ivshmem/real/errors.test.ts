// Every way an attach can go wrong gives one clear message with a stable code (docs/ivshmem.md):
// missing socket, not an ivshmem-server, permission, size mismatch, protocol version, and hostile
// servers (values outside -1..65535, fds on the wrong message, truncated messages).
import { writeSync, writeFileSync, readFileSync, chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addon, type PollHandle } from '../../../src/ivshmem/native'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import { ChildPeer, fdCount, skipReason, tmpDir } from './helpers'

/** a fake server: on each connection runs `script(sock)` (messages via the addon, raw bytes via write) */
function fakeServer(path: string, script: (sock: number) => void) {
  const a = addon()
  const lfd = a.listen(path)
  const socks: number[] = []
  const h: PollHandle = a.poll(lfd, 0, () => {
    const s = a.accept(lfd)
    if (s < 0) return
    socks.push(s)
    script(s)
  })
  return {
    close() {
      a.pollClose(h, true)
      for (const s of socks) a.close(s)
    }
  }
}

const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)

describe.skipIf(skipReason !== null)('attach errors (real sockets)', () => {
  let t: ReturnType<typeof tmpDir>
  let fake: { close(): void } | null = null
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    fake?.close()
    fake = null
    t.cleanup()
  })

  it('missing socket: SOCK_MISSING', async () => {
    expect(await code(IvshmemClient.connect(t.sock('nope')))).toMatch(/^SOCK_MISSING: no ivshmem-server socket at .*nope/)
  })

  it('a socket file nobody listens on: SOCK_REFUSED', async () => {
    const a = addon()
    const fd = a.listen(t.sock())
    a.close(fd) // the file stays, the listener is gone: a server that died
    expect(await code(IvshmemClient.connect(t.sock()))).toMatch(/^SOCK_REFUSED: nothing listens on/)
  })

  it('a regular file: not an ivshmem-server', async () => {
    writeFileSync(t.sock('file'), 'x')
    expect(await code(IvshmemClient.connect(t.sock('file')))).toMatch(/^(SOCK_REFUSED|NOT_IVSHMEM)/)
  })

  it('a server that sends garbage: NOT_IVSHMEM', async () => {
    fake = fakeServer(t.sock(), (s) => writeSync(s, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')))
    expect(await code(IvshmemClient.connect(t.sock()))).toMatch(/^NOT_IVSHMEM: .*first message is 0x.*not an ivshmem-server/)
  })

  it('a server that says nothing within the bound: NOT_IVSHMEM', async () => {
    fake = fakeServer(t.sock(), () => {})
    expect(await code(IvshmemClient.connect(t.sock(), { timeoutMs: 200 }))).toMatch(/^NOT_IVSHMEM: .*no ivshmem-server version message within 200 ms/)
  })

  it('a server that hangs up at once: NOT_IVSHMEM', async () => {
    fake = fakeServer(t.sock(), (s) => addon().close(s))
    expect(await code(IvshmemClient.connect(t.sock()))).toMatch(/^NOT_IVSHMEM: .*closed the connection before sending a version/)
  })

  it('wrong protocol version: PROTO_VERSION', async () => {
    fake = fakeServer(t.sock(), (s) => addon().send(s, 1))
    expect(await code(IvshmemClient.connect(t.sock()))).toBe('PROTO_VERSION: the server speaks ivshmem protocol version 1; the lab speaks 0 (QEMU >= 2.5)')
  })

  it('shm size mismatch: SHM_SIZE_MISMATCH', async () => {
    const srv = new IvshmemServer({ path: t.sock(), size: 65536 }).start()
    expect(await code(IvshmemClient.connect(t.sock(), { size: 4 * 2 ** 20 }))).toBe(
      "SHM_SIZE_MISMATCH: the server's shm is 64K, the lab expects 4M (match --shm-size to the server's -l)"
    )
    srv.close()
  })

  it('permission denied: SOCK_ACCESS (as an unprivileged user)', async () => {
    const dir = join(t.dir, 'private')
    mkdirSync(dir)
    const srv = new IvshmemServer({ path: join(dir, 's.sock') }).start()
    chmodSync(dir, 0o700)
    chmodSync(t.dir, 0o755)
    let msg: { code?: unknown; message?: unknown; ev?: unknown }
    if (process.getuid?.() === 0) {
      // root passes every permission check: try as nobody in a child process
      const c = new ChildPeer({}, { uid: 65534, gid: 65534 })
      msg = await c.call({ cmd: 'connect', path: join(dir, 's.sock') }, 'error')
      c.kill()
    } else {
      chmodSync(dir, 0o000)
      msg = await IvshmemClient.connect(join(dir, 's.sock')).then(() => ({}), (e: { code: string; message: string }) => e)
      chmodSync(dir, 0o700)
    }
    expect(msg.code).toBe('SOCK_ACCESS')
    expect(msg.message).toMatch(/permission denied connecting to .*s\.sock/)
    srv.close()
  })

  describe('hostile server messages', () => {
    const a = () => addon()
    const cases: [string, (s: number) => void, RegExp][] = [
      ['value < -1', (s) => (a().send(s, 0), a().send(s, -2)), /^MSG_RANGE: server sent -2/],
      ['value > 65535', (s) => (a().send(s, 0), a().send(s, 0), a().send(s, 65536)), /^MSG_RANGE: server sent 65536/],
      ['fd on the version message', (s) => a().send(s, 0, a().eventfd()), /^MSG_FD: protocol violation: the version message carries an fd/],
      ['fd on the id message', (s) => (a().send(s, 0), a().send(s, 3, a().eventfd())), /^MSG_FD: .*id message carries an fd/],
      ['shm message without fd', (s) => (a().send(s, 0), a().send(s, 3), a().send(s, -1)), /^MSG_FD: the shm message \(-1\) carries no fd/],
      ['truncated message', (s) => (a().send(s, 0), writeSync(s, Buffer.from([3, 0, 0])), a().close(s)), /^MSG_TRUNCATED: the connection ended inside a message \(3 of 8 bytes\)/],
      ['disconnect for our own id', (s) => (a().send(s, 0), a().send(s, 3), a().send(s, 3)), /^MSG_PEER: the server announced that we \(peer 3\) left/],
      ['shm that is not a power of two', (s) => (a().send(s, 0), a().send(s, 3), a().send(s, -1, a().memfd(3 * 4096))), /^SHM_SIZE: shared memory of 12288 bytes is not a power of two/]
    ]
    for (const [name, script, want] of cases)
      it(`${name} is rejected with its code, no fd kept`, async () => {
        const before = fdCount()
        fake = fakeServer(t.sock(), script)
        expect(await code(IvshmemClient.connect(t.sock(), { timeoutMs: 5000 }))).toMatch(want)
        fake.close()
        fake = null
        // the fds the fake server created for the client are its own leak, by design: close
        // them through the listing; what the client received it must have closed
        expect(fdCount()).toBeLessThanOrEqual(before + 2)
      })
  })

  it('messages after ready that break the rules end the connection with a code', async () => {
    let sock = -1
    fake = fakeServer(t.sock(), (s) => {
      sock = s
      const x = addon()
      x.send(s, 0)
      x.send(s, 5)
      x.send(s, -1, x.memfd(4096))
      x.send(s, 5, x.eventfd()) // our own vector 0
    })
    const c = await IvshmemClient.connect(t.sock())
    const errs: string[] = []
    c.on('error', (e) => errs.push(e.code))
    addon().send(sock, 70000)
    await new Promise<void>((r) => c.on('error', () => r()))
    expect(errs).toEqual(['MSG_RANGE'])
    expect(c.state).toBe('error')
    expect(() => c.shm).toThrow(/no shared memory/)
  })

  it('hosting on a path that holds a regular file refuses with SRV_NOT_SOCKET and leaves the file', () => {
    writeFileSync(t.sock(), 'precious')
    expect(() => new IvshmemServer({ path: t.sock(), vectors: 1, size: 65536 }).start()).toThrow(
      expect.objectContaining({ code: 'SRV_NOT_SOCKET' })
    )
    expect(readFileSync(t.sock(), 'utf8')).toBe('precious')
  })

  it("a dead server's socket file is replaced; a live server's is refused with SRV_IN_USE", async () => {
    const a = addon()
    a.close(a.listen(t.sock())) // a server that died: its socket file stays, nobody listens
    const srv = new IvshmemServer({ path: t.sock(), vectors: 1, size: 65536 }).start()
    const c = await IvshmemClient.connect(t.sock())
    expect(c.id).toBe(0)
    expect(() => new IvshmemServer({ path: t.sock(), vectors: 1, size: 65536 }).start()).toThrow(expect.objectContaining({ code: 'SRV_IN_USE' }))
    c.close()
    srv.close()
  })
})
