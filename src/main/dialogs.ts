// The File and Help menus' actions: native dialogs around the Electron-free trace and log
// exports (./exports) and the service's trace replay (with a Cancel box and taskbar progress).

import { app, dialog, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import type { LabService } from '../host/service'
import type { ScenarioConfig, TraceEvent } from '../shared/contract'
import { exportConsoleLogs, readTraceJsonl, writeTraceJsonl } from './exports'

export const PRODUCT = 'Virtio Serial Lab'

/** what the actions need from the shell, read when they run (the window may be gone by then) */
export interface ShellState {
  window(): BrowserWindow | null
  service(): LabService | null
  /** the scenario remembered in the settings (About without a service) */
  scenario(): ScenarioConfig
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
}

export class MenuActions {
  constructor(private readonly shell: ShellState) {}

  private win(): BrowserWindow | null {
    const w = this.shell.window()
    return w && !w.isDestroyed() ? w : null
  }

  private async reportError(title: string, err: unknown): Promise<void> {
    const opts = { type: 'error' as const, title, message: title, detail: err instanceof Error ? err.message : String(err) }
    const w = this.win()
    if (w) await dialog.showMessageBox(w, opts)
    else await dialog.showMessageBox(opts)
  }

  private async info(message: string, detail: string): Promise<void> {
    const opts = { type: 'info' as const, title: PRODUCT, message, detail }
    const w = this.win()
    if (w) await dialog.showMessageBox(w, opts)
    else await dialog.showMessageBox(opts)
  }

  private async replayWithCancel(svc: LabService, events: TraceEvent[], file: string): Promise<{ ok: boolean; message: string }> {
    const win = this.shell.window()
    const cancel = new AbortController()
    const closeBox = new AbortController()
    if (win && !win.isDestroyed()) {
      void dialog
        .showMessageBox(win, { type: 'info', title: PRODUCT, message: `Replaying ${events.length} trace events…`, detail: file, buttons: ['Cancel'], cancelId: 0, signal: closeBox.signal })
        .then(() => {
          if (!closeBox.signal.aborted) cancel.abort() // the user pressed Cancel (or closed the box)
        })
    }
    try {
      return await svc.loadTrace(events, {
        signal: cancel.signal,
        onProgress: (p) => {
          if (win && !win.isDestroyed()) win.setProgressBar(p.fraction)
        }
      })
    } finally {
      closeBox.abort()
      if (win && !win.isDestroyed()) win.setProgressBar(-1)
    }
  }

  async openTrace(): Promise<void> {
    const win = this.shell.window()
    const service = this.shell.service()
    if (!win || !service) return
    const r = await dialog.showOpenDialog(win, {
      title: 'Open trace',
      filters: [{ name: 'Trace (JSON Lines)', extensions: ['jsonl'] }, { name: 'All files', extensions: ['*'] }],
      properties: ['openFile']
    })
    const file = r.filePaths[0]
    if (r.canceled || !file) return
    try {
      const { events, errors } = await readTraceJsonl(file)
      const skipped = errors.length ? `\n${errors.length} line(s) skipped, first: ${errors[0]}` : ''
      // the service replays the trace's scenario and user actions, paused at its last event, in
      // slices (the window stays live); progress in the taskbar, a Cancel box while it runs
      const res = await this.replayWithCancel(service, events, file)
      await this.info(res.ok ? `Opened ${events.length} trace events` : 'The trace could not be replayed exactly', `${file}${skipped}\n${res.message}`)
    } catch (err) {
      await this.reportError('Cannot open the trace', err)
    }
  }

  async saveTrace(): Promise<void> {
    const win = this.shell.window()
    const service = this.shell.service()
    if (!win || !service) return
    const name = `virtio-lab-trace-${stamp()}.jsonl`
    let defaultPath = name
    try {
      defaultPath = join(app.getPath('documents'), name) // app.getPath throws when the folder is unknown
    } catch {
      /* let the dialog pick its default folder */
    }
    const r = await dialog.showSaveDialog(win, {
      title: 'Save trace',
      defaultPath,
      filters: [{ name: 'Trace (JSON Lines)', extensions: ['jsonl'] }]
    })
    if (r.canceled || !r.filePath) return
    try {
      const n = await writeTraceJsonl(service, r.filePath)
      await this.info(`Saved ${n} trace events`, r.filePath)
    } catch (err) {
      await this.reportError('Cannot save the trace', err)
    }
  }

  async exportLogs(): Promise<void> {
    const win = this.shell.window()
    const service = this.shell.service()
    if (!win || !service) return
    const r = await dialog.showOpenDialog(win, {
      title: 'Export console logs to folder',
      buttonLabel: 'Export here',
      properties: ['openDirectory', 'createDirectory', 'promptToCreate']
    })
    const dir = r.filePaths[0]
    if (r.canceled || !dir) return
    try {
      const files = await exportConsoleLogs(service, dir)
      await this.info('Console logs exported', files.map((f) => `${f.file} (${f.bytes} bytes)`).join('\n'))
    } catch (err) {
      await this.reportError('Cannot export the console logs', err)
    }
  }

  /** a dock command for the renderer: a DOM event its useDockLayout listens to (no new IPC channel) */
  dockCommand(name: 'reset-layout' | 'toggle-maximize'): void {
    const win = this.win()
    if (!win) return
    win.webContents.executeJavaScript(`window.dispatchEvent(new Event('virtio-lab:${name}'))`).catch(() => {
      /* the page is reloading: nothing to lay out */
    })
  }

  async showAbout(): Promise<void> {
    let scenario = this.shell.scenario()
    try {
      const service = this.shell.service()
      if (service) scenario = (await service.getSnapshot()).config
    } catch {
      /* keep the remembered one */
    }
    await this.info(
      `${PRODUCT} ${app.getVersion()}`,
      [
        `Profile: ${scenario.profile}`,
        `Scenario: ${scenario.order}, ${scenario.vectors} vectors, speed ${scenario.speed}`,
        `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`
      ].join('\n')
    )
  }
}
