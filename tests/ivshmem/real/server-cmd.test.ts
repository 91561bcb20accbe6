// `virtio-lab server`: QEMU ivshmem-server flags, one-line errors with exit 2, and a clean
// shutdown on SIGTERM/SIGINT (socket unlinked, -M object shm_unlinked, peers told the server left).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
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
    [['--port', '1'], "unknown option '--port' (see virtio-lab server --help)"]
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
    expect(r.out).toContain('Usage: virtio-lab server [-S path] [-l size] [-n vectors] [-M name] [-F] [-v]')
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
