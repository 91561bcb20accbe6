// A peer of a real ivshmem-server (QEMU's contrib server or ours): docs/ivshmem.md#server-protocol.
// The socket carries 8-byte LE int64 messages, server -> client only, each with at most one fd:
//   0 (version) · ownId · -1 + shm fd · then `id + fd` = one more vector of peer id (our own id:
//   our interrupt eventfds) and `id` without fd = peer id left.
// As QEMU's device, peer messages are accepted in any order before the shm message (§1.7).
// Every message is validated (QEMU's process_msg: -1..65535); a violation ends the connection with
// a stable code. Interrupts: one uv_poll per own eventfd; each callback drains the counter once, so
// a flooding peer costs one callback per loop turn, and the count says how many rings merged.

import { addon, type IvshmemAddon, type PollHandle } from '../native'
import { IvshmemError, errnoOf, msgOf, type IvshmemErrorCode } from './errors'
import { mapShm, type MappedShm } from './shm-access'
import type { ShmAccess } from '../../sim/shm'

export const IVSHMEM_PROTOCOL_VERSION = 0
const MAX_VECTORS = 64 // IVSHMEM_SERVER_MAX_VECTORS; more per peer are closed (QEMU: "Too many eventfd")
const MSGS_PER_TURN = 4096 // bounded work per socket callback; uv_poll is level-triggered

export type ClientState = 'version' | 'id' | 'setup' | 'ready' | 'gone' | 'error' | 'closed'

export interface ClientEvents {
  ready: () => void
  'peer-joined': (id: number) => void
  'peer-vector': (id: number, vector: number) => void
  'peer-left': (id: number) => void
  interrupt: (vector: number, count: number) => void
  'server-gone': () => void
  error: (e: IvshmemError) => void
  warning: (msg: string) => void
}

export interface ClientOptions {
  /** shm size the lab expects (SHM_SIZE_MISMATCH otherwise) */
  size?: number
  /** handshake bound, ms: nothing or garbage within it = not an ivshmem-server (default 3000) */
  timeoutMs?: number
  /** force the native accessor ShmAccess (Electron's, also under Node) */
  accessor?: boolean
  /** own vectors (the server's -n) to wait for before `ready` (default 1): the server sends them
   *  after the shm, each its own message, so a read can end between them */
  vectors?: number
}

interface PeerFds {
  fds: number[]
}

export class IvshmemClient {
  state: ClientState = 'version'
  id = -1
  /** own interrupt eventfds, by vector */
  private readonly own: { fd: number; poll: PollHandle }[] = []
  /** other peers' doorbell eventfds, join order */
  readonly peers = new Map<number, PeerFds>()
  private mapped: MappedShm | null = null
  private sockPoll: PollHandle | null = null
  private readonly buf = new Uint8Array(8)
  private readonly dv = new DataView(this.buf.buffer)
  private have = 0
  private pendingFd = -1
  private timer: ReturnType<typeof setTimeout> | null = null
  private readonly listeners: { [K in keyof ClientEvents]?: ClientEvents[K][] } = {}
  /** rings counted per own vector, and how many of them arrived merged (count - 1) */
  readonly received: number[] = []
  readonly merged: number[] = []
  lastError: IvshmemError | null = null

  private constructor(
    private readonly a: IvshmemAddon,
    readonly path: string,
    private readonly fd: number,
    private readonly opts: ClientOptions
  ) {}

  /** connect and complete the handshake; rejects with an IvshmemError */
  static connect(path: string, opts: ClientOptions = {}): Promise<IvshmemClient> {
    let a: IvshmemAddon
    try {
      a = addon()
    } catch (e) {
      return Promise.reject(new IvshmemError('NATIVE_UNAVAILABLE', msgOf(e)))
    }
    let fd: number
    try {
      fd = a.connect(path)
    } catch (e) {
      return Promise.reject(connectError(path, e))
    }
    const c = new IvshmemClient(a, path, fd, opts)
    return new Promise((resolve, reject) => {
      c.on('ready', () => resolve(c))
      c.on('error', reject)
      c.start()
    })
  }

  on<K extends keyof ClientEvents>(ev: K, fn: ClientEvents[K]): this {
    ;((this.listeners[ev] ??= []) as ClientEvents[K][]).push(fn)
    return this
  }
  private emit<K extends keyof ClientEvents>(ev: K, ...args: Parameters<ClientEvents[K]>): void {
    for (const fn of this.listeners[ev] ?? []) (fn as (...a: unknown[]) => void)(...args)
  }

  get shm(): ShmAccess {
    if (this.borrowed) return this.borrowed.access
    if (!this.mapped) throw new IvshmemError('CLOSED', 'no shared memory (not connected)')
    return this.mapped.access
  }
  get shmKind(): string {
    return this.mapped?.kind ?? 'none'
  }
  /** own vectors (eventfds the server gave us) */
  get vectors(): number {
    return this.own.length
  }

  private start(): void {
    const ms = this.opts.timeoutMs ?? 3000
    this.timer = setTimeout(() => {
      if (this.state === 'version')
        this.fail('NOT_IVSHMEM', `${this.path}: no ivshmem-server version message within ${ms} ms (is it an ivshmem-server socket?)`)
      else if (this.state === 'ready')
        this.fail('SETUP_TIMEOUT', `${this.path}: the server sent ${this.own.length} vector(s) for us, the lab expects ${this.opts.vectors ?? 1} (match its -n to --vectors)`)
      else this.fail('SETUP_TIMEOUT', `${this.path}: ivshmem-server handshake incomplete after ${ms} ms (state ${this.state})`)
    }, ms)
    this.sockPoll = this.a.poll(this.fd, 0, () => this.onSocket())
  }

  private readyDone = false

  private onSocket(): void {
    for (let i = 0; i < MSGS_PER_TURN && this.sockPoll; i++) {
      let r
      try {
        r = this.a.recv(this.fd, this.buf, this.have)
      } catch (e) {
        return this.eof(`recvmsg: ${msgOf(e)}`)
      }
      if (r === null) break
      if (r.n === 0) {
        if (r.fd >= 0) this.a.close(r.fd)
        return this.eof('the server closed the connection')
      }
      if (r.ctrunc) {
        if (r.fd >= 0) this.a.close(r.fd)
        return this.fail('MSG_CTRUNC', 'the kernel truncated an SCM_RIGHTS message (fd limit?): a file descriptor was lost')
      }
      if (r.extra > 0) this.emit('warning', `message carried ${r.extra + 1} fds; kept the first, closed the rest`)
      if (r.fd >= 0) {
        if (this.pendingFd >= 0) {
          this.a.close(r.fd)
          return this.fail('MSG_FD', 'two fds within one 8-byte message')
        }
        this.pendingFd = r.fd
      }
      this.have += r.n
      if (this.have < 8) continue
      this.have = 0
      const fd = this.pendingFd
      this.pendingFd = -1
      this.handle(this.dv.getBigInt64(0, true), fd)
    }
    // ready once the shm and our own eventfds are in (they come last, §1.2)
    if (!this.readyDone && this.state === 'ready' && this.own.length >= (this.opts.vectors ?? 1)) {
      this.readyDone = true
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.emit('ready')
    }
  }

  private handle(v: bigint, fd: number): void {
    if (v < -1n || v > 65535n) {
      if (fd >= 0) this.a.close(fd)
      if (this.state === 'version')
        return this.fail('NOT_IVSHMEM', `${this.path}: the first message is 0x${BigInt.asUintN(64, v).toString(16)}, not an ivshmem version: not an ivshmem-server`)
      return this.fail('MSG_RANGE', `server sent ${v}: ivshmem messages are -1..65535`)
    }
    const n = Number(v)
    switch (this.state) {
      case 'version':
        if (fd >= 0) return this.bad(fd, 'the version message carries an fd')
        if (n !== IVSHMEM_PROTOCOL_VERSION)
          return this.fail('PROTO_VERSION', `the server speaks ivshmem protocol version ${n}; the lab speaks ${IVSHMEM_PROTOCOL_VERSION} (QEMU >= 2.5)`)
        this.state = 'id'
        return
      case 'id':
        if (fd >= 0) return this.bad(fd, 'the id message carries an fd')
        if (n < 0) return this.fail('MSG_RANGE', 'own id -1: the server sent the shm before our id')
        this.id = n
        this.state = 'setup'
        return
      case 'setup':
      case 'ready':
        if (n === -1) return this.onShm(fd)
        if (fd < 0) return this.onPeerGone(n)
        if (n === this.id) return this.onOwnVector(fd)
        return this.onPeerVector(n, fd)
      default:
        if (fd >= 0) this.a.close(fd)
    }
  }

  private onShm(fd: number): void {
    if (fd < 0) return this.fail('MSG_FD', 'the shm message (-1) carries no fd')
    if (this.state === 'ready') return this.bad(fd, 'a second shm message')
    try {
      this.mapped = mapShm(this.a, fd, { accessor: this.opts.accessor })
    } catch (e) {
      this.a.close(fd)
      if (e instanceof IvshmemError) return this.fail(e.code, e.message)
      return this.fail('SOCK_ERROR', `mmap of the shm fd failed: ${msgOf(e)}`)
    }
    this.a.close(fd) // the mapping keeps the memory
    const want = this.opts.size
    if (want !== undefined && this.mapped.access.size !== want)
      return this.fail('SHM_SIZE_MISMATCH', `the server's shm is ${fmtSize(this.mapped.access.size)}, the lab expects ${fmtSize(want)} (match --shm-size to the server's -l)`)
    this.state = 'ready'
  }

  private onOwnVector(fd: number): void {
    const vector = this.own.length
    if (vector >= MAX_VECTORS) {
      this.a.close(fd)
      return this.emit('warning', `more than ${MAX_VECTORS} own eventfds; extra closed`)
    }
    this.received.push(0)
    this.merged.push(0)
    const poll = this.a.poll(fd, 1, (count) => {
      this.received[vector]! += count
      this.merged[vector]! += count - 1
      this.emit('interrupt', vector, count)
    })
    this.own.push({ fd, poll })
  }

  private onPeerVector(id: number, fd: number): void {
    let p = this.peers.get(id)
    if (!p) {
      this.peers.set(id, (p = { fds: [] }))
      this.emit('peer-joined', id)
    }
    if (p.fds.length >= MAX_VECTORS) {
      this.a.close(fd)
      return this.emit('warning', `peer ${id}: more than ${MAX_VECTORS} eventfds; extra closed`)
    }
    p.fds.push(fd)
    this.emit('peer-vector', id, p.fds.length - 1)
  }

  private onPeerGone(id: number): void {
    if (id === this.id || id < 0) return this.fail('MSG_PEER', `the server announced that we (peer ${id}) left`)
    const p = this.peers.get(id)
    if (!p) return this.emit('warning', `disconnect for unknown peer ${id} ignored`)
    for (const fd of p.fds) this.a.close(fd)
    this.peers.delete(id)
    this.emit('peer-left', id)
  }

  /** take over the mapping: close() then leaves it mapped (a fabric keeps one mapping for its
   *  guests across their peers' connections); the caller unmaps it */
  detachShm(): MappedShm {
    if (!this.mapped) throw new IvshmemError('CLOSED', 'no shared memory (not connected)')
    const m = this.mapped
    this.mapped = null
    this.borrowed = m
    return m
  }
  private borrowed: MappedShm | null = null

  /** host-side Doorbell write: ring `vector` of peer `id`; false when QEMU would drop it */
  ring(id: number, vector: number): boolean {
    if (this.state !== 'ready' && this.state !== 'gone') return false
    const fd = id === this.id ? this.own[vector]?.fd : this.peers.get(id)?.fds[vector]
    return fd !== undefined && this.a.notify(fd)
  }

  /** a store to BAR0 Doorbell: (peer << 16) | vector, QEMU keeps the low 8 bits of the vector */
  doorbell(value: number): boolean {
    return this.ring((value >>> 16) & 0xffff, value & 0xff)
  }

  /** the connection ended: before ready an error, after it the server is gone (peers carry on) */
  private eof(why: string): void {
    if (this.have > 0) return this.fail('MSG_TRUNCATED', `the connection ended inside a message (${this.have} of 8 bytes): ${why}`)
    if (this.state === 'version') return this.fail('NOT_IVSHMEM', `${this.path}: ${why} before sending a version: not an ivshmem-server`)
    if (this.state !== 'ready') return this.fail('SERVER_GONE', `${this.path}: ${why} during the handshake (state ${this.state})`)
    this.stopSocket()
    this.state = 'gone'
    this.emit('server-gone')
  }

  private bad(fd: number, what: string): void {
    this.a.close(fd)
    this.fail('MSG_FD', `protocol violation: ${what}`)
  }

  private fail(code: IvshmemErrorCode, msg: string): void {
    if (this.state === 'error' || this.state === 'closed') return
    const e = new IvshmemError(code, msg)
    this.lastError = e
    this.release()
    this.state = 'error'
    this.emit('error', e)
  }

  private stopSocket(): void {
    if (this.sockPoll) {
      this.a.pollClose(this.sockPoll, true)
      this.sockPoll = null
    } else if (this.state !== 'gone') this.a.close(this.fd)
    if (this.pendingFd >= 0) this.a.close(this.pendingFd)
    this.pendingFd = -1
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.state !== 'gone') this.stopSocket()
    for (const o of this.own) this.a.pollClose(o.poll, true)
    this.own.length = 0
    for (const p of this.peers.values()) for (const fd of p.fds) this.a.close(fd)
    this.peers.clear()
    this.mapped?.close()
    this.mapped = null
  }

  /** leave: the server sees the hang-up and announces it; every fd closed, shm unmapped */
  close(): void {
    if (this.state === 'closed') return
    if (this.state !== 'error') this.release()
    this.state = 'closed'
  }
}

function fmtSize(n: number): string {
  for (const [u, s] of [['G', 30], ['M', 20], ['K', 10]] as const) if (n >= 2 ** s && n % 2 ** s === 0) return `${n / 2 ** s}${u}`
  return `${n} bytes`
}

function connectError(path: string, e: unknown): IvshmemError {
  switch (errnoOf(e)) {
    case 'ENOENT':
      return new IvshmemError('SOCK_MISSING', `no ivshmem-server socket at ${path} (start one: virtio-lab server -S ${path})`)
    case 'EACCES':
    case 'EPERM':
      return new IvshmemError('SOCK_ACCESS', `permission denied connecting to ${path} (socket or directory not accessible to this user)`)
    case 'ECONNREFUSED':
      return new IvshmemError('SOCK_REFUSED', `nothing listens on ${path} (a stale socket of a server that exited, or not a socket)`)
    case 'ENOTSOCK':
      return new IvshmemError('NOT_IVSHMEM', `${path} is not a socket`)
    default:
      return new IvshmemError('SOCK_ERROR', `cannot connect to ${path}: ${msgOf(e)}`)
  }
}
