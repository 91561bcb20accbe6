// The application menu: File (open/save trace, export console logs), Edit, View (dock layout,
// zoom), Help (About).

import { app, Menu, type MenuItemConstructorOptions } from 'electron'
import { PRODUCT, type MenuActions } from './dialogs'

export function buildMenu(a: MenuActions): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open trace…', accelerator: 'CmdOrCtrl+O', click: () => void a.openTrace() },
        { label: 'Save trace…', accelerator: 'CmdOrCtrl+S', click: () => void a.saveTrace() },
        { label: 'Export console logs…', accelerator: 'CmdOrCtrl+E', click: () => void a.exportLogs() },
        { type: 'separator' },
        { role: 'quit', label: 'Quit' }
      ]
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        // the dock (docs/layout.md): the renderer owns these keys (registerAccelerator: false), the
        // menu items send it the same command
        { id: 'reset-layout', label: 'Reset layout', accelerator: 'Ctrl+Alt+0', registerAccelerator: false, click: () => a.dockCommand('reset-layout') },
        { id: 'toggle-maximize', label: 'Maximise / restore panel', accelerator: 'Ctrl+Alt+M', registerAccelerator: false, click: () => a.dockCommand('toggle-maximize') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }])
      ]
    },
    {
      role: 'help',
      label: 'Help',
      submenu: [{ label: `About ${PRODUCT}`, click: () => void a.showAbout() }]
    }
  ]
  return Menu.buildFromTemplate(template)
}
