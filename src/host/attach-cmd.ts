// `virtio-lab run --attach SOCKET --role device|driver|both`: the lab's guests as peers of a real
// ivshmem-server (QEMU's contrib one, `virtio-lab server`, the one a QEMU VM set uses), in
// wall-clock time: --until is then wall time. Two lab processes, device in one and driver in the
// other, reproduce the seed demo over real shared memory. Driver first fails as on real hardware.

import type { ScenarioConfig, Side } from '../shared/contract'
import { LabSession, type SessionOptions } from '../lab/session'
import { explain } from '../lab/explain'
import { AttachedFabric, HostedFabric, type Role } from '../ivshmem/attached'
import { WallClock } from '../sim/clock'
import { IvshmemError } from '../ivshmem/real/errors'

export const ROLES: Role[] = ['device', 'driver', 'both']

export interface AttachSpec {
  /** the ivshmem-server socket to join, or to create with `host` */
  socket: string
  role: Role
  /** run our own ivshmem-server on `socket` (HostedFabric) */
  host?: boolean
  accessor?: boolean
  /** diff the other side's stores in with the ShmObserver (for snapshots, the trace and the
   *  explanation); on in `run` and `serve`. Its earlier two-process stall was the ready race fixed
   *  on the native branch: tests/ivshmem/real/attach.test.ts and service.test.ts run with it on */
  observe?: boolean
}

/** a LabSession on a real fabric; rejects with an IvshmemError (code + one line) */
export async function openAttached(cfg: ScenarioConfig, spec: AttachSpec, trace: SessionOptions['trace'] = {}): Promise<LabSession> {
  // slip: a late event loop must not burst the seed's 20 ms-paced bytes into back-to-back kicks,
  // which merge with the driver's acks and lose bytes (docs/ivshmem.md#lost-bytes)
  const clock = new WallClock({ slip: true })
  const o = { clock, size: cfg.shmSize, vectors: cfg.vectors, accessor: spec.accessor }
  const fabric = spec.host
    ? await HostedFabric.host({ ...o, server: { path: spec.socket, size: cfg.shmSize, vectors: cfg.vectors } })
    : await AttachedFabric.open({ ...o, socket: spec.socket })
  const remote: Side | undefined = spec.role === 'device' ? 'driver' : spec.role === 'driver' ? 'device' : undefined
  const order: ScenarioConfig['order'] = spec.role === 'device' ? 'device-only' : spec.role === 'driver' ? 'driver-only' : cfg.order
  return new LabSession({ ...cfg, order }, {
    trace,
    fabric: (t) => ((fabric.trace = t), fabric),
    remote: spec.observe ? remote : undefined
  })
}

export interface AttachRun {
  cfg: ScenarioConfig
  spec: AttachSpec
  /** wall ns; null = until SIGINT/SIGTERM */
  until: number | null
  console(side: Side, s: string): void
  err(s: string): void
  quiet: boolean
  /** the session's trace sink (run --trace FILE) */
  trace?: (line: string) => void
  /** typed into the console of this process's side (run --stdin): the device for role device
   *  or both, the driver for role driver; with --profile spec the driver shell answers */
  input?: NodeJS.ReadableStream
}

/** the console typed input goes to: the side this process runs (the device when it runs both) */
export const inputSide = (role: Role): Side => (role === 'driver' ? 'driver' : 'device')

/** exit code: 0 run completed (also when the demo fails as it should), 1 attach failed */
export async function runAttached(o: AttachRun): Promise<number> {
  let s: LabSession
  try {
    s = await openAttached(o.cfg, o.spec, { sink: o.trace })
  } catch (e) {
    const msg = e instanceof IvshmemError ? `${e.code}: ${e.message}` : (e as Error).message
    o.err(`virtio-lab: --attach ${o.spec.socket}: ${msg}\n`)
    return 1
  }
  s.onConsole(o.console)
  // peers as they come and go: ours when they get their id, remote ones from the server's join
  // and leave announcements (docs/ivshmem.md#server-protocol), as lines on stderr
  const seen = new Map<number, boolean>()
  const announce = () => {
    for (const p of s.fabric.peerList()) {
      const was = seen.get(p.id)
      if (was === p.connected) continue
      seen.set(p.id, p.connected)
      if (o.quiet) continue
      if (p.local) {
        o.err(p.connected ? `lab: ${p.side} is ivshmem peer ${p.id} on ${o.spec.socket}\n` : `lab: ${p.side} (peer ${p.id}) left\n`)
      } else o.err(`lab: remote peer ${p.id} ${p.connected ? 'joined' : 'left'}\n`)
    }
  }
  const side = inputSide(o.spec.role)
  const onInput = (d: Buffer | string) => {
    const r = s.sendInput(side, typeof d === 'string' ? d : d.toString('latin1'))
    if (r.dropped && !o.quiet) o.err(`lab: ${r.dropped} typed byte(s) dropped: the ${side} is not running or its UART FIFO is full\n`)
  }
  o.input?.on('data', onInput)
  s.start()
  let done = () => {}
  const ended = new Promise<void>((r) => (done = r))
  const t = o.until === null ? null : setTimeout(done, o.until / 1e6)
  const tick = setInterval(announce, 50)
  process.once('SIGINT', done)
  process.once('SIGTERM', done)
  await ended
  announce()
  if (t) clearTimeout(t)
  clearInterval(tick)
  process.off('SIGINT', done)
  process.off('SIGTERM', done)
  // the run is over: let go of the input (a pipe or a terminal left open must not keep the process alive)
  o.input?.off('data', onInput)
  ;(o.input as { destroy?: () => void } | undefined)?.destroy?.()
  if (!o.quiet) {
    const st = s.fabric.status()
    o.err(`lab: ${s.fabric.kind} fabric ${st.state}: ${st.detail}\n`)
    for (const p of s.fabric.peerList())
      o.err(`lab: peer ${p.id}: ${p.local ? `this process (${p.side})` : 'remote (another process or a QEMU guest)'}${p.connected ? '' : ', left'}\n`)
    const c = s.fabric.counters
    o.err(`lab: doorbells ${c.doorbells} (dropped ${c.dropped}), interrupts ${c.interrupts} (rings merged ${c.merged})\n`)
    try {
      for (const l of explain(s)) o.err(`lab: ${l}\n`)
    } catch {
      /* the explanation is written for the emulated fabric; a wall-clock run still has the lines above */
    }
  }
  closeAttached(s)
  return 0
}

/** stop the guests (their peers leave the server), the clock and the fabric */
export function closeAttached(s: LabSession): void {
  s.stopGuest('device')
  s.stopGuest('driver')
  if (s.clock instanceof WallClock) s.clock.close()
  s.fabric.close()
}
