// The serve host's socket policy (src/host/web/socket-policy.ts): a WebSocket client may host or
// join an ivshmem socket only inside the allowed directories (or at the path the command line
// gave); anything else is refused on the `socket` field with SOCKET_NOT_ALLOWED, and the service
// is never asked.
import { afterEach, describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { startHost } from '../../src/host/ws-host'
import { SocketPolicy, checkSocketDir, defaultSocketDir, guardSockets, prepareOwnSocketDir } from '../../src/host/web/socket-policy'
import { main } from '../../src/host/cli'
import { FakeLab } from './fake-lab'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
function scratch(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'vsl-sockpol-')))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

describe('SocketPolicy.check', () => {
  it('allows paths in an allowed directory, and the exact path the command line gave', () => {
    const root = scratch()
    const ok = join(root, 'ok')
    mkdirSync(ok)
    mkdirSync(join(ok, 'sub'))
    const p = new SocketPolicy([ok], ['/srv/ivshmem/given.sock'])
    expect(p.check(join(ok, 'ivshmem.sock'))).toBeNull()
    expect(p.check(join(ok, 'sub', 'x.sock'))).toBeNull()
    expect(p.check('/srv/ivshmem/given.sock')).toBeNull()
  })

  it('refuses every way out: elsewhere, .., a prefix look-alike, relative, a symlinked directory or socket, a missing directory', () => {
    const root = scratch()
    const ok = join(root, 'ok')
    mkdirSync(ok)
    mkdirSync(join(root, 'ok-not'))
    symlinkSync(root, join(ok, 'up'))
    symlinkSync('/run/dbus/system_bus_socket', join(ok, 'bus.sock'))
    const p = new SocketPolicy([ok])
    const cases: [string, string][] = [
      ['/run/dbus/system_bus_socket', 'is outside the allowed directories'],
      [join(ok, '..', 'x.sock'), 'is outside the allowed directories'],
      [join(root, 'ok-not', 'x.sock'), 'is outside the allowed directories'],
      ['ok/x.sock', 'is not an absolute path'],
      [join(ok, 'up', 'x.sock'), 'is outside the allowed directories'],
      [join(ok, 'bus.sock'), 'is a symbolic link'],
      [join(ok, 'missing', 'x.sock'), 'does not exist']
    ]
    for (const [path, why] of cases) {
      const m = p.check(path)
      expect(m, path).toMatch(/^SOCKET_NOT_ALLOWED: /)
      expect(m, path).toContain(why)
      expect(m, path).toContain(`this host may only use sockets in ${ok} (start it with --socket-dir DIR to allow another)`)
    }
  })
})

describe('socket directories', () => {
  it('the default is $XDG_RUNTIME_DIR/virtio-lab, else a per-uid directory in tmp', () => {
    expect(defaultSocketDir({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/virtio-lab')
    expect(defaultSocketDir({})).toBe(join(tmpdir(), `virtio-lab-${process.getuid!()}`))
  })

  it('the default directory is made 0700, and refused when others can write it or it is a symlink', () => {
    const root = scratch()
    const d = join(root, 'virtio-lab')
    expect(prepareOwnSocketDir(d)).toBe(d)
    const { mode } = statSync(d)
    expect(mode & 0o777).toBe(0o700)
    chmodSync(d, 0o777)
    expect(() => prepareOwnSocketDir(d)).toThrow(`socket directory ${d}: writable by others (mode 777); chmod 700 it or pass --socket-dir`)
    const link = join(root, 'link')
    symlinkSync(root, link)
    expect(() => prepareOwnSocketDir(link)).toThrow(`socket directory ${link}: not a directory (a symlink or a file is there)`)
  })

  it('--socket-dir must be an existing directory given absolute', () => {
    const root = scratch()
    writeFileSync(join(root, 'f'), '')
    expect(checkSocketDir(root)).toBe(root)
    expect(() => checkSocketDir('rel')).toThrow('--socket-dir rel: give an absolute path')
    expect(() => checkSocketDir(join(root, 'nope'))).toThrow(`--socket-dir ${join(root, 'nope')}: no such directory`)
    expect(() => checkSocketDir(join(root, 'f'))).toThrow(`--socket-dir ${join(root, 'f')}: not a directory`)
  })

  it('serve --socket-dir on a missing directory: one line, exit 2', async () => {
    let err = ''
    const code = await main(['serve', '--socket-dir', '/nonexistent/vsl'], { out: () => {}, err: (s) => (err += s) })
    expect({ code, err }).toEqual({ code: 2, err: 'virtio-lab: --socket-dir /nonexistent/vsl: no such directory\n' })
  })
})

describe('a WebSocket client configuring a real fabric', () => {
  async function open(port: number): Promise<(method: string, params: unknown[]) => Promise<{ result?: unknown; error?: { message: string } }>> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc`)
    cleanups.push(() => ws.terminate())
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)))
    let next = 1
    return (method, params) =>
      new Promise((resolve) => {
        const id = next++
        ws.on('message', (d) => {
          const m = JSON.parse(d.toString()) as { id?: number; result?: unknown; error?: { message: string } }
          if (m.id === id) resolve(m)
        })
        ws.send(JSON.stringify({ id, method, params }))
      })
  }

  it('is refused on the socket field outside the allowed directory, the service never asked; inside, it goes through', async () => {
    const ok = scratch()
    const lab = new FakeLab()
    const host = await startHost({ service: guardSockets(lab, new SocketPolicy([ok])), port: 0, host: '127.0.0.1', rendererDir: scratch() })
    cleanups.push(() => host.close())
    const call = await open(host.port)
    for (const fabric of ['attached', 'hosted']) {
      const r = await call('configure', [{ fabric, socket: '/tmp/elsewhere.sock' }])
      expect(r.result).toEqual({
        ok: false,
        errors: [{ field: 'socket', message: expect.stringMatching(/^SOCKET_NOT_ALLOWED: \/tmp\/elsewhere\.sock is outside the allowed directories;/) }]
      })
    }
    expect(lab.calls.filter((c) => c.method === 'configure')).toEqual([])
    const inside = join(ok, 'ivshmem.sock')
    expect((await call('configure', [{ fabric: 'attached', socket: inside }])).result).toMatchObject({ ok: true })
    // a later configure that keeps the fabric and names no socket keeps the allowed one
    expect((await call('configure', [{ role: 'device' }])).result).toMatchObject({ ok: true })
    // the emulated fabric needs no socket: never refused
    expect((await call('configure', [{ fabric: 'emulated', socket: '/tmp/elsewhere.sock' }])).result).toMatchObject({ ok: true })
    expect(lab.calls.filter((c) => c.method === 'configure')).toHaveLength(3)
    // every other method reaches the service as it is
    expect((await call('getSnapshot', [])).result).toMatchObject({ config: { fabric: 'emulated' } })
  })

  it('keeping a real fabric while only the fabric changes is judged on the socket already set', async () => {
    const lab = new FakeLab()
    lab.config = { ...lab.config, socket: '/var/run/other.sock' }
    const guarded = guardSockets(lab, new SocketPolicy([scratch()]))
    const r = await guarded.configure({ fabric: 'hosted' })
    expect(r).toMatchObject({ ok: false, errors: [{ field: 'socket' }] })
    expect(lab.calls).toEqual([])
  })
})
