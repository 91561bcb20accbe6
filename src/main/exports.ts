// File exports/imports of the File menu, Electron-free: trace as JSON Lines, console logs as raw
// bytes. The Electron shell only picks the paths.

import { createReadStream, createWriteStream, promises as fsp } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { LabApi, Side, TraceEvent } from '../shared/contract'

export const TRACE_PAGE = 10_000

/**
 * Writes the trace as JSON Lines; returns the number of events written. Pages through getTrace
 * from the oldest event the service still keeps up to the last one that existed when the export
 * started (a running lab does not make it chase forever). Copes with services that cap the page
 * size and with trimmed traces (getTrace(0, n) empty because event 0 is gone).
 */
export async function writeTraceJsonl(
  api: Pick<LabApi, 'getTrace' | 'getSnapshot'>,
  file: string,
  pageSize = TRACE_PAGE
): Promise<number> {
  const total = (await api.getSnapshot()).counters.traceEvents
  let from = 0
  if (total > 0 && (await api.getTrace(0, 1)).length === 0) {
    // trimmed: find the oldest kept event (getTrace(i, 1) is empty below it, non-empty above)
    let lo = 0
    let hi = total - 1
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2)
      if ((await api.getTrace(mid, 1)).length) hi = mid
      else lo = mid + 1
    }
    from = lo
  }
  const out = createWriteStream(file, { encoding: 'utf8' })
  const failed = once(out, 'error').then(([err]) => {
    throw err
  })
  failed.catch(() => {})
  let n = 0
  try {
    while (from < total) {
      const page = await Promise.race([api.getTrace(from, Math.min(pageSize, total - from)), failed])
      if (page.length === 0) break
      for (const ev of page) {
        if (ev.i >= total) break
        if (!out.write(JSON.stringify(ev) + '\n')) await Promise.race([once(out, 'drain'), failed])
        n++
      }
      from = page[page.length - 1].i + 1
    }
  } finally {
    out.end()
  }
  await Promise.race([once(out, 'finish'), failed])
  return n
}

export interface ReadTrace {
  events: TraceEvent[]
  /** 'line 3: ...' for each line that is not a trace event (skipped) */
  errors: string[]
}

function isTraceEvent(v: unknown): v is TraceEvent {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const e = v as Record<string, unknown>
  return (
    Number.isSafeInteger(e.i) &&
    (e.i as number) >= 0 &&
    typeof e.t === 'number' &&
    Number.isFinite(e.t) &&
    typeof e.k === 'string' &&
    (e.side === undefined || e.side === 'device' || e.side === 'driver')
  )
}

/** Reads a JSON Lines trace, validating every line; invalid lines are reported, not thrown. */
export async function readTraceJsonl(file: string, maxEvents = 5_000_000): Promise<ReadTrace> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  const events: TraceEvent[] = []
  const errors: string[] = []
  let line = 0
  for await (const text of rl) {
    line++
    if (text.trim() === '') continue
    if (events.length >= maxEvents) {
      errors.push(`line ${line}: more than ${maxEvents} events; the rest is ignored`)
      break
    }
    let v: unknown
    try {
      v = JSON.parse(text)
    } catch {
      if (errors.length < 100) errors.push(`line ${line}: not JSON`)
      continue
    }
    if (isTraceEvent(v)) events.push(v)
    else if (errors.length < 100) errors.push(`line ${line}: not a trace event ({i, t, k, ...})`)
  }
  rl.close()
  return { events, errors }
}

export const CONSOLE_LOG_NAMES: Record<Side, string> = {
  device: 'device-console.log',
  driver: 'driver-console.log'
}

/** Writes both consoles' bytes (latin1 on the wire = raw bytes on disk) into `dir`. */
export async function exportConsoleLogs(
  api: Pick<LabApi, 'consoleSince'>,
  dir: string
): Promise<{ side: Side; file: string; bytes: number }[]> {
  await fsp.mkdir(dir, { recursive: true })
  const out: { side: Side; file: string; bytes: number }[] = []
  for (const side of ['device', 'driver'] as const) {
    const { data } = await api.consoleSince(side, 0)
    const file = join(dir, CONSOLE_LOG_NAMES[side])
    const bytes = Buffer.from(data, 'latin1')
    await fsp.writeFile(file, bytes)
    out.push({ side, file, bytes: bytes.length })
  }
  return out
}
