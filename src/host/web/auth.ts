// Access token of the browser host: given as ?token=… or as the HttpOnly cookie set when the page
// was opened with a valid ?token=…; compared in constant time.

import type { IncomingMessage } from 'node:http'
import { createHash, timingSafeEqual } from 'node:crypto'

export const TOKEN_COOKIE = 'virtio_lab_token'

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false
  return timingSafeEqual(digest(expected), digest(given))
}

export function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

export class TokenAuth {
  /** token undefined = no token (loopback only) */
  constructor(readonly token: string | undefined) {}

  get required(): boolean {
    return this.token !== undefined
  }

  /** token from ?token= or the cookie; null when none given */
  presented(req: IncomingMessage, url: URL): string | null {
    return url.searchParams.get('token') ?? cookieValue(req, TOKEN_COOKIE)
  }

  authorized(req: IncomingMessage, url: URL): boolean {
    return this.token === undefined || tokenMatches(this.token, this.presented(req, url))
  }

  /** the Set-Cookie header for a page opened with ?token=… (so assets and /rpc need no query) */
  cookieFor(url: URL): Record<string, string> {
    if (this.token === undefined || !url.searchParams.has('token')) return {}
    return { 'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(this.token)}; Path=/; HttpOnly; SameSite=Strict` }
  }
}
