// The dock's panel registry (docs/layout.md#panels): every panel the lab window can show, with its
// title and where the default layout puts it. App.vue's dock builds from this list only, so adding a
// panel is one line here: `{ id, title, component: dockPanel(MyPanel), place: { slot, size } }`.
import { defineComponent, h, markRaw, type Component } from 'vue'
import { useLabStore } from './stores/lab'
import ConsolePane from './components/ConsolePane.vue'
import RegisterInspector from './components/RegisterInspector.vue'
import PeersPanel from './components/PeersPanel.vue'
import VringInspector from './components/VringInspector.vue'
import ShmHex from './components/ShmHex.vue'
import Timeline from './components/Timeline.vue'
import ExplainPanel from './components/ExplainPanel.vue'
import ComparePanel from './components/ComparePanel.vue'
import FaultPanel from './components/FaultPanel.vue'
import type { VueComponent } from 'dockview-vue'
import type { PanelDef } from './dockLayout'

export type { PanelDef, PanelPlace, SlotId } from './dockLayout'

type LabStore = ReturnType<typeof useLabStore>

/**
 * Wraps a component for the dock: dockview hands each panel a `params` prop, which the wrapper
 * swallows; `props` maps the lab store to the component's own props (read on every render).
 */
export function dockPanel(comp: Component, props: (s: LabStore) => Record<string, unknown> = () => ({})): Component {
  return markRaw(
    defineComponent({
      name: 'Dock' + ((comp as { __name?: string; name?: string }).__name ?? (comp as { name?: string }).name ?? 'Panel'),
      props: { params: { type: Object, required: false } },
      setup() {
        const store = useLabStore()
        return () => h(comp, props(store))
      }
    })
  )
}

function failed(s: LabStore): boolean {
  const v = s.snapshot
  return !!v && (v.guests.device.state === 'failed' || v.guests.driver.state === 'failed')
}

export const PANELS: readonly PanelDef[] = [
  { id: 'console-device', title: 'instance_1 — device console', component: dockPanel(ConsolePane, () => ({ side: 'device', title: 'instance_1 — device side' })), place: { slot: 'consoles', size: 1 } },
  { id: 'console-driver', title: 'instance_2 — driver console', component: dockPanel(ConsolePane, () => ({ side: 'driver', title: 'instance_2 — driver side' })), place: { slot: 'consoles', size: 1 } },
  { id: 'registers', title: 'virtio-mmio registers', component: dockPanel(RegisterInspector, (s) => ({ regs: s.displayed?.regs ?? [] })), place: { slot: 'registers', size: 0.68 } },
  { id: 'peers', title: 'peers', component: dockPanel(PeersPanel, (s) => ({ peers: s.displayed?.peers ?? [], guests: s.displayed?.guests ?? null, fabric: s.displayed?.fabric ?? null })), place: { slot: 'registers', size: 0.32 } },
  { id: 'vrings', title: 'vrings', component: dockPanel(VringInspector, (s) => ({ rings: s.displayed?.rings ?? [] })), place: { slot: 'memory', size: 0.54 } },
  { id: 'shm', title: 'shared memory', component: dockPanel(ShmHex), place: { slot: 'memory', size: 0.46 } },
  { id: 'timeline', title: 'timeline', component: dockPanel(Timeline), place: { slot: 'timeline', size: 1 } },
  { id: 'explain', title: 'explanation', component: dockPanel(ExplainPanel, (s) => ({ lines: s.snapshot?.explainLines ?? s.snapshot?.explain ?? [], failed: failed(s) })), place: { slot: 'explain', size: 1 } },
  { id: 'compare', title: 'seed ↔ spec', component: dockPanel(ComparePanel), place: { slot: 'explain', size: 1, tab: true } },
  { id: 'faults', title: 'faults', component: dockPanel(FaultPanel), place: { slot: 'explain', size: 1, tab: true } }
]

/** dockview's component table: one entry per panel, keyed by the panel id */
export function dockComponents(panels: readonly PanelDef[] = PANELS): Record<string, VueComponent> {
  return Object.fromEntries(panels.map((p) => [p.id, p.component as VueComponent]))
}
