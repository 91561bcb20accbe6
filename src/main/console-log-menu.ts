// File → "Log consoles to file…": a save dialog per side (instance_1, then instance_2; cancel one
// to leave that side as it is), then one checked item per logged side showing its file; clicking
// it stops that log. The logging itself is src/host/console-log-control.ts (Electron-free, tested).

import { app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron'
import { join } from 'node:path'
import { ConsoleLogControl, type ConsoleLogSource } from '../host/console-log-control'
import { INSTANCE } from '../host/console-log'
import type { Side } from '../shared/contract'

const SIDES: readonly Side[] = ['device', 'driver']

export interface ConsoleLogMenu {
  items(): MenuItemConstructorOptions[]
  dispose(): void
}

/** rebuild: called when what the items show changed (a log started, stopped or failed) */
export function consoleLogMenu(service: ConsoleLogSource, win: () => BrowserWindow | null, rebuild: () => void): ConsoleLogMenu {
  const control = new ConsoleLogControl(service, { onChange: rebuild })
  app.once('will-quit', () => control.stopAll())

  async function pick(): Promise<void> {
    const w = win()
    if (!w) return
    const errors: string[] = []
    for (const side of SIDES) {
      let defaultPath = `${INSTANCE[side]}.log`
      try {
        defaultPath = control.status(side)?.path ?? join(app.getPath('documents'), defaultPath)
      } catch {
        /* the dialog's default folder */
      }
      const r = await dialog.showSaveDialog(w, {
        title: `Log the ${INSTANCE[side]} console (${side} side) to…`,
        buttonLabel: 'Log here',
        defaultPath,
        filters: [{ name: 'Console log', extensions: ['log', 'txt'] }]
      })
      if (r.canceled || !r.filePath) continue
      const s = control.start(side, r.filePath)
      if (!s.ok) errors.push(s.message)
    }
    if (errors.length) await dialog.showMessageBox(w, { type: 'error', title: 'Cannot log the console', message: 'Cannot log the console', detail: errors.join('\n') })
  }

  return {
    items: () => [
      { label: 'Log consoles to file…', click: () => void pick() },
      ...SIDES.flatMap((side): MenuItemConstructorOptions[] => {
        const st = control.status(side)
        if (!st) return []
        return st.error
          ? [{ label: `${INSTANCE[side]} log stopped: ${st.error}`, enabled: false }]
          : [{ label: `Logging ${INSTANCE[side]} → ${st.path}`, type: 'checkbox', checked: true, click: () => control.stop(side) }]
      })
    ],
    dispose: () => control.stopAll()
  }
}
