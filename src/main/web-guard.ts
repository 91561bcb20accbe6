// What the window's web contents may do: no navigation or new windows (allowlisted https links
// open in the user's browser), the CSP on every response of our origins, no permissions but
// copying text, and the renderer served from app://lab.

import { app, protocol, session, shell } from 'electron'
import { RENDERER_CSP, SECURITY_HEADERS } from '../host/web/headers'
import { readStaticFile } from '../host/web/static'
import { APP_HOST, APP_SCHEME, isAllowedExternalUrl, isTrustedOrigin } from './security'

/** The only way a URL leaves the app: https to an allowlisted host, in the user's browser. */
async function safeOpenExternal(url: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url)) {
    console.warn(`[security] blocked opening ${url}`)
    return false
  }
  try {
    await shell.openExternal(url)
    return true
  } catch (err) {
    // e.g. no browser / xdg-open failure on Linux: log, don't leave an unhandled rejection
    console.warn(`[links] cannot open ${url}: ${(err as Error).message}`)
    return false
  }
}

/** every web contents: no navigation, redirects, webviews or windows */
export function guardNavigation(): void {
  app.on('web-contents-created', (_e, contents) => {
    // details.url: the positional url argument is deprecated (electron.d.ts, Electron 45)
    contents.on('will-navigate', (ev) => {
      ev.preventDefault()
      if (isAllowedExternalUrl(ev.url)) void safeOpenExternal(ev.url)
    })
    contents.on('will-redirect', (ev) => ev.preventDefault())
    contents.on('will-attach-webview', (ev) => ev.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void safeOpenExternal(url)
      return { action: 'deny' }
    })
  })
}

export function secureSession(allowedOrigins: readonly string[], rendererDir: string): void {
  const ses = session.defaultSession
  // The renderer is served by us; add the CSP to every response of our origins (app:// and the dev
  // server). Other responses of the session (DevTools, anything else) are left untouched.
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isTrustedOrigin(details.url, allowedOrigins)) {
      callback({})
      return
    }
    const headers: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) {
      if (k.toLowerCase() !== 'content-security-policy') headers[k] = v
    }
    headers['Content-Security-Policy'] = [RENDERER_CSP]
    callback({ responseHeaders: headers })
  })
  // Only copying console text, and only by our own page, is allowed; cameras, notifications,
  // serial, etc. are denied.
  const allowed = new Set(['clipboard-sanitized-write'])
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowed.has(permission) && isTrustedOrigin(details.requestingUrl, allowedOrigins))
  )
  ses.setPermissionCheckHandler(
    (_wc, permission, requestingOrigin) => allowed.has(permission) && isTrustedOrigin(requestingOrigin, allowedOrigins)
  )
  ses.setDevicePermissionHandler(() => false)

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    const found = url.host === APP_HOST ? await readStaticFile(rendererDir, url.pathname) : null
    if (!found) {
      return new Response('not found', { status: 404, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' } })
    }
    return new Response(new Uint8Array(found.body), {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': found.type }
    })
  })
}
