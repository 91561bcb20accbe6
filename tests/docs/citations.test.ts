// Comments, tests, README and docs cite `docs/<file>.md#<anchor>`: every such citation must name a
// file and an anchor that exist, and nothing may cite the reference notes outside the repository
// (`../shared/...`), which a user who clones it does not have.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '../..')
const SCAN = ['src', 'tests', 'e2e', 'bench', 'scripts', 'native/src', 'docs', 'README.md']
const EXT = /\.(ts|mts|mjs|vue|md|c|h)$/

function files(p: string): string[] {
  const abs = join(ROOT, p)
  if (!statSync(abs, { throwIfNoEntry: false })) return []
  if (statSync(abs).isFile()) return [p]
  return readdirSync(abs).flatMap((n) => (n === 'node_modules' ? [] : files(join(p, n)))).filter((f) => EXT.test(f))
}

/** anchors a markdown file defines: explicit <a id="..."> (what our docs use: stable across heading
 *  edits) and GitHub's heading slugs (lower case, punctuation dropped, spaces to hyphens) */
function anchors(doc: string): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', doc), 'utf8')
  const ids = [...text.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]!)
  const slugs = [...text.matchAll(/^#{1,6} +(.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'))
  return new Set([...ids, ...slugs])
}
const explicit = (doc: string): number => (readFileSync(join(ROOT, 'docs', doc), 'utf8').match(/<a id="/g) ?? []).length

const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
const ANCHORS = new Map(DOCS.map((d) => [d, anchors(d)]))

interface Cite {
  where: string
  doc: string
  anchor: string | null
}

/** `docs/x.md#a` anywhere, and `x.md#a` / `(x.md)` links inside docs/ itself; a bare `#b` right after
 *  a full citation (`docs/x.md#a, #b`) names another anchor of the same file */
function citations(file: string): Cite[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const out: Cite[] = []
  const inDocs = file.startsWith('docs/')
  const re = inDocs ? /\]\((?:docs\/)?([\w-]+\.md)(?:#([^)\s]+))?\)|\]\(#([^)\s]+)\)/g : /docs\/([\w-]+\.md)(?:#([\w-]+)((?:,? #[\w-]+)*))?/g
  for (const m of text.matchAll(re)) {
    const line = text.slice(0, m.index).split('\n').length
    const where = `${file}:${line}`
    if (inDocs && m[3]) out.push({ where, doc: file.slice(5), anchor: m[3] })
    else out.push({ where, doc: m[1]!, anchor: m[2] ?? null })
    if (!inDocs && m[3]) for (const a of m[3].matchAll(/#([\w-]+)/g)) out.push({ where, doc: m[1]!, anchor: a[1]! })
  }
  return out
}

const ALL = SCAN.flatMap(files).filter((f) => f !== 'tests/docs/citations.test.ts')

describe('docs/ citations', () => {
  it('the four documents exist and define their anchors', () => {
    for (const d of ['architecture.md', 'wire-protocol.md', 'ivshmem.md', 'quirks.md']) expect(explicit(d), d).toBeGreaterThan(5)
    for (let q = 1; q <= 35; q++) expect(ANCHORS.get('quirks.md')!.has(`q${q}`), `Q${q}`).toBe(true)
  })

  it('every docs/…#anchor cited in the repository exists', () => {
    const cites = ALL.flatMap(citations)
    expect(cites.length).toBeGreaterThan(60)
    const broken = cites.filter((c) => !ANCHORS.has(c.doc) || (c.anchor !== null && !ANCHORS.get(c.doc)!.has(c.anchor)))
    expect(broken.map((c) => `${c.where}: docs/${c.doc}${c.anchor ? '#' + c.anchor : ''}`)).toEqual([])
  })

  it('nothing cites the reference notes outside the repository', () => {
    const outside = ALL.filter((f) => /\.\.\/shared\/(reference|DESIGN|seed)|shared\/reference\//.test(readFileSync(join(ROOT, f), 'utf8')))
    expect(outside.map((f) => relative(ROOT, join(ROOT, f)))).toEqual([])
  })
})
