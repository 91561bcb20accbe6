// `virtio-lab server`: QEMU ivshmem-server flags, one-line errors with exit 2, and a clean
// shutdown on SIGTERM/SIGINT (socket unlinked, -M object shm_unlinked, peers told the server left).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../../../src/host/cli'
import { parseServerArgs, parseServerSize } from '../../../src/host/server-cmd'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { skipReason, tmpDir, waitFor } from './helpers'

async function cli(...argv: string[]) {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) })
  return { code, out, err }
}

describe('virtio-lab server arguments', () => {
  it('parses QEMU ivshmem-server flags and defaults', () => {
    expect(parseServerArgs([])).toEqual({ path: '/tmp/ivshmem_socket', size: 4 * 2 ** 20, vectors: 1, foreground: false, verbose: false })
    expect(parseServerArgs(['-S', '/tmp/x', '-l', '64K', '-n', '2', '-M', 'lab', '-F', '-v'])).toEqual({
      path: '/tmp/x', size: 65536, vectors: 2, shmName: 'lab', foreground: true, verbose: true
    })
    expect(parseServerArgs(['-m', '/dev/hugepages', '-p', '/run/user/1/s.pid'])).toMatchObject({ shmDir: '/dev/hugepages', pidFile: '/run/user/1/s.pid' })
    expect(parseServerSize('1G')).toBe(2 ** 30)
    expect(parseServerSize('3m')).toBe(3 * 2 ** 20)
    expect(parseServerSize('4X')).toBeNull()
  })
  const bad: [string[], string][] = [
    [['-n', '65'], "-n must be an integer 1..64, got '65'"],
    [['-n', '0'], "-n must be an integer 1..64, got '0'"],
    [['-l', 'big'], "-l: cannot read 'big' as a size (e.g. 4M)"],
    [['-S'], '-S needs a value'],
    [['-v'], "-v needs -F (as QEMU's ivshmem-server)"],
    [['--port', '1'], "unknown option '--port' (see virtio-lab server --help)"],
    [['-p'], '-p needs a value'],
    [['-m', ''], '-m needs a value'],
    [['-M', 'lab', '-m', '/dev/hugepages'], '-M and -m are alternatives (POSIX shm object or a file in a directory): give one'],
    [['-m', '/dev/hugepages', '-M', 'lab'], '-M and -m are alternatives (POSIX shm object or a file in a directory): give one']
  ]
  for (const [args, msg] of bad)
    it(`${args.join(' ')}: one line on stderr, exit 2`, async () => {
      const r = await cli('server', ...args)
      expect(r).toEqual({ code: 2, out: '', err: `virtio-lab server: ${msg}\n` })
    })
  it.skipIf(skipReason !== null)('-l 2G: above what ivshmem-server allows, exit 2', async () => {
    const t = tmpDir()
    const r = await cli('server', '-F', '-S', t.sock(), '-l', '2G')
    expect(r.code).toBe(2)
    expect(r.err).toBe("virtio-lab server: shm size 2147483648 rounds to 2147483648; ivshmem-server allows at most 1G\n")
    t.cleanup()
  })
  it('--help prints the server usage', async () => {
    const r = await cli('server', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toContain('Usage: virtio-lab server [-S path] [-l size] [-n vectors] [-M name | -m dir] [-p pidfile] [-F] [-v]')
  })
})

describe.skipIf(skipReason !== null)('virtio-lab server as a process', () => {
  let t: ReturnType<typeof tmpDir>
  beforeEach(() => (t = tmpDir()))
  afterEach(() => t.cleanup())

  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    it(`${sig}: clean shutdown, socket and /dev/shm object removed, peers see the server gone`, async () => {
      const name = `vlab-test-${process.pid}-${sig}`
      const p = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cli.ts'), 'server', '-F', '-v', '-S', t.sock(), '-l', '1M', '-n', '2', '-M', name], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      p.stdout.on('data', (d) => (out += String(d)))
      p.stderr.on('data', (d) => (out += String(d)))
      let code: number | null = null
      p.on('exit', (c) => (code = c))
      await waitFor(() => out.includes('virtio-lab server: listening on') || code !== null, 'server listening')
      expect(out).toContain(`listening on ${t.sock()} (shm 1M /dev/shm/${name}, 2 vectors per peer)`)
      expect(existsSync(`/dev/shm/${name}`), out).toBe(true)
      const c = await IvshmemClient.connect(t.sock(), { size: 2 ** 20, vectors: 2 })
      expect(c.vectors).toBe(2)
      await waitFor(() => out.includes('new peer id = 0'), 'verbose join line')
      let gone = false
      c.on('server-gone', () => (gone = true))
      p.kill(sig)
      await waitFor(() => code !== null && gone, 'server exit')
      expect({ code, sock: existsSync(t.sock()), shm: existsSync(`/dev/shm/${name}`) }, out).toEqual({ code: 0, sock: false, shm: false })
      c.close()
    })

  it('a second server on the same socket is refused while the first listens', async () => {
    let stop!: () => void
    const stopped = new Promise<void>((r) => (stop = r))
    const { serverCmd } = await import('../../../src/host/server-cmd')
    let out = ''
    const first = serverCmd(['-F', '-S', t.sock()], { out: (s) => (out += s), err: (s) => (out += s) }, stopped)
    await waitFor(() => out.includes('listening'), 'first server')
    const r = await cli('server', '-F', '-S', t.sock())
    expect(r).toEqual({ code: 1, out: '', err: `virtio-lab server: another ivshmem-server listens on ${t.sock()}\n` })
    stop()
    expect(await first).toBe(0)
    expect(existsSync(t.sock())).toBe(false)
  })
})

describe.skipIf(skipReason !== null)('virtio-lab server -m dir (file-backed shm)', () => {
  let t: ReturnType<typeof tmpDir>
  beforeEach(() => (t = tmpDir()))
  afterEach(() => t.cleanup())

  it('serves a file made in the directory and unlinked at once: peers share it, nothing is left', async () => {
    const dir = join(t.dir, 'huge')
    mkdirSync(dir)
    let stop!: () => void
    const stopped = new Promise<void>((r) => (stop = r))
    const { serverCmd } = await import('../../../src/host/server-cmd')
    let out = ''
    const run = serverCmd(['-F', '-S', t.sock(), '-l', '64K', '-m', dir], { out: (s) => (out += s), err: (s) => (out += s) }, stopped)
    await waitFor(() => out.includes('listening'), () => `server listening: ${out}`)
    expect(out).toBe(`virtio-lab server: listening on ${t.sock()} (shm 64K unlinked file in ${dir}, 1 vectors per peer)\n`)
    expect(readdirSync(dir)).toEqual([]) // unlinked before any peer joined
    const a = await IvshmemClient.connect(t.sock(), { size: 65536 })
    const b = await IvshmemClient.connect(t.sock(), { size: 65536 })
    // one file behind both mappings: a store by one peer is the other's to read
    a.shm.w32(0x100, 0xfeedc0de)
    expect(b.shm.r32(0x100)).toBe(0xfeedc0de)
    a.close()
    b.close()
    stop()
    expect(await run).toBe(0)
    expect({ sock: existsSync(t.sock()), dir: readdirSync(dir) }).toEqual({ sock: false, dir: [] })
  })

  const bad: [string, (t: ReturnType<typeof tmpDir>) => string, string][] = [
    ['a missing directory', (t) => join(t.dir, 'nope'), 'no such directory'],
    ['a regular file', (t) => (writeFileSync(join(t.dir, 'f'), 'x'), join(t.dir, 'f')), 'not a directory']
  ]
  for (const [what, dirOf, why] of bad)
    it(`-m on ${what}: one line naming it, exit 2, no socket left`, async () => {
      const d = dirOf(t)
      const r = await cli('server', '-F', '-S', t.sock(), '-m', d)
      expect(r).toEqual({ code: 2, out: '', err: `virtio-lab server: -m ${d}: ${why}\n` })
      expect(existsSync(t.sock())).toBe(false)
    })
})

describe.skipIf(skipReason !== null)('virtio-lab server -p pidfile (daemon mode)', () => {
  let t: ReturnType<typeof tmpDir>
  beforeEach(() => (t = tmpDir()))
  afterEach(() => t.cleanup())

  /** the CLI as a real process: it detaches the server and exits */
  function launch(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cli.ts'), 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      p.stdout.on('data', (d) => (out += String(d)))
      p.stderr.on('data', (d) => (err += String(d)))
      p.on('exit', (code) => resolve({ code, out, err }))
    })
  }
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  it('the detached server writes its pid before the CLI returns, and removes the file on SIGTERM', async () => {
    const pidFile = join(t.dir, 'ivshmem-server.pid')
    const r = await launch('-S', t.sock(), '-l', '64K', '-p', pidFile)
    expect(r.code, r.err).toBe(0)
    const pid = Number(/\[pid (\d+)\]/.exec(r.out)?.[1])
    expect(readFileSync(pidFile, 'utf8')).toBe(`${pid}\n`)
    expect(pid).not.toBe(process.pid)
    expect(alive(pid)).toBe(true)
    const c = await IvshmemClient.connect(t.sock(), { size: 65536 })
    c.close()
    process.kill(pid, 'SIGTERM')
    await waitFor(() => !alive(pid), 'daemon exit')
    expect({ pidFile: existsSync(pidFile), sock: existsSync(t.sock()) }).toEqual({ pidFile: false, sock: false })
  }, 60_000)

  it('an unwritable pid file: SRV_PID_FILE on one line, exit 1, the daemon gone and its socket removed', async () => {
    const pidFile = join(t.dir, 'missing-dir', 's.pid')
    const r = await launch('-S', t.sock(), '-p', pidFile)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(new RegExp(`^virtio-lab server: SRV_PID_FILE: cannot write pid file ${pidFile}: ENOENT[^\n]*\n$`))
    expect(existsSync(t.sock())).toBe(false)
  }, 60_000)

  it('-F: the pid file is not written (QEMU: daemon mode only)', async () => {
    const pidFile = join(t.dir, 's.pid')
    let stop!: () => void
    const stopped = new Promise<void>((r) => (stop = r))
    const { serverCmd } = await import('../../../src/host/server-cmd')
    let out = ''
    const run = serverCmd(['-F', '-S', t.sock(), '-p', pidFile], { out: (s) => (out += s), err: (s) => (out += s) }, stopped)
    await waitFor(() => out.includes('listening'), 'server listening')
    expect(existsSync(pidFile)).toBe(false)
    stop()
    expect(await run).toBe(0)
  })
})
