// The dock's default layout and the check of a saved one (docs/layout.md; issue #10 item 3).
import { describe, it, expect } from 'vitest'
import { defaultLayout, parseSavedLayout, serializeLayout, LAYOUT_VERSION, type PanelDef } from '../../src/renderer/src/dockLayout'
import { bytesPerRow, pageBytes, rowPx } from '../../src/renderer/src/hexLayout'

const C = {} as PanelDef['component']
/** the lab's registry (src/renderer/src/panels.ts) without its components */
const LAB: PanelDef[] = [
  { id: 'console-device', title: 'device', component: C, place: { slot: 'consoles', size: 1 } },
  { id: 'console-driver', title: 'driver', component: C, place: { slot: 'consoles', size: 1 } },
  { id: 'registers', title: 'registers', component: C, place: { slot: 'registers', size: 0.68 } },
  { id: 'peers', title: 'peers', component: C, place: { slot: 'registers', size: 0.32 } },
  { id: 'vrings', title: 'vrings', component: C, place: { slot: 'memory', size: 0.54 } },
  { id: 'shm', title: 'shared memory', component: C, place: { slot: 'memory', size: 0.46 } },
  { id: 'timeline', title: 'timeline', component: C, place: { slot: 'timeline', size: 1 } },
  { id: 'explain', title: 'explanation', component: C, place: { slot: 'explain', size: 1 } }
]

interface Node {
  type: string
  size?: number
  data: Node[] | { id: string; views: string[]; activeView?: string }
}
/** the grid as nested arrays of group views */
function shape(n: Node): unknown {
  return n.type === 'leaf' ? (n.data as { views: string[] }).views : (n.data as Node[]).map(shape)
}
function sizes(n: Node): number[] {
  return (n.data as Node[]).map((c) => c.size ?? NaN)
}

describe('defaultLayout', () => {
  it('is the old fixed grid: consoles | registers+peers | vrings+memory over timeline | explanation', () => {
    const l = defaultLayout(LAB, 1270, 600)
    const root = l.grid.root as unknown as Node
    expect(l.grid.orientation).toBe('VERTICAL')
    expect(shape(root)).toEqual([
      [[['console-device'], ['console-driver']], [['registers'], ['peers']], [['vrings'], ['shm']]],
      [[['timeline']], [['explain']]]
    ])
    // rows 70/30 of the height, columns 1 : 1.15 : 1.15 and 2.2 : 1 of the width
    expect(sizes(root)).toEqual([420, 180])
    const [top, bottom] = root.data as Node[]
    expect(sizes(top)).toEqual([385, 443, 443])
    expect(sizes(bottom)).toEqual([873, 397])
    expect(sizes((top.data as Node[])[1])).toEqual([286, 134])
    expect(Object.keys(l.panels).sort()).toEqual(LAB.map((p) => p.id).sort())
    expect(l.panels.shm).toEqual({ id: 'shm', contentComponent: 'shm', title: 'shared memory' })
    // group ids are unique
    const ids: string[] = []
    const walk = (n: Node): void => (n.type === 'leaf' ? void ids.push((n.data as { id: string }).id) : (n.data as Node[]).forEach(walk))
    walk(root)
    expect(new Set(ids).size).toBe(8)
  })

  it('a panel registered with tab: true joins the group before it in its slot', () => {
    const faults: PanelDef = { id: 'faults', title: 'faults', component: C, place: { slot: 'timeline', size: 1, tab: true } }
    const l = defaultLayout([...LAB, faults], 1000, 500)
    expect(shape(l.grid.root as unknown as Node)).toEqual([
      [[['console-device'], ['console-driver']], [['registers'], ['peers']], [['vrings'], ['shm']]],
      [[['timeline', 'faults']], [['explain']]]
    ])
    expect(l.panels.faults.contentComponent).toBe('faults')
  })

  it('a slot with no panels leaves no empty column', () => {
    const l = defaultLayout(LAB.filter((p) => p.place.slot !== 'explain'), 1000, 500)
    expect(shape(l.grid.root as unknown as Node)).toEqual([
      [[['console-device'], ['console-driver']], [['registers'], ['peers']], [['vrings'], ['shm']]],
      [[['timeline']]]
    ])
  })
})

describe('parseSavedLayout', () => {
  const good = serializeLayout(defaultLayout(LAB, 1200, 700))

  it('nothing saved: none; the default round-trips', () => {
    expect(parseSavedLayout(null, LAB)).toEqual({ kind: 'none' })
    const p = parseSavedLayout(good, LAB)
    expect(p.kind).toBe('ok')
    if (p.kind === 'ok') {
      expect(p.missing).toEqual([])
      expect(p.layout).toEqual(defaultLayout(LAB, 1200, 700))
    }
    expect(JSON.parse(good).version).toBe(LAYOUT_VERSION)
  })

  it('corrupt or old layouts are refused with a one-line reason', () => {
    const cases: [string, RegExp][] = [
      ['{"version":1,"layout":', /not valid JSON/],
      ['[]', /not a layout object/],
      [JSON.stringify({ layout: JSON.parse(good).layout }), /version null, this window uses version 1/],
      [JSON.stringify({ ...JSON.parse(good), version: 0 }), /version 0/],
      [JSON.stringify({ version: 1, layout: { grid: {}, panels: {} } }), /grid root is not a branch/],
      [good.replace('"console-driver"]', '"console-driver","console-device"]'), /panel 'console-device' appears twice/],
      [good.replace('["explain"]', '["bogus"]'), /unknown panel 'bogus'/],
      [good.replace('"size":490', '"size":-1'), /bad size/],
      [good.replace('"type":"leaf"', '"type":"twig"'), /type 'twig'/]
    ]
    for (const [raw, why] of cases) {
      const p = parseSavedLayout(raw, LAB)
      expect(p.kind, raw.slice(0, 60)).toBe('bad')
      if (p.kind === 'bad') {
        expect(p.notice).toMatch(why)
        expect(p.notice).toMatch(/^Saved layout ignored \(.*\); the default layout is shown\.$/)
        expect(p.notice).not.toContain('\n')
      }
    }
  })

  it('a grid nested without end is refused, not walked forever', () => {
    let node: unknown = { type: 'leaf', size: 1, data: { id: 'g', views: ['timeline'] } }
    for (let k = 0; k < 40; k++) node = { type: 'branch', size: 1, data: [node] }
    const raw = JSON.stringify({ version: 1, layout: { grid: { root: node }, panels: { timeline: { id: 'timeline', contentComponent: 'timeline' } } } })
    const p = parseSavedLayout(raw, LAB)
    expect(p.kind === 'bad' && p.notice).toMatch(/deeper than 16/)
  })

  it('a layout saved before a panel existed: kept, the new panel listed as missing; titles from the registry', () => {
    const old = defaultLayout(LAB.filter((p) => p.id !== 'explain'), 1200, 700)
    old.panels.timeline = { ...old.panels.timeline, title: 'old name' }
    const p = parseSavedLayout(serializeLayout(old), LAB)
    expect(p.kind).toBe('ok')
    if (p.kind === 'ok') {
      expect(p.missing).toEqual(['explain'])
      expect(p.layout.panels.timeline.title).toBe('timeline')
    }
  })
})

describe('hex rows sized to fit', () => {
  it('the largest power of two 8..64 whose row fits', () => {
    const ch = 6
    expect([rowPx(8, ch), rowPx(16, ch), rowPx(32, ch), rowPx(64, ch)]).toEqual([228, 402, 750, 1446])
    expect(bytesPerRow(100, ch)).toBe(8) // never fewer than 8 (the panel scrolls)
    expect(bytesPerRow(401, ch)).toBe(8)
    expect(bytesPerRow(402, ch)).toBe(16)
    expect(bytesPerRow(749, ch)).toBe(16)
    expect(bytesPerRow(750, ch)).toBe(32)
    expect(bytesPerRow(1446, ch)).toBe(64)
    expect(bytesPerRow(5000, ch)).toBe(64)
    expect(bytesPerRow(0, ch)).toBe(16) // not laid out yet
  })

  it('a page is 16 rows, at least 256 bytes', () => {
    expect([8, 16, 32, 64].map(pageBytes)).toEqual([256, 256, 512, 1024])
  })
})
