// `virtio-lab server`: an ivshmem-server compatible with QEMU's contrib one (same flags and
// defaults, docs/ivshmem.md#server-options), for QEMU VMs and lab processes to join.
//   virtio-lab server [-S path] [-l size] [-n vectors] [-M name | -m dir] [-p pidfile] [-F] [-v]
// Without -F it detaches, as QEMU's does, once the socket listens; the detached server writes the
// -p pid file (daemon mode only, as QEMU's) before it says it listens. SIGINT/SIGTERM: every peer
// is closed, the socket unlinked, the -M object shm_unlinked (as QEMU >= 4.2) and the pid file
// removed (QEMU's leaves it; a stale pid file names a pid that may be reused).

import { spawn } from 'node:child_process'
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { DEFAULT_SIZE, DEFAULT_SOCKET, IvshmemServer } from '../ivshmem/real/server'
import { IvshmemError } from '../ivshmem/real/errors'

export interface ServerIo {
  out(s: string): void
  err(s: string): void
}

export const SERVER_USAGE = `virtio-lab server — an ivshmem-server (QEMU's protocol) for QEMU VMs and lab processes

Usage: virtio-lab server [-S path] [-l size] [-n vectors] [-M name | -m dir] [-p pidfile] [-F] [-v]
  -S path      Unix socket to listen on (default ${DEFAULT_SOCKET})
  -l size      shared memory size, K/M/G suffixes, rounded up to a power of two, max 1G (default 4M)
  -n vectors   interrupt vectors per peer, 1..64 (default 1; Zephyr's demo and the lab use 2)
  -M name      POSIX shm object /dev/shm/NAME (default: an anonymous memfd)
  -m dir       file-backed shm in DIR (e.g. a hugetlbfs mount): a unique file, unlinked at once
  -p pidfile   write the detached server's pid there, removed on exit (daemon mode only; no default)
  -F           stay in the foreground (default: detach once listening)
  -v           verbose: log joins and leaves (only with -F, as QEMU's)
`

class UsageError extends Error {}

export interface ServerArgs {
  path: string
  size: number
  vectors: number
  shmName?: string
  shmDir?: string
  pidFile?: string
  foreground: boolean
  verbose: boolean
}

/** QEMU's size syntax: bytes or K/M/G (binary) */
export function parseServerSize(s: string): number | null {
  const m = /^(\d+)([KMG]?)$/i.exec(s)
  if (!m) return null
  const n = Number(m[1]) * 2 ** ({ '': 0, K: 10, M: 20, G: 30 } as Record<string, number>)[m[2]!.toUpperCase()]!
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

export function parseServerArgs(args: string[]): ServerArgs {
  const a: ServerArgs = { path: DEFAULT_SOCKET, size: DEFAULT_SIZE, vectors: 1, foreground: false, verbose: false }
  for (let i = 0; i < args.length; i++) {
    const f = args[i]!
    if (f === '-F') a.foreground = true
    else if (f === '-v') a.verbose = true
    else if (['-S', '-l', '-n', '-M', '-m', '-p'].includes(f)) {
      const v = args[++i]
      if (v === undefined || v === '') throw new UsageError(`${f} needs a value`)
      if (f === '-S') a.path = v
      else if (f === '-M') a.shmName = v
      else if (f === '-m') a.shmDir = v
      else if (f === '-p') a.pidFile = v
      else if (f === '-l') {
        const n = parseServerSize(v)
        if (n === null) throw new UsageError(`-l: cannot read '${v}' as a size (e.g. 4M)`)
        a.size = n
      } else {
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new UsageError(`-n must be an integer 1..64, got '${v}'`)
        a.vectors = Number(v)
      }
    } else throw new UsageError(`unknown option '${f}' (see virtio-lab server --help)`)
  }
  if (a.verbose && !a.foreground) throw new UsageError('-v needs -F (as QEMU\'s ivshmem-server)')
  // QEMU's getopt keeps whichever of -M/-m came last; refusing both says what will happen
  if (a.shmName !== undefined && a.shmDir !== undefined) throw new UsageError('-M and -m are alternatives (POSIX shm object or a file in a directory): give one')
  return a
}

/** runs until SIGINT/SIGTERM (or `stop` resolves); exit code: 0, 2 bad input, 1 cannot serve */
export async function serverCmd(args: string[], io: ServerIo, stop?: Promise<void>): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(SERVER_USAGE)
    return 0
  }
  let a: ServerArgs
  try {
    a = parseServerArgs(args)
  } catch (e) {
    io.err(`virtio-lab server: ${(e as Error).message}\n`)
    return 2
  }
  if (!a.foreground) return detach(args, io)
  let srv: IvshmemServer
  try {
    srv = new IvshmemServer({
      path: a.path,
      size: a.size,
      vectors: a.vectors,
      shmName: a.shmName,
      shmDir: a.shmDir,
      log: a.verbose ? (l) => io.out(`${l}\n`) : undefined
    }).start()
  } catch (e) {
    const bad = e instanceof IvshmemError && (e.code === 'SRV_SIZE' || e.code === 'SRV_VECTORS' || e.code === 'SRV_SHM_DIR' || e.code === 'SRV_SHM_BOTH')
    io.err(`virtio-lab server: ${(e as Error).message}\n`)
    return bad ? 2 : 1
  }
  // the pid file: written by the detached server only (QEMU: "used in daemon mode only"), before
  // it says it listens, so `virtio-lab server -p F` returns with F in place
  const pidFile = process.env[DAEMON_ENV] === '1' ? a.pidFile : undefined
  if (pidFile !== undefined) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o644 })
    } catch (e) {
      srv.close()
      io.err(`virtio-lab server: SRV_PID_FILE: cannot write pid file ${pidFile}: ${(e as Error).message}\n`)
      return 1
    }
  }
  const mib = srv.size >= 2 ** 20 ? `${srv.size / 2 ** 20}M` : `${srv.size / 1024}K`
  io.out(`virtio-lab server: listening on ${srv.path} (shm ${mib} ${srv.shmKind}, ${srv.vectors} vectors per peer)\n`)
  await new Promise<void>((resolve) => {
    const done = () => resolve()
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
    void stop?.then(done)
  })
  srv.close()
  if (pidFile !== undefined) removePidFile(pidFile)
  if (a.verbose) io.out('virtio-lab server: stopped\n')
  return 0
}

/** set in the detached server's environment: it is the daemon (writes the -p pid file) */
const DAEMON_ENV = 'VIRTIO_LAB_SERVER_DAEMON'

/** remove the pid file if it still names this process (another server may have taken it over) */
function removePidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path)
  } catch {
    /* gone already */
  }
}

/** QEMU's server daemonizes: run ourselves again with -F, detached, and return once it listens */
function detach(args: string[], io: ServerIo): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'server', ...args, '-F'], {
      detached: true,
      env: { ...process.env, [DAEMON_ENV]: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    c.stdout!.on('data', (d) => {
      out += String(d)
      if (out.includes('listening on')) {
        io.out(`${out.split('\n')[0]} [pid ${c.pid}]\n`)
        c.stdout!.destroy()
        c.stderr!.destroy()
        c.unref()
        resolve(0)
      }
    })
    c.stderr!.on('data', (d) => (err += String(d)))
    c.on('exit', (code) => {
      io.err(err || `virtio-lab server: exited with ${code}\n`)
      resolve(code || 1)
    })
  })
}
