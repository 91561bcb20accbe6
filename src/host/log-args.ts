// --log-file SIDE=FILE (repeatable), --log-dir DIR, --log-timestamps: the console logs a run or
// serve command keeps (src/host/console-log.ts). Bad input or a file that cannot be opened or
// written at the start: CliError (one line, exit 2).

import { join } from 'node:path'
import type { Side } from '../shared/contract'
import { ConsoleLog, ConsoleLogError, INSTANCE, type ConsoleLogOptions } from './console-log'
import { CliError, one, type Flags } from './cli-args'

const SIDE_NAMES: Record<string, Side> = { device: 'device', driver: 'driver', [INSTANCE.device]: 'device', [INSTANCE.driver]: 'driver' }

/** the log targets the flags name, per side */
export function logTargets(f: Flags): Partial<Record<Side, string>> {
  const out: Partial<Record<Side, string>> = {}
  const put = (side: Side, path: string, flag: string): void => {
    if (out[side] !== undefined) throw new CliError(`--${flag}: the ${side} console is already logged to '${out[side]}'`)
    out[side] = path
  }
  const dir = one(f, 'log-dir')
  if (dir !== undefined) {
    if (dir === '') throw new CliError('--log-dir needs a directory')
    put('device', join(dir, `${INSTANCE.device}.log`), 'log-dir')
    put('driver', join(dir, `${INSTANCE.driver}.log`), 'log-dir')
  }
  for (const v of f.get('log-file') ?? []) {
    const m = /^([^=]+)=(.+)$/s.exec(v)
    const side = m ? SIDE_NAMES[m[1]!] : undefined
    if (!m || !side) throw new CliError(`--log-file must be SIDE=FILE with SIDE device, driver, instance_1 or instance_2, got '${v}'`)
    put(side, m[2]!, 'log-file')
  }
  if (f.has('log-timestamps') && Object.keys(out).length === 0) throw new CliError('--log-timestamps needs --log-file or --log-dir')
  return out
}

/** open every log the flags name (all or none: a failure closes those opened) */
export function openLogs(f: Flags, opts: ConsoleLogOptions): Partial<Record<Side, ConsoleLog>> {
  const targets = logTargets(f)
  const logs: Partial<Record<Side, ConsoleLog>> = {}
  try {
    for (const side of ['device', 'driver'] as const) {
      const path = targets[side]
      if (path !== undefined) logs[side] = new ConsoleLog(side, path, { ...opts, timestamps: f.has('log-timestamps') })
    }
  } catch (e) {
    for (const l of Object.values(logs)) l.close()
    if (e instanceof ConsoleLogError) throw new CliError(e.message)
    throw e
  }
  return logs
}
