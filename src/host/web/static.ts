// Static files of the built renderer: path resolution that cannot leave the root (also via
// symlinks) and content types. ws-free: the Electron shell's app:// protocol uses it too.

import { promises as fsp } from 'node:fs'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Maps a URL pathname ('/', '/assets/x.js', percent-encoded) to a file inside rootDir, or null
 * when it is malformed or would leave rootDir. '/' maps to index.html. Does not touch the disk.
 */
export function resolveStaticPath(rootDir: string, pathname: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  if (!decoded.startsWith('/')) return null
  if (decoded.split('/').some((seg) => seg === '..')) return null
  if (decoded.endsWith('/')) decoded += 'index.html'
  const root = resolve(rootDir)
  const file = resolve(root, '.' + decoded)
  const rel = relative(root, file)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return file
}

/** Reads a static file for `pathname`, refusing anything outside rootDir (also via symlinks). */
export async function readStaticFile(
  rootDir: string,
  pathname: string
): Promise<{ file: string; body: Buffer; type: string } | null> {
  const file = resolveStaticPath(rootDir, pathname)
  if (!file) return null
  try {
    const [realRoot, realFile] = await Promise.all([fsp.realpath(rootDir), fsp.realpath(file)])
    if (!realFile.startsWith(realRoot + sep)) return null
    const st = await fsp.stat(realFile)
    if (!st.isFile()) return null
    return { file: realFile, body: await fsp.readFile(realFile), type: contentTypeFor(realFile) }
  } catch {
    return null
  }
}
