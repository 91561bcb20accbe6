// Pure half of the dock (docs/layout.md#panels, #saved): the default layout built from the panel registry, and the
// check of a saved layout before dockview is given it. No DOM, no dockview instance: unit-tested.
import type { Component } from 'vue'
import type { SerializedDockview } from 'dockview-vue'

/**
 * Columns of the default layout: the top row (consoles | registers+peers | vrings+memory) over the
 * bottom row (timeline | explanation), as the fixed grid had it. `size` is the column's share of
 * its row.
 */
export const SLOTS = {
  consoles: { row: 'top', size: 1 },
  registers: { row: 'top', size: 1.15 },
  memory: { row: 'top', size: 1.15 },
  timeline: { row: 'bottom', size: 2.2 },
  explain: { row: 'bottom', size: 1 }
} as const
export type SlotId = keyof typeof SLOTS
/** share of the dock's height the top row gets in the default layout */
export const TOP_ROW_SHARE = 0.7

export interface PanelPlace {
  slot: SlotId
  /** share of the slot's height (panels of a slot stack top to bottom in list order) */
  size: number
  /** join the previous panel of the slot as a tab instead of stacking below it */
  tab?: boolean
}

export interface PanelDef {
  /** stable id: the saved layout refers to panels by it (also `data-testid="dock-tab-<id>"`) */
  id: string
  title: string
  component: Component
  place: PanelPlace
}

/** localStorage key of the saved layout (same origin in the browser host and Electron's app://) */
export const LAYOUT_KEY = 'virtio-lab.layout'
/** bump when a saved layout of the previous shape must not be loaded any more */
export const LAYOUT_VERSION = 1

/** what localStorage holds under LAYOUT_KEY */
export interface SavedLayout {
  version: number
  layout: SerializedDockview
}

type GridNode = SerializedDockview['grid']['root']

interface Group {
  views: string[]
  size: number
}

/** groups of one slot, in registry order: a `tab` panel joins the group before it */
function slotGroups(panels: readonly PanelDef[], slot: SlotId): Group[] {
  const out: Group[] = []
  for (const p of panels) {
    if (p.place.slot !== slot) continue
    const last = out[out.length - 1]
    if (p.place.tab && last) last.views.push(p.id)
    else out.push({ views: [p.id], size: p.place.size > 0 ? p.place.size : 1 })
  }
  return out
}

function share(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0) || 1
  return weights.map((w) => Math.max(1, Math.round((w / sum) * total)))
}

/**
 * The default layout (the old fixed grid): top row = consoles | registers+peers | vrings+memory,
 * bottom row = timeline | explanation; sizes in px of a `width`×`height` dock (dockview scales
 * them to the real size when it lays the grid out).
 */
export function defaultLayout(panels: readonly PanelDef[], width: number, height: number): SerializedDockview {
  const w = Math.max(100, Math.round(width))
  const h = Math.max(100, Math.round(height))
  let gid = 0
  const rows: GridNode[] = []
  const rowSizes = share([TOP_ROW_SHARE, 1 - TOP_ROW_SHARE], h)
  for (const [ri, row] of (['top', 'bottom'] as const).entries()) {
    const slots = (Object.keys(SLOTS) as SlotId[]).filter((s) => SLOTS[s].row === row)
    const cols = slots.map((s) => ({ slot: s, groups: slotGroups(panels, s) })).filter((c) => c.groups.length > 0)
    if (cols.length === 0) continue
    const colSizes = share(cols.map((c) => SLOTS[c.slot].size), w)
    const colNodes: GridNode[] = cols.map((c, ci) => {
      const sizes = share(c.groups.map((g) => g.size), rowSizes[ri])
      const leaves: GridNode[] = c.groups.map((g, gi) => ({
        type: 'leaf',
        size: sizes[gi],
        data: { id: `g${++gid}`, views: g.views, activeView: g.views[0] }
      }))
      return { type: 'branch', size: colSizes[ci], data: leaves }
    })
    rows.push({ type: 'branch', size: rowSizes[ri], data: colNodes })
  }
  const byId = Object.fromEntries(panels.map((p) => [p.id, { id: p.id, contentComponent: p.id, title: p.title }]))
  return {
    grid: { root: { type: 'branch', size: w, data: rows }, width: w, height: h, orientation: 'VERTICAL' as never },
    panels: byId,
    activeGroup: 'g1'
  }
}

export type ParsedLayout =
  | { kind: 'none' }
  | { kind: 'ok'; layout: SerializedDockview; missing: string[] }
  | { kind: 'bad'; notice: string }

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** walks a saved grid; returns the panel ids its groups show, or throws a one-line reason */
function gridViews(node: unknown, depth: number, out: string[]): void {
  if (depth > 16) throw new Error('the grid is nested deeper than 16 levels')
  if (!isObj(node)) throw new Error('a grid node is not an object')
  if (node.size !== undefined && !(typeof node.size === 'number' && Number.isFinite(node.size) && node.size >= 0)) throw new Error('a grid node has a bad size')
  if (node.type === 'branch') {
    if (!Array.isArray(node.data)) throw new Error('a grid branch has no children')
    for (const c of node.data) gridViews(c, depth + 1, out)
  } else if (node.type === 'leaf') {
    const d = node.data
    if (!isObj(d) || typeof d.id !== 'string' || !Array.isArray(d.views)) throw new Error('a group has no id or views')
    for (const v of d.views) {
      if (typeof v !== 'string') throw new Error('a group names a panel by a non-string')
      out.push(v)
    }
  } else throw new Error(`a grid node has type '${String(node.type)}'`)
}

/**
 * Checks what localStorage held. `bad` carries the one-line notice the window shows before it
 * falls back to the default; `missing` lists registry panels the saved layout predates (the dock
 * adds them at their default slot). Floating and popout groups are not part of this app's layouts.
 */
export function parseSavedLayout(raw: string | null, panels: readonly PanelDef[]): ParsedLayout {
  if (raw === null || raw === '') return { kind: 'none' }
  const bad = (why: string): ParsedLayout => ({ kind: 'bad', notice: `Saved layout ignored (${why}); the default layout is shown.` })
  let saved: unknown
  try {
    saved = JSON.parse(raw)
  } catch {
    return bad('not valid JSON')
  }
  if (!isObj(saved)) return bad('not a layout object')
  if (saved.version !== LAYOUT_VERSION) return bad(`version ${JSON.stringify(saved.version ?? null)}, this window uses version ${LAYOUT_VERSION}`)
  const l = saved.layout
  if (!isObj(l) || !isObj(l.grid) || !isObj(l.panels)) return bad('no grid or panels')
  if (Array.isArray(l.floatingGroups) && l.floatingGroups.length > 0) return bad('floating groups')
  if (Array.isArray(l.popoutGroups) && l.popoutGroups.length > 0) return bad('popout windows')
  const root = l.grid.root
  if (!isObj(root) || root.type !== 'branch') return bad('the grid root is not a branch')
  const views: string[] = []
  try {
    gridViews(root, 0, views)
  } catch (e) {
    return bad((e as Error).message)
  }
  const known = new Set(panels.map((p) => p.id))
  const seen = new Set<string>()
  for (const v of views) {
    if (!known.has(v)) return bad(`unknown panel '${v.slice(0, 40)}'`)
    if (seen.has(v)) return bad(`panel '${v}' appears twice`)
    const st = l.panels[v]
    if (!isObj(st) || st.contentComponent !== v) return bad(`panel '${v}' has no state`)
    seen.add(v)
  }
  if (seen.size === 0) return bad('no panels')
  const layout = l as unknown as SerializedDockview
  // titles come from the registry (renamed panels keep their saved place)
  for (const p of panels) if (seen.has(p.id)) (layout.panels[p.id] as { title?: string }).title = p.title
  for (const k of Object.keys(layout.panels)) if (!seen.has(k)) delete layout.panels[k]
  return { kind: 'ok', layout, missing: panels.filter((p) => !seen.has(p.id)).map((p) => p.id) }
}

/** the string saved under LAYOUT_KEY */
export function serializeLayout(layout: SerializedDockview): string {
  const saved: SavedLayout = { version: LAYOUT_VERSION, layout }
  return JSON.stringify(saved)
}
