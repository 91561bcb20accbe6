// The Electron main process serves the renderer with the host's static-file and header code but
// must not load the WebSocket library (issue #6: src/main pulled `ws` in through ws-host).
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'

const ROOT = resolve(__dirname, '../..')

/** runtime imports (static and dynamic) reachable from `entry`: our files and bare specifiers */
function graph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const src = readFileSync(file, 'utf8')
    const specs: string[] = []
    for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      if (!m[2]) specs.push(m[3] ?? m[4])
    }
    for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1])
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec)
        const next = [`${base}.ts`, `${base}/index.ts`, base].find((f) => existsSync(f) && f.endsWith('.ts'))
        if (next) visit(next)
      } else bare.add(spec)
    }
  }
  visit(resolve(ROOT, entry))
  return { files: new Set([...files].map((f) => relative(ROOT, f))), bare }
}

describe('host module boundaries', () => {
  it('src/main reaches neither ws nor ws-host, but does use the ws-free web modules', () => {
    const g = graph('src/main/index.ts')
    expect([...g.bare].filter((b) => b === 'ws' || b.startsWith('ws/'))).toEqual([])
    expect(g.files.has('src/host/ws-host.ts')).toBe(false)
    expect(g.files.has('src/host/web/static.ts')).toBe(true)
    expect(g.files.has('src/host/web/headers.ts')).toBe(true)
  })

  it('the browser host does reach ws (the walker sees it)', () => {
    expect(graph('src/host/ws-host.ts').bare.has('ws')).toBe(true)
  })

  it('the web/ modules other than the host itself import no ws', () => {
    for (const f of ['headers', 'static', 'policy', 'auth', 'event-channel', 'fair-queue', 'rpc-conn']) {
      expect(graph(`src/host/web/${f}.ts`).bare.has('ws'), f).toBe(false)
    }
  })
})
