// Request policy of the browser host: which addresses count as loopback, the DNS-rebinding guard
// (Host header) and the cross-site WebSocket guard (Origin header). Pure functions of the request.

import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and 'localhost'. '0.0.0.0' and '::' are NOT loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h)
  return false
}

export function hostnameOfHostHeader(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null
  try {
    return new URL(`http://${hostHeader}`).hostname
  } catch {
    return null
  }
}

/**
 * DNS rebinding guard: a tokenless loopback host only answers to loopback Host names (a page of
 * evil.example rebound to 127.0.0.1 still sends Host: evil.example).
 */
export function hostHeaderOk(req: IncomingMessage, tokenSet: boolean, loopbackBind: boolean): boolean {
  if (tokenSet || !loopbackBind) return true
  const name = hostnameOfHostHeader(req.headers.host)
  return name !== null && isLoopbackHost(name)
}

/**
 * Cross-site WebSocket hijacking guard: a browser always sends Origin on a WebSocket upgrade; it
 * must be the page's own origin or one explicitly allowed. Non-browser clients send none.
 */
export function originOk(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  const own = `http://${req.headers.host ?? ''}`.toLowerCase()
  const o = origin.toLowerCase()
  return o === own || allowed.has(o)
}

/** The host part of a URL to print for a bind address (wildcards print as loopback). */
export function formatUrlHost(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, '$1')
  if (h === '0.0.0.0' || h === '') return '127.0.0.1'
  if (h === '::') return '[::1]'
  return isIP(h) === 6 ? `[${h}]` : h
}
