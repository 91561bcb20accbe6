// The dock's behaviour (docs/layout.md): load the saved layout (or the default, with a one-line
// notice when the saved one cannot be used), save every change (debounced) to localStorage, reset,
// and maximise / restore a panel (header button, double-click on a tab, Ctrl+Alt+M, Esc).
import { onBeforeUnmount, onMounted, ref, shallowRef, type ShallowRef } from 'vue'
import type { DockviewApi, DockviewIDisposable, DockviewReadyEvent, SerializedDockview } from 'dockview-vue'
import { LAYOUT_KEY, defaultLayout, parseSavedLayout, serializeLayout, type PanelDef } from '../dockLayout'

/** a layout change is saved this long after the last one (a drag fires dozens) */
export const SAVE_DEBOUNCE_MS = 400

/** the documented shortcuts (docs/layout.md#maximise, #saved); `code` so AltGr layouts do not change them */
export const SHORTCUTS = {
  maximize: { label: 'Ctrl+Alt+M', code: 'KeyM' },
  reset: { label: 'Ctrl+Alt+0', code: 'Digit0' }
} as const

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null // a sandboxed origin may throw on access
  }
}

/** `root`: the element the dock fills (its size sizes the default layout) */
export function useDockLayout(panels: readonly PanelDef[], root: Readonly<ShallowRef<HTMLElement | null>>) {
  const api = shallowRef<DockviewApi | null>(null)
  /** one line shown above the dock: why the saved layout was not used, or a storage failure */
  const notice = ref('')
  /** id of the panel whose group fills the dock, else null */
  const maximized = ref<string | null>(null)
  const subs: DockviewIDisposable[] = []
  let saveTimer: ReturnType<typeof setTimeout> | null = null
  /** no saving while a layout is being loaded (its intermediate states are not the user's) */
  let loading = false

  function size(): { width: number; height: number } {
    const el = root.value
    return { width: el?.clientWidth || 1200, height: el?.clientHeight || 700 }
  }

  function load(layout: SerializedDockview): void {
    const a = api.value!
    loading = true
    try {
      a.fromJSON(layout, { reuseExistingPanels: true })
    } finally {
      loading = false
    }
  }

  function loadDefault(): void {
    const { width, height } = size()
    load(defaultLayout(panels, width, height))
  }

  /** panels a saved layout predates join the group of a panel of their slot, else open on the right */
  function addMissing(ids: string[]): void {
    const a = api.value!
    for (const id of ids) {
      const def = panels.find((p) => p.id === id)!
      const sib = panels.find((p) => p.id !== id && p.place.slot === def.place.slot && a.getPanel(p.id))
      a.addPanel({
        id,
        component: id,
        title: def.title,
        inactive: true,
        position: sib ? { referencePanel: sib.id, direction: 'within' } : { direction: 'right' }
      })
    }
  }

  function restore(): void {
    const st = storage()
    let raw: string | null
    try {
      raw = st?.getItem(LAYOUT_KEY) ?? null
    } catch {
      raw = null // storage refused: as if nothing were saved
    }
    const parsed = parseSavedLayout(raw, panels)
    if (parsed.kind === 'ok') {
      try {
        load(parsed.layout)
        addMissing(parsed.missing)
        if (panels.every((p) => api.value!.getPanel(p.id))) return
        notice.value = 'Saved layout ignored (it did not show every panel); the default layout is shown.'
      } catch (e) {
        notice.value = `Saved layout ignored (${e instanceof Error ? e.message.replace(/^dockview: /, '') : 'cannot be loaded'}); the default layout is shown.`
      }
    } else if (parsed.kind === 'bad') notice.value = parsed.notice
    loadDefault()
  }

  function saveNow(): void {
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = null
    const a = api.value
    const st = storage()
    if (!a || !st) return
    try {
      st.setItem(LAYOUT_KEY, serializeLayout(a.toJSON()))
    } catch (e) {
      notice.value = `The layout cannot be saved (${e instanceof Error ? e.message : String(e)}).`
    }
  }

  function saveSoon(): void {
    if (loading) return
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = setTimeout(saveNow, SAVE_DEBOUNCE_MS)
  }

  /** the default layout again; consoles and inspectors keep their state (same panel instances) */
  function reset(): void {
    if (!api.value) return
    if (api.value.hasMaximizedGroup()) api.value.exitMaximizedGroup()
    notice.value = ''
    loadDefault()
    saveNow()
  }

  function toggleMaximize(panelId?: string): void {
    const a = api.value
    if (!a) return
    if (a.hasMaximizedGroup()) {
      a.exitMaximizedGroup()
      return
    }
    const p = panelId ? a.getPanel(panelId) : a.activePanel
    if (p) a.maximizeGroup(p)
  }

  function onReady(e: DockviewReadyEvent): void {
    api.value = e.api
    restore()
    // a window always opens with every panel in view (a layout saved while maximised included)
    if (e.api.hasMaximizedGroup()) e.api.exitMaximizedGroup()
    subs.push(
      e.api.onDidLayoutChange(saveSoon),
      e.api.onDidMaximizedGroupChange((ev) => {
        maximized.value = ev.isMaximized ? (ev.group.activePanel?.id ?? null) : null
      })
    )
    saveSoon()
  }

  // ---- keyboard and double-click ----------------------------------------------------------------

  function onKey(ev: KeyboardEvent): void {
    if (ev.ctrlKey && ev.altKey && !ev.metaKey && !ev.shiftKey) {
      if (ev.code === SHORTCUTS.maximize.code) toggleMaximize()
      else if (ev.code === SHORTCUTS.reset.code) reset()
      else return
      ev.preventDefault()
      ev.stopPropagation()
      return
    }
    // dockview closes a focused tab on Delete / Backspace; this app's panels are never closed
    if ((ev.key === 'Delete' || ev.key === 'Backspace') && ev.target instanceof Element && ev.target.closest('.dv-tab')) {
      ev.preventDefault()
      ev.stopPropagation()
      return
    }
    // Esc restores a maximised panel, except inside a console that captures keys for its guest
    if (ev.key === 'Escape' && api.value?.hasMaximizedGroup()) {
      const t = ev.target instanceof Element ? ev.target : null
      if (t?.closest('[data-capture-keys]')) return
      api.value.exitMaximizedGroup()
      ev.preventDefault()
      ev.stopPropagation()
    }
  }

  function onDblClick(ev: MouseEvent): void {
    const tab = ev.target instanceof Element ? ev.target.closest<HTMLElement>('.dv-tab') : null
    const id = tab?.dataset.tabPanelId
    if (!id) return
    ev.preventDefault()
    toggleMaximize(id)
  }

  function onMenuMaximize(): void {
    toggleMaximize()
  }

  /** a change made just before the page goes away (reload, window close) is not lost */
  function flush(): void {
    if (saveTimer) saveNow()
  }

  onMounted(() => {
    // capture phase: xterm stops the keys it handles from bubbling
    window.addEventListener('keydown', onKey, true)
    window.addEventListener('pagehide', flush)
    // the Electron menu's View > Reset layout / Maximise (src/main/index.ts)
    window.addEventListener('virtio-lab:reset-layout', reset)
    window.addEventListener('virtio-lab:toggle-maximize', onMenuMaximize)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('keydown', onKey, true)
    window.removeEventListener('pagehide', flush)
    window.removeEventListener('virtio-lab:reset-layout', reset)
    window.removeEventListener('virtio-lab:toggle-maximize', onMenuMaximize)
    flush()
    for (const s of subs) s.dispose()
    subs.length = 0
  })

  return { api, notice, maximized, onReady, onDblClick, reset, toggleMaximize, saveNow }
}
