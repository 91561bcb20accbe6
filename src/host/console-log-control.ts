// Console logs switched on and off while the lab runs (the app's "Log consoles to file…"): one
// ConsoleLog per side fed from the service's console pushes (LabService.tapConsole). Electron-free;
// src/main/console-log-menu.ts puts it behind a menu and file dialogs.

import type { Side } from '../shared/contract'
import { ConsoleLog, ConsoleLogError, ConsoleLogFeed, INSTANCE, type ConsoleLogOptions } from './console-log'
import type { LabService } from './service'

/** what the control needs of LabService */
export type ConsoleLogSource = Pick<LabService, 'tapConsole' | 'consolePublished' | 'flush' | 'config'> & {
  readonly session: { readonly trace: { readonly on: boolean; emit: LabService['session']['trace']['emit'] } }
}

export interface ConsoleLogStatus {
  path: string
  /** guest bytes written so far */
  bytes: number
  /** why the log stopped on its own (a write failed), else null */
  error: string | null
}

export class ConsoleLogControl {
  private readonly logs: Partial<Record<Side, { log: ConsoleLog; untap: () => void }>> = {}
  /** the last write error per side (kept after the log stopped, until the next start) */
  private readonly failed: Partial<Record<Side, ConsoleLogError>> = {}

  constructor(
    private readonly service: ConsoleLogSource,
    private readonly opts: Pick<ConsoleLogOptions, 'timestamps' | 'now'> & { onChange?: () => void } = {}
  ) {}

  /** start logging a side to path (appending); a side already logged switches files */
  start(side: Side, path: string): { ok: true } | { ok: false; message: string } {
    this.stop(side)
    delete this.failed[side]
    let log: ConsoleLog
    try {
      log = new ConsoleLog(side, path, {
        timestamps: this.opts.timestamps,
        now: this.opts.now,
        label: `virtio-lab app, profile ${this.service.config.profile}`,
        onError: (e) => this.onError(side, e)
      })
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) }
    }
    const feed = new ConsoleLogFeed(log)
    // bytes already published are not in the log: it starts now (as tio's and picocom's do)
    this.service.flush()
    const untap = this.service.tapConsole((e) => feed.push(e))
    feed.skipTo(this.service.consolePublished(side))
    this.logs[side] = { log, untap }
    this.opts.onChange?.()
    return { ok: true }
  }

  stop(side: Side): void {
    const l = this.logs[side]
    if (!l) return
    delete this.logs[side]
    l.untap()
    l.log.close()
    this.opts.onChange?.()
  }

  stopAll(): void {
    this.stop('device')
    this.stop('driver')
  }

  /** what the menu shows: the file and its progress, or the last error, or null (not logging) */
  status(side: Side): ConsoleLogStatus | null {
    const l = this.logs[side]
    if (l) return { path: l.log.path, bytes: l.log.bytes, error: null }
    const e = this.failed[side]
    return e ? { path: e.path, bytes: 0, error: e.message } : null
  }

  private onError(side: Side, e: ConsoleLogError): void {
    this.failed[side] = e
    const l = this.logs[side]
    if (l) {
      delete this.logs[side]
      l.untap()
    }
    const tr = this.service.session.trace
    if (tr.on) tr.emit('error', side, { code: 'CONSOLE_LOG', errno: e.code, message: `${e.message}; logging of ${INSTANCE[side]} stopped` })
    this.opts.onChange?.()
  }
}
