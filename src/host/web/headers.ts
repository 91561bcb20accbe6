// Web policy of the renderer, shared by the browser host and the Electron shell. ws-free on purpose:
// src/main imports this module (and ./static) without pulling the WebSocket library in.

/**
 * Content-Security-Policy of the renderer, sent by this host and by the Electron shell.
 * style-src needs 'unsafe-inline' because xterm.js injects <style> elements at runtime.
 * connect-src 'self' covers ws://<same host:port>/rpc (CSP3 'self' matches ws: for http: pages).
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Headers sent with every response of the renderer (pages, assets and errors alike). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()'
}
