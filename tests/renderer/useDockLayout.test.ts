// @vitest-environment happy-dom
// The dock's behaviour with a real dockview in happy-dom (docs/layout.md): restore a saved layout,
// fall back to the default with a notice, save on change, reset, maximise / restore by key.
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { defineComponent, h, nextTick, useTemplateRef } from 'vue'
import { mount, type VueWrapper } from '@vue/test-utils'
import { DockviewVue, type VueComponent } from 'dockview-vue'
import { useDockLayout } from '../../src/renderer/src/composables/useDockLayout'
import { LAYOUT_KEY, defaultLayout, serializeLayout, type PanelDef } from '../../src/renderer/src/dockLayout'

const Body = defineComponent({ props: { params: Object }, setup: () => () => h('div', { class: 'body' }, 'x') }) as unknown as VueComponent
const PANELS: PanelDef[] = [
  { id: 'a', title: 'A', component: Body, place: { slot: 'consoles', size: 1 } },
  { id: 'b', title: 'B', component: Body, place: { slot: 'consoles', size: 1 } },
  { id: 'c', title: 'C', component: Body, place: { slot: 'timeline', size: 1 } }
]

function harness() {
  let dock!: ReturnType<typeof useDockLayout>
  const Host = defineComponent({
    setup() {
      dock = useDockLayout(PANELS, useTemplateRef<HTMLElement>('root'))
      return () =>
        h('div', { ref: 'root', style: 'width:1000px;height:600px' }, [
          h(DockviewVue, { style: 'width:1000px;height:600px', components: { a: Body, b: Body, c: Body }, onReady: dock.onReady })
        ])
    }
  })
  const w = mount(Host, { attachTo: document.body })
  return { w, dock: () => dock }
}

/** the panel ids per group, in grid order */
function groups(d: ReturnType<typeof useDockLayout>): string[][] {
  return d.api.value!.groups.map((g) => g.panels.map((p) => p.id))
}

describe('useDockLayout', () => {
  let w: VueWrapper | null = null
  beforeEach(() => localStorage.clear())
  afterEach(() => {
    w?.unmount()
    w = null
  })

  it('nothing saved: the default layout from the registry, no notice', async () => {
    const hs = harness()
    w = hs.w
    await nextTick()
    expect(groups(hs.dock()).sort()).toEqual([['a'], ['b'], ['c']])
    expect(hs.dock().notice.value).toBe('')
  })

  it('a saved layout comes back (a tab moved into another group); a change is saved', async () => {
    const saved = defaultLayout(PANELS, 1000, 600)
    // b as a tab of a's group
    const root = saved.grid.root as unknown as { data: { data: { data: { data: { views: string[] } }[] }[] }[] }
    const consoles = root.data[0].data[0].data
    consoles[0].data.views = ['a', 'b']
    consoles.splice(1, 1)
    localStorage.setItem(LAYOUT_KEY, serializeLayout(saved))
    const hs = harness()
    w = hs.w
    await nextTick()
    expect(groups(hs.dock()).sort()).toEqual([['a', 'b'], ['c']])
    expect(hs.dock().notice.value).toBe('')
    // move c into a's group: saved (flushed) with the version
    const api = hs.dock().api.value!
    api.getPanel('c')!.api.moveTo({ group: api.getPanel('a')!.group, position: 'center' })
    hs.dock().saveNow()
    const back = JSON.parse(localStorage.getItem(LAYOUT_KEY)!)
    expect(back.version).toBe(1)
    expect(JSON.stringify(back.layout.grid)).toContain('"views":["a","b","c"]')
  })

  it('a corrupt saved layout: the default and a one-line notice; reset clears the notice', async () => {
    localStorage.setItem(LAYOUT_KEY, '{"version":1,"layout":{')
    const hs = harness()
    w = hs.w
    await nextTick()
    expect(hs.dock().notice.value).toBe('Saved layout ignored (not valid JSON); the default layout is shown.')
    expect(groups(hs.dock()).sort()).toEqual([['a'], ['b'], ['c']])
    hs.dock().reset()
    expect(hs.dock().notice.value).toBe('')
    expect(JSON.parse(localStorage.getItem(LAYOUT_KEY)!).version).toBe(1)
  })

  it('odd saved layouts dockview may or may not take: never a blank dock, every panel shown', async () => {
    const leaf = (views: string[]) => ({ type: 'leaf', size: 100, data: { id: 'g' + views.join(), views, activeView: views[0] } })
    const odd = [
      { grid: { root: { type: 'branch', data: [leaf(['a'])] }, orientation: 'SIDEWAYS' }, panels: { a: { id: 'a', contentComponent: 'a' } } },
      { grid: { root: { type: 'branch', data: [] }, width: 10, height: 10, orientation: 'HORIZONTAL' }, panels: {} },
      { grid: { root: { type: 'branch', data: [leaf(['a', 'b', 'c'])] }, width: -5, height: 'x', orientation: 'VERTICAL' }, panels: { a: { id: 'a', contentComponent: 'a' }, b: { id: 'b', contentComponent: 'b' }, c: { id: 'c', contentComponent: 'c' } } },
      { grid: { root: { type: 'branch', data: [{ type: 'branch', data: [] }, leaf(['c'])] }, width: 500, height: 500, orientation: 'HORIZONTAL' }, panels: { c: { id: 'c', contentComponent: 'c' } }, activeGroup: 'nope' }
    ]
    for (const layout of odd) {
      localStorage.setItem(LAYOUT_KEY, JSON.stringify({ version: 1, layout }))
      const hs = harness()
      await nextTick()
      const api = hs.dock().api.value!
      expect(PANELS.every((p) => api.getPanel(p.id)), JSON.stringify(layout)).toBe(true)
      expect(api.groups.length).toBeGreaterThan(0)
      expect(groups(hs.dock()).flat().sort()).toEqual(['a', 'b', 'c'])
      hs.w.unmount()
    }
  })

  it('reset puts moved panels back, keeping the same panel instances', async () => {
    const hs = harness()
    w = hs.w
    await nextTick()
    const api = hs.dock().api.value!
    const c = api.getPanel('c')!
    c.api.moveTo({ group: api.getPanel('a')!.group, position: 'center' })
    expect(groups(hs.dock()).sort()).toEqual([['a', 'c'], ['b']])
    hs.dock().reset()
    expect(groups(hs.dock()).sort()).toEqual([['a'], ['b'], ['c']])
    expect(api.getPanel('c')).toBe(c)
  })

  it('a focused tab is not closed by Delete or Backspace (panels are never closed)', async () => {
    const hs = harness()
    w = hs.w
    await nextTick()
    const tab = document.querySelector<HTMLElement>('.dv-tab[data-tab-panel-id="c"]')!
    tab.focus()
    for (const key of ['Delete', 'Backspace']) tab.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    expect(hs.dock().api.value!.getPanel('c')).toBeTruthy()
    expect(groups(hs.dock()).sort()).toEqual([['a'], ['b'], ['c']])
  })

  it('maximise: Ctrl+Alt+M toggles the active panel, Esc restores, a captured console keeps Esc', async () => {
    const hs = harness()
    w = hs.w
    await nextTick()
    const d = hs.dock()
    const api = d.api.value!
    d.toggleMaximize('b')
    expect(api.hasMaximizedGroup()).toBe(true)
    expect(d.maximized.value).toBe('b')
    // Esc inside an element that captures keys for a guest is not ours
    const cap = document.createElement('div')
    cap.setAttribute('data-capture-keys', '')
    document.body.appendChild(cap)
    cap.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(api.hasMaximizedGroup()).toBe(true)
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(api.hasMaximizedGroup()).toBe(false)
    expect(d.maximized.value).toBe(null)
    api.getPanel('c')!.api.setActive()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'm', code: 'KeyM', ctrlKey: true, altKey: true }))
    expect(d.maximized.value).toBe('c')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'm', code: 'KeyM', ctrlKey: true, altKey: true }))
    expect(api.hasMaximizedGroup()).toBe(false)
    cap.remove()
  })
})
