// Which unix socket paths a WebSocket client may make the `serve` host create or connect to
// (fabric hosted/attached). A page is less trusted than the user who started the host: without a
// rule, any client that passes the loopback/token checks could have the host bind a socket at any
// path the user can write, or connect to any socket the user can reach (a desktop session bus, an
// ssh agent, another program's control socket). So configure is refused, field `socket`, code
// SOCKET_NOT_ALLOWED, unless the path lies in an allowed directory: a per-user runtime directory
// by default, more with `serve --socket-dir DIR`, plus the exact path the user gave on the command
// line. The Electron app (the local user's own window) is not restricted. docs/ivshmem.md#socket-policy

import { lstatSync, mkdirSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { ConfigureResult, LabApi, ScenarioConfig } from '../../shared/contract'

export const SOCKET_NOT_ALLOWED = 'SOCKET_NOT_ALLOWED'

/** the default directory: $XDG_RUNTIME_DIR/virtio-lab (per user, 0700 by systemd), else
 *  <tmpdir>/virtio-lab-<uid> */
export function defaultSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg && isAbsolute(xdg)) return join(xdg, 'virtio-lab')
  return join(tmpdir(), `virtio-lab-${process.getuid?.() ?? 'user'}`)
}

/** bad `--socket-dir` or an unsafe default directory: the message says which and why */
export class SocketDirError extends Error {
  override name = 'SocketDirError'
}

/**
 * Make the default directory (mode 0700) or check that it is safe to use: a real directory (not
 * a symlink), owned by this user, writable by nobody else (in a shared /tmp another user could
 * have made it first and would then see and replace our sockets).
 */
export function prepareOwnSocketDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new SocketDirError(`socket directory ${dir}: cannot create it: ${(e as Error).message}`)
  }
  const st = lstatSync(dir)
  if (!st.isDirectory()) throw new SocketDirError(`socket directory ${dir}: not a directory (a symlink or a file is there)`)
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) throw new SocketDirError(`socket directory ${dir}: owned by uid ${st.uid}, not by this user (${uid}); remove it or pass --socket-dir`)
  if (st.mode & 0o022) throw new SocketDirError(`socket directory ${dir}: writable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 700 it or pass --socket-dir`)
  return realpathSync(dir)
}

/** a directory given with --socket-dir: it must exist and be a directory */
export function checkSocketDir(dir: string): string {
  if (!isAbsolute(dir)) throw new SocketDirError(`--socket-dir ${dir}: give an absolute path`)
  let real: string
  try {
    real = realpathSync(dir)
  } catch {
    throw new SocketDirError(`--socket-dir ${dir}: no such directory`)
  }
  if (!lstatSync(real).isDirectory()) throw new SocketDirError(`--socket-dir ${dir}: not a directory`)
  return real
}

export class SocketPolicy {
  private readonly dirs: string[]
  private readonly exact: Set<string>

  /** `dirs`: real paths of allowed directories; `exact`: paths allowed as they are (the command line's) */
  constructor(dirs: readonly string[], exact: readonly string[] = []) {
    this.dirs = [...dirs]
    this.exact = new Set(exact.map((p) => resolve(p)))
  }

  get allowed(): readonly string[] {
    return this.dirs
  }

  /** null when the host may use `path`, else the message for the `socket` field */
  check(path: string): string | null {
    if (this.exact.has(resolve(path))) return null
    const why = this.reason(path)
    return why === null
      ? null
      : `${SOCKET_NOT_ALLOWED}: ${why}; this host may only use sockets in ${this.dirs.join(', ') || '(no directory)'} (start it with --socket-dir DIR to allow another)`
  }

  private reason(path: string): string | null {
    if (!isAbsolute(path)) return `${path} is not an absolute path`
    // the directory as the kernel will resolve it (symlinks followed): it must lie in an allowed one
    let parent: string
    try {
      parent = realpathSync(dirname(path))
    } catch {
      return `the directory of ${path} does not exist`
    }
    if (!this.dirs.some((d) => inside(parent, d))) return `${path} is outside the allowed directories`
    // the last component must not be a symlink leading elsewhere (connect and bind follow it)
    try {
      if (lstatSync(join(parent, basename(path))).isSymbolicLink()) return `${path} is a symbolic link`
    } catch {
      /* not there yet: hosting creates it */
    }
    return null
  }
}

function inside(p: string, dir: string): boolean {
  const r = relative(dir, p)
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r))
}

/**
 * The service as WebSocket clients see it: configure on a real fabric is refused unless the
 * policy allows its socket (the one it names, or the current one it keeps). Every other method,
 * and any added later, goes to the service unchanged.
 */
export function guardSockets<T extends LabApi & { readonly config: ScenarioConfig }>(service: T, policy: SocketPolicy): LabApi {
  const configure = async (cfg: Partial<ScenarioConfig>): Promise<ConfigureResult> => {
    const c = cfg && typeof cfg === 'object' ? cfg : {}
    const fabric = c.fabric ?? service.config.fabric
    const socket = c.socket !== undefined ? c.socket : service.config.socket
    if (fabric !== 'emulated' && typeof socket === 'string') {
      const why = policy.check(socket)
      if (why !== null) return { ok: false, errors: [{ field: 'socket', message: why }] }
    }
    return service.configure(cfg)
  }
  return new Proxy(service, {
    get(target, key) {
      if (key === 'configure') return configure
      const v: unknown = Reflect.get(target, key, target)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  }) as LabApi
}
