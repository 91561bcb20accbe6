// LabService on a real fabric (attached to an ivshmem-server, or hosting one): opening the session
// with a clear error per field, and the error for controls that need virtual time. The session
// runs on the wall clock (docs/architecture.md#time): pause/step/speed do not apply there.

import type { ConfigError, ScenarioConfig } from '../shared/scenario'
import type { LabSession } from '../lab/session'
import { nativeSupport } from '../ivshmem/native'
import { closeAttached, openAttached } from './attach-cmd'

/** a control that needs virtual time, asked of a session on a real fabric */
export class WallClockError extends Error {
  override name = 'WallClockError'
  readonly code = 'WALL_CLOCK'
  constructor(cmd: string, kind: string) {
    super(`${cmd} does not apply to a real fabric (wall clock): the ${kind} fabric's peers keep running in real time; reset or configure an emulated fabric to step`)
  }
}

/** a real fabric's session, or the errors (field + one line) that say why not */
export async function openRealSession(
  cfg: ScenarioConfig,
  traceKeep: number
): Promise<{ ok: true; session: LabSession } | { ok: false; errors: ConfigError[] }> {
  const sup = nativeSupport()
  if (!sup.ok)
    return { ok: false, errors: [{ field: 'fabric', message: `fabric '${cfg.fabric}' needs the native ivshmem addon (npm run build:native), unavailable here: ${sup.reason}` }] }
  if (!cfg.socket) return { ok: false, errors: [{ field: 'socket', message: `the ${cfg.fabric} fabric needs the ivshmem-server's socket path` }] }
  try {
    // observe: stores the other process makes show up attributed to it (docs/ivshmem.md#lost-bytes, README "Real ivshmem")
    const s = await openAttached(cfg, { socket: cfg.socket, role: cfg.role, host: cfg.fabric === 'hosted', observe: true }, { keep: traceKeep })
    s.start()
    return { ok: true, session: s }
  } catch (e) {
    const code = (e as { code?: unknown }).code
    return { ok: false, errors: [{ field: 'socket', message: `${cfg.fabric} ${cfg.socket}: ${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}` }] }
  }
}

export function closeRealSession(s: LabSession): void {
  try {
    closeAttached(s)
  } catch {
    /* already closed: a dead server or a peer gone must not stop the service */
  }
}
