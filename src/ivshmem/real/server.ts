// An ivshmem-server, protocol-compatible with QEMU's contrib one (docs/ivshmem.md#message-sequence, #peer-ids, #server-options):
// to a newcomer it sends 0 (version), its id, -1 + the shm fd; it announces the newcomer to every
// existing peer (id + one eventfd per vector), then sends the newcomer the existing peers' eventfds
// in join order and finally its own. Ids come from QEMU's uint16 cur_id counter, which skips ids in
// use (not lowest-free). Any readable event on a client socket means that client left: its
// eventfds are closed and `id` without fd is sent to the others. The server never proxies a ring.
// Backing: memfd (default: anonymous, nothing left in /dev/shm), shm_open(-M name), unlinked on
// close as QEMU >= 4.2 does on SIGTERM/SIGINT, or a file in a directory (-m dir, e.g. hugetlbfs):
// created with a unique name, unlinked at once and sized, as QEMU's server does; only the fd
// (the server's and the peers') keeps it (docs/ivshmem.md#server-options).

import { closeSync, ftruncateSync, lstatSync, openSync, statSync, unlinkSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { addon, type IvshmemAddon, type PollHandle } from '../native'
import { IvshmemError, errnoOf, msgOf } from './errors'
import { IVSHMEM_PROTOCOL_VERSION } from './client'
import { isPow2 } from '../../sim/shm'

export const DEFAULT_SOCKET = '/tmp/ivshmem_socket'
export const DEFAULT_SIZE = 4 * 2 ** 20
export const MAX_SIZE = 2 ** 30 // ivshmem_server_ftruncate stops doubling at 1 GiB
export const MAX_VECTORS = 64

export interface ServerOptions {
  path?: string
  /** bytes; rounded up to a power of two as ivshmem-server does */
  size?: number
  vectors?: number
  /** POSIX shm name (-M); default: a memfd */
  shmName?: string
  /** directory for a file-backed shm (-m), e.g. a hugetlbfs mount; exclusive with shmName */
  shmDir?: string
  /** verbose log lines (-v) */
  log?: (line: string) => void
}

export interface ServerPeer {
  readonly id: number
  readonly sock: number
  readonly efds: number[]
  poll: PollHandle | null
  readonly joined: number
}

export interface ServerEvents {
  'peer-joined': (id: number) => void
  'peer-left': (id: number) => void
}

/** QEMU's size rule: round up to a power of two, at most 1 GiB */
export function roundShmSize(size: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) throw new IvshmemError('SRV_SIZE', `shm size must be a positive integer, got ${size}`)
  const r = isPow2(size) ? size : 2 ** Math.ceil(Math.log2(size))
  if (r > MAX_SIZE) throw new IvshmemError('SRV_SIZE', `shm size ${size} rounds to ${r}; ivshmem-server allows at most 1G`)
  return r
}

export class IvshmemServer {
  readonly path: string
  readonly size: number
  readonly vectors: number
  readonly shmName: string | null
  readonly shmDir: string | null
  private readonly a: IvshmemAddon
  private listenFd = -1
  private listenPoll: PollHandle | null = null
  private shmFd = -1
  private curId = 0 // uint16_t cur_id
  /** connected peers in join order */
  readonly peers = new Map<number, ServerPeer>()
  private readonly listeners: { [K in keyof ServerEvents]?: ServerEvents[K][] } = {}
  private readonly log: (line: string) => void
  closed = false

  constructor(o: ServerOptions = {}) {
    try {
      this.a = addon()
    } catch (e) {
      throw new IvshmemError('NATIVE_UNAVAILABLE', msgOf(e))
    }
    this.path = o.path ?? DEFAULT_SOCKET
    this.size = roundShmSize(o.size ?? DEFAULT_SIZE)
    this.vectors = o.vectors ?? 1
    if (!Number.isInteger(this.vectors) || this.vectors < 1 || this.vectors > MAX_VECTORS)
      throw new IvshmemError('SRV_VECTORS', `vectors must be 1..${MAX_VECTORS} (ivshmem-server -n), got ${o.vectors}`)
    this.shmName = o.shmName ?? null
    if (this.shmName !== null && !/^\/?[^/\0]{1,250}$/.test(this.shmName))
      throw new IvshmemError('SRV_ERROR', `shm name '${this.shmName}' must be one path component (e.g. ivshmem)`)
    this.shmDir = o.shmDir ?? null
    if (this.shmDir !== null && this.shmName !== null)
      throw new IvshmemError('SRV_SHM_BOTH', 'a POSIX shm name (-M) and a directory (-m) are alternatives: give one')
    if (this.shmDir === '') throw new IvshmemError('SRV_SHM_DIR', 'the shm directory (-m) is empty')
    this.log = o.log ?? (() => {})
  }

  on<K extends keyof ServerEvents>(ev: K, fn: ServerEvents[K]): this {
    ;((this.listeners[ev] ??= []) as ServerEvents[K][]).push(fn)
    return this
  }
  private emit<K extends keyof ServerEvents>(ev: K, ...args: Parameters<ServerEvents[K]>): void {
    for (const fn of this.listeners[ev] ?? []) (fn as (...a: unknown[]) => void)(...args)
  }

  /** create the shm and listen; throws IvshmemError */
  start(): this {
    this.checkStale()
    try {
      this.shmFd = this.shmDir !== null ? fileShm(this.shmDir, this.size) : this.shmName ? this.a.shmOpen(shmPath(this.shmName), this.size) : this.a.memfd(this.size)
    } catch (e) {
      if (e instanceof IvshmemError) throw e
      throw new IvshmemError('SRV_ERROR', `cannot create the shared memory: ${msgOf(e)}`)
    }
    try {
      this.listenFd = this.a.listen(this.path)
    } catch (e) {
      this.a.close(this.shmFd)
      this.shmFd = -1
      if (this.shmName) this.a.shmUnlink(shmPath(this.shmName))
      const code = errnoOf(e)
      if (code === 'EACCES' || code === 'EPERM') throw new IvshmemError('SOCK_ACCESS', `cannot create ${this.path}: permission denied`)
      throw new IvshmemError('SRV_ERROR', `cannot listen on ${this.path}: ${msgOf(e)}`)
    }
    this.listenPoll = this.a.poll(this.listenFd, 0, () => this.onAccept())
    this.log(`listening on ${this.path}: shm ${this.size} bytes (${this.shmKind}), ${this.vectors} vectors`)
    return this
  }

  /** where the shm lives, for log lines: the /dev/shm object, the directory of the unlinked file, or memfd */
  get shmKind(): string {
    if (this.shmDir !== null) return `unlinked file in ${this.shmDir}`
    return this.shmName ? `/dev/shm/${this.shmName.replace(/^\//, '')}` : 'memfd'
  }

  /** a socket file with no listener is a dead server's: remove it; a live one is an error; any other
   *  file at the path is never touched (connect() says ECONNREFUSED for a regular file too) */
  private checkStale(): void {
    let st: ReturnType<typeof lstatSync> | undefined
    try {
      st = lstatSync(this.path)
    } catch {
      return // nothing there: bind creates it
    }
    if (!st.isSocket()) throw new IvshmemError('SRV_NOT_SOCKET', `cannot listen on ${this.path}: a file that is not a socket is there (left as it is)`)
    let fd: number
    try {
      fd = this.a.connect(this.path)
    } catch (e) {
      if (errnoOf(e) === 'ECONNREFUSED') {
        try {
          unlinkSync(this.path)
        } catch {
          /* bind will say why */
        }
      }
      return
    }
    this.a.close(fd)
    throw new IvshmemError('SRV_IN_USE', `another ivshmem-server listens on ${this.path}`)
  }

  private onAccept(): void {
    for (let i = 0; i < 64; i++) {
      let fd: number
      try {
        fd = this.a.accept(this.listenFd)
      } catch (e) {
        this.log(`accept: ${msgOf(e)}`)
        return
      }
      if (fd < 0) return
      this.newConn(fd)
    }
  }

  private allocId(): number {
    for (let i = 0; i < 0xffff; i++) {
      if (!this.peers.has(this.curId)) {
        const id = this.curId
        this.curId = (this.curId + 1) & 0xffff
        return id
      }
      this.curId = (this.curId + 1) & 0xffff
    }
    return -1
  }

  private newConn(sock: number): void {
    const id = this.allocId()
    if (id < 0) {
      this.log('cannot allocate new client id')
      this.a.close(sock)
      return
    }
    const efds: number[] = []
    try {
      for (let v = 0; v < this.vectors; v++) efds.push(this.a.eventfd())
    } catch (e) {
      this.log(`eventfd: ${msgOf(e)}`)
      for (const fd of efds) this.a.close(fd)
      this.a.close(sock)
      return
    }
    const p: ServerPeer = { id, sock, efds, poll: null, joined: Date.now() }
    this.log(`accept()=${sock}, new peer id = ${id}`)
    // §1.2: version, id, shm; announce to the others; others' eventfds; own eventfds
    const ok =
      this.send(p, IVSHMEM_PROTOCOL_VERSION, -1) && this.send(p, id, -1) && this.send(p, -1, this.shmFd)
    if (!ok) return this.dropNew(p)
    for (const o of this.peers.values()) for (const fd of efds) this.send(o, id, fd)
    for (const o of this.peers.values()) for (const fd of o.efds) if (!this.send(p, o.id, fd)) return this.dropNew(p)
    for (const fd of efds) if (!this.send(p, id, fd)) return this.dropNew(p)
    this.peers.set(id, p)
    p.poll = this.a.poll(sock, 0, () => this.leave(p))
    this.emit('peer-joined', id)
  }

  private dropNew(p: ServerPeer): void {
    this.log(`peer ${p.id}: initial messages could not be sent; dropped`)
    // others may have been told already: announce the leave as for any peer
    for (const o of this.peers.values()) this.send(o, p.id, -1)
    for (const fd of p.efds) this.a.close(fd)
    this.a.close(p.sock)
  }

  /** one sendmsg per message; errors only drop this message, as the example server does */
  private send(p: ServerPeer, v: number, fd: number): boolean {
    try {
      return this.a.send(p.sock, v, fd)
    } catch (e) {
      this.log(`send to peer ${p.id}: ${msgOf(e)}`)
      return false
    }
  }

  /** any readable event on a client socket: that client left (ivshmem_server_handle_fds) */
  private leave(p: ServerPeer): void {
    if (!this.peers.has(p.id)) return
    this.peers.delete(p.id)
    if (p.poll) this.a.pollClose(p.poll, true)
    else this.a.close(p.sock)
    p.poll = null
    for (const fd of p.efds) this.a.close(fd)
    this.log(`free peer ${p.id}`)
    for (const o of this.peers.values()) this.send(o, p.id, -1)
    this.emit('peer-left', p.id)
  }

  /** connected peer ids, join order */
  peerIds(): number[] {
    return [...this.peers.keys()]
  }

  /** close every peer, the socket (unlinked) and the shm (shm_unlink for -M) */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const p of [...this.peers.values()]) {
      this.peers.delete(p.id)
      if (p.poll) this.a.pollClose(p.poll, true)
      for (const fd of p.efds) this.a.close(fd)
    }
    if (this.listenPoll) this.a.pollClose(this.listenPoll, true)
    else if (this.listenFd >= 0) this.a.close(this.listenFd)
    this.listenPoll = null
    if (this.listenFd >= 0) {
      try {
        unlinkSync(this.path)
      } catch {
        /* already gone */
      }
    }
    this.listenFd = -1
    if (this.shmFd >= 0) this.a.close(this.shmFd)
    this.shmFd = -1
    if (this.shmName) this.a.shmUnlink(shmPath(this.shmName))
  }
}

const shmPath = (name: string) => (name.startsWith('/') ? name : `/${name}`)

/** -m dir: a new file with a unique name (O_EXCL, mode 0600, as mkstemp), unlinked at once so
 *  nothing is left behind whatever happens to the server, then sized; returns its fd */
function fileShm(dir: string, size: number): number {
  let st: ReturnType<typeof statSync>
  try {
    st = statSync(dir)
  } catch (e) {
    throw new IvshmemError('SRV_SHM_DIR', `-m ${dir}: ${errnoOf(e) === 'ENOENT' ? 'no such directory' : msgOf(e)}`)
  }
  if (!st.isDirectory()) throw new IvshmemError('SRV_SHM_DIR', `-m ${dir}: not a directory`)
  let fd = -1
  let path = ''
  for (let k = 0; k < 16 && fd < 0; k++) {
    path = join(dir, `ivshmem.${randomBytes(6).toString('base64url')}`)
    try {
      fd = openSync(path, 'wx+', 0o600) // O_RDWR: the peers map it read-write
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') continue
      throw new IvshmemError('SRV_SHM_DIR', `-m ${dir}: cannot create a file there: ${errnoOf(e) === 'EACCES' ? 'permission denied' : msgOf(e)}`)
    }
  }
  if (fd < 0) throw new IvshmemError('SRV_SHM_DIR', `-m ${dir}: no unique file name found`)
  try {
    unlinkSync(path)
    ftruncateSync(fd, size)
  } catch (e) {
    closeSync(fd)
    try {
      unlinkSync(path)
    } catch {
      /* unlinked already */
    }
    throw new IvshmemError('SRV_SHM_DIR', `-m ${dir}: cannot size the file to ${size} bytes: ${msgOf(e)} (on hugetlbfs the size must be a multiple of the huge page size)`)
  }
  return fd
}
