// `virtio-lab run --attach SOCKET --role device|driver|both`: the lab's guests as peers of a real
// ivshmem-server (QEMU's, `virtio-lab server`, or a QEMU VM's peer set), in wall-clock time:
// --until is then wall time. Two lab processes, device in one and driver in the other, reproduce
// the seed demo over real shared memory; started driver first, it fails as on real hardware.

import type { ScenarioConfig, Side } from '../shared/contract'
import { AttachedLab } from '../lab/attached-lab'
import { IvshmemError } from '../ivshmem/real/errors'
import type { Role } from '../ivshmem/attached'

export const ROLES: Role[] = ['device', 'driver', 'both']

export interface AttachRun {
  cfg: ScenarioConfig
  socket: string
  role: Role
  /** wall ns; null = until SIGINT/SIGTERM */
  until: number | null
  console(side: Side, s: string): void
  err(s: string): void
  quiet: boolean
  /** resolves to stop early (tests) */
  stop?: Promise<void>
}

/** exit code: 0 run completed (also when the demo fails as it should), 1 attach failed */
export async function runAttached(o: AttachRun): Promise<number> {
  let lab: AttachedLab
  try {
    lab = await AttachedLab.open(o.cfg, { socket: o.socket, role: o.role })
  } catch (e) {
    const msg = e instanceof IvshmemError ? `${e.code}: ${e.message}` : (e as Error).message
    o.err(`virtio-lab: --attach ${o.socket}: ${msg}\n`)
    return 1
  }
  lab.onConsole(o.console)
  if (!o.quiet) for (const p of lab.fabric.peerList()) if (p.local) o.err(`lab: ${p.side} is ivshmem peer ${p.id} on ${o.socket}\n`)
  lab.start()
  let done = () => {}
  const ended = new Promise<void>((r) => (done = r))
  const t = o.until === null ? null : setTimeout(done, o.until / 1e6)
  process.once('SIGINT', done)
  process.once('SIGTERM', done)
  void o.stop?.then(done)
  await ended
  if (t) clearTimeout(t)
  process.off('SIGINT', done)
  process.off('SIGTERM', done)
  if (!o.quiet) for (const l of lab.explain()) o.err(`lab: ${l}\n`)
  lab.close()
  return 0
}
