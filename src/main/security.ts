// Electron-free security policy of the shell: which pages may call the lab over IPC, and which
// external links may leave the app. src/main/index.ts wires these into Electron; tests import
// them directly.

/** The renderer is served from a privileged custom scheme, not file:// (Electron checklist). */
export const APP_SCHEME = 'app'
export const APP_HOST = 'lab'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/** https hosts that links in the app may open in the user's browser. Nothing else leaves the app. */
export const EXTERNAL_HOSTS: readonly string[] = [
  'docs.oasis-open.org', // the virtio specification
  'github.com',
  'docs.zephyrproject.org',
  'www.qemu.org',
  'qemu.readthedocs.io',
  'www.kernel.org',
  'openamp.readthedocs.io'
]

/** scheme://host[:port] of a URL, also for non-special schemes whose URL.origin is 'null'. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    if (!u.host) return null
    return `${u.protocol}//${u.host}`.toLowerCase()
  } catch {
    return null
  }
}

/** True when a frame at `url` is one of ours (APP_ORIGIN, or the dev server in development). */
export function isTrustedOrigin(url: string | undefined | null, allowed: readonly string[]): boolean {
  if (!url) return false
  const o = originOf(url)
  return o !== null && allowed.some((a) => originOf(a) === o)
}

/** Only plain https links to an allowlisted host, without credentials or odd ports. */
export function isAllowedExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (u.protocol !== 'https:') return false
  if (u.username || u.password || u.port) return false
  return hosts.includes(u.hostname.toLowerCase())
}
