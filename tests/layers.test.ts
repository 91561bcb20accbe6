// The layer rule of docs/architecture.md#layers as a test: walk every import of src/ (type-only ones included: a
// type edge is still a design edge) and fail on any that points up.
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(__dirname, '../src')

/** bottom first; a module may import its own layer and anything lower */
const RANK: Record<string, number> = {
  sim: 0,
  virtio: 1,
  ivshmem: 2,
  guest: 3,
  profiles: 4,
  shared: 5,
  lab: 6,
  host: 7,
  main: 8,
  preload: 8,
  renderer: 9
}
/** below src/lab: no Electron, Vue, DOM libraries or network servers */
const LOW_FORBIDDEN_BARE = /^(electron|vue|pinia|@vue\/|@xterm\/|ws$|dockview)/

export function layerOf(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0]!
}

function files(dir: string): string[] {
  const out: string[] = []
  for (const n of readdirSync(dir)) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (/\.(ts|vue)$/.test(n) && !n.endsWith('.d.ts')) out.push(p)
  }
  return out
}

const IMPORT_RE = /^\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm

export interface Edge {
  from: string
  to: string
  spec: string
}

/** every import edge of the given files: relative ones resolved to a file, bare ones as is */
export function edges(list: string[], read: (f: string) => string = (f) => readFileSync(f, 'utf8')): Edge[] {
  const out: Edge[] = []
  for (const f of list) {
    for (const m of read(f).matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2] ?? m[3])!
      if (spec.startsWith('.')) {
        const base = resolve(dirname(f), spec)
        const to = [base, `${base}.ts`, `${base}/index.ts`].find((x) => existsSync(x) && statSync(x).isFile()) ?? base
        out.push({ from: f, to, spec })
      } else out.push({ from: f, to: spec, spec })
    }
  }
  return out
}

/** the upward edges, as 'from -> spec' lines */
export function violations(es: Edge[]): string[] {
  const bad: string[] = []
  for (const e of es) {
    const a = layerOf(e.from)
    const ra = RANK[a]
    if (ra === undefined) {
      bad.push(`${relative(SRC, e.from)}: not in a known layer (${Object.keys(RANK).join(', ')})`)
      continue
    }
    if (!e.to.startsWith('/')) {
      if (ra <= RANK.profiles! && LOW_FORBIDDEN_BARE.test(e.to)) bad.push(`${relative(SRC, e.from)} -> '${e.spec}' (UI/host library below src/lab)`)
      continue
    }
    if (!e.to.startsWith(SRC)) continue // tests, build files
    const b = layerOf(e.to)
    const rb = RANK[b]
    if (rb === undefined || rb > ra) bad.push(`${relative(SRC, e.from)} -> ${relative(SRC, e.to)} (${a} may not import ${b})`)
    // the renderer knows only the contract (and what the contract re-exports)
    else if (a === 'renderer' && b !== 'renderer' && b !== 'shared') bad.push(`${relative(SRC, e.from)} -> ${relative(SRC, e.to)} (renderer imports only src/shared)`)
  }
  return bad
}

describe('layers (docs/architecture.md#layers: one direction of dependency)', () => {
  const all = files(SRC)

  it('finds the source tree', () => {
    const layers = new Set(all.map(layerOf))
    for (const l of ['sim', 'virtio', 'ivshmem', 'guest', 'profiles', 'shared', 'lab', 'host', 'main', 'renderer']) expect(layers).toContain(l)
  })

  it('has no upward import edge anywhere in src/', () => {
    expect(violations(edges(all))).toEqual([])
  })

  it('reports an upward edge, a renderer reach-through and a UI library below src/lab', () => {
    const fake = new Map<string, string>([
      [join(SRC, 'guest/zephyr.ts'), "import type { LabSession } from '../lab/session'\n"],
      [join(SRC, 'sim/trace.ts'), "import type { LabSnapshot } from '../shared/contract'\n"],
      [join(SRC, 'renderer/src/x.ts'), "import { Shm } from '../../sim/shm'\n"],
      [join(SRC, 'virtio/ring.ts'), "import { ref } from 'vue'\n"],
      [join(SRC, 'lab/session.ts'), "import { Shm } from '../sim/shm'\nimport type { Side } from '../shared/contract'\n"]
    ])
    const v = violations(edges([...fake.keys()], (f) => fake.get(f)!))
    expect(v).toEqual([
      'guest/zephyr.ts -> lab/session.ts (guest may not import lab)',
      'sim/trace.ts -> shared/contract.ts (sim may not import shared)',
      'renderer/src/x.ts -> sim/shm.ts (renderer imports only src/shared)',
      "virtio/ring.ts -> 'vue' (UI/host library below src/lab)"
    ])
  })
})
