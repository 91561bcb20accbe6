// What App.vue's dock provides to the parts dockview mounts inside it (header actions).
import type { InjectionKey, Ref } from 'vue'

export interface DockContext {
  /** id of the panel whose group fills the dock, else null */
  maximized: Ref<string | null>
  toggleMaximize(panelId?: string): void
  /** the maximise shortcut as shown to the user */
  shortcut: string
}

export const DOCK_KEY: InjectionKey<DockContext> = Symbol('dock')
