// Continuous console logging to a file, like tio's --log-file and picocom's --logfile: the bytes a
// guest emits are appended as they come (raw: one byte per latin1 char), optionally with a
// virtual-time stamp "[    12.345678] " at each line start (the console pane's style), and the
// lab's own lines ("── instance_1 restarted at 12.000 s, peer 3 ──", UTF-8) between them. Every write
// goes straight to the file (no buffer of ours): a crash loses at most the write in progress.
// A file error never escapes: opening throws a ConsoleLogError (the CLI's one line, exit 2);
// a later write error stops that log and is reported once through onError.
// Shared by the CLI (src/host/cli.ts) and the Electron shell (src/main/console-log-menu.ts).

import { closeSync, openSync, writeSync } from 'node:fs'
import type { ConsoleMark, LabEvent, Side } from '../shared/contract'
import { INSTANCE } from '../lab/session'

export { INSTANCE }

/** a log file that cannot be opened or written: errno code (ENOENT, EACCES, ENOSPC, ...) */
export class ConsoleLogError extends Error {
  override name = 'ConsoleLogError'
  constructor(
    readonly side: Side,
    readonly path: string,
    readonly code: string,
    what: 'open' | 'write',
    detail: string
  ) {
    super(`cannot ${what} the ${INSTANCE[side]} console log '${path}': ${code}${detail ? ` (${detail})` : ''}`)
  }
}

function errnoOf(e: unknown): { code: string; detail: string } {
  const x = e as NodeJS.ErrnoException
  return { code: typeof x?.code === 'string' ? x.code : 'EIO', detail: x?.code ? '' : String(x?.message ?? e) }
}

export interface ConsoleLogOptions {
  /** "[    12.345678] " virtual-time stamps at each line start */
  timestamps?: boolean
  /** what the opening line says (the command, the profile); omitted: no opening line text */
  label?: string
  /** wall clock for the opening line (tests fix it) */
  now?: () => Date
  /** a later write failed: the log is stopped (called once) */
  onError?: (e: ConsoleLogError) => void
}

/** [s.uuuuuu] as the console pane prints it: seconds with 6 decimals, right-aligned in 11 */
export function stamp(ns: number): string {
  return `[${(ns / 1e9).toFixed(6).padStart(11, ' ')}] `
}

export class ConsoleLog {
  private fd: number | null
  /** the last byte written was not a line end (a marker then starts on a new line) */
  private lineOpen = false
  /** bytes of the guest written so far */
  bytes = 0
  /** set when a write failed; nothing more is written */
  error: ConsoleLogError | null = null

  /** open `path` for appending (created if missing) and write the opening line; throws ConsoleLogError */
  constructor(
    readonly side: Side,
    readonly path: string,
    private readonly opts: ConsoleLogOptions = {}
  ) {
    try {
      this.fd = openSync(path, 'a')
    } catch (e) {
      const { code, detail } = errnoOf(e)
      throw new ConsoleLogError(side, path, code, 'open', detail)
    }
    // written now: a target that takes no bytes (a full disk, /dev/full) fails at the start
    const when = (opts.now ?? (() => new Date()))().toISOString()
    try {
      writeSync(this.fd, `── ${INSTANCE[side]} log opened ${when}${opts.label ? `, ${opts.label}` : ''} ──\n`, null, 'utf8')
    } catch (e) {
      this.close()
      const { code, detail } = errnoOf(e)
      throw new ConsoleLogError(side, path, code, 'write', detail)
    }
  }

  get open(): boolean {
    return this.fd !== null
  }

  /** guest bytes (latin1) emitted at virtual time t (ns): t stamps each line that starts in them */
  write(data: string, t: number): void {
    if (this.fd === null || data.length === 0) return
    let out = data
    if (this.opts.timestamps) {
      const ts = stamp(t)
      out = (this.lineOpen ? '' : ts) + data.replace(/\n(?=[^])/g, '\n' + ts)
    }
    if (this.put(Buffer.from(out, 'latin1'))) {
      this.bytes += data.length
      this.lineOpen = data.charCodeAt(data.length - 1) !== 10
    }
  }

  /** a line of the lab's own: "── text ──", on a line of its own */
  marker(text: string): void {
    if (this.fd === null) return
    // one line: a hostile text cannot forge log lines
    const clean = text.replace(/[\r\n]+/g, ' ')
    if (this.put(Buffer.from(`${this.lineOpen ? '\n' : ''}── ${clean} ──\n`, 'utf8'))) this.lineOpen = false
  }

  close(): void {
    if (this.fd === null) return
    const fd = this.fd
    this.fd = null
    try {
      closeSync(fd)
    } catch {
      /* the data was written with each call; nothing is left to lose */
    }
  }

  private put(b: Buffer): boolean {
    try {
      let off = 0
      while (off < b.length) off += writeSync(this.fd!, b, off, b.length - off)
      return true
    } catch (e) {
      const { code, detail } = errnoOf(e)
      this.error = new ConsoleLogError(this.side, this.path, code, 'write', detail)
      this.close()
      this.opts.onError?.(this.error)
      return false
    }
  }
}

/**
 * Feeds a ConsoleLog from the service's console pushes (LabEvent 'console' and 'reset'): bytes
 * split at their line-start times, restart marks at their stream offsets, duplicates skipped, a
 * reset (a new run) written as a marker. Pushes of the other side are ignored.
 */
export class ConsoleLogFeed {
  private expected = 0
  private marked = 0

  constructor(readonly log: ConsoleLog) {}

  /** a log started mid-run: stream bytes before seq are not wanted (nor a gap note for them) */
  skipTo(seq: number): void {
    this.expected = Math.max(this.expected, seq)
  }

  push(e: LabEvent): void {
    if (e.type === 'reset') {
      this.expected = 0
      this.marked = 0
      this.log.marker(`new run (reset), profile ${e.config.profile}, order ${e.config.order}`)
      return
    }
    if (e.type !== 'console' || e.side !== this.log.side) return
    const { data, seq } = e
    if (seq > this.expected) this.log.marker(`${seq - this.expected} byte(s) not logged`)
    const marks = (e.marks ?? []).filter((m) => m.n > this.marked).sort((a, b) => a.n - b.n)
    // cut points: line starts (with their time) and marks; bytes before `expected` were written
    const times = e.times ?? []
    let t = e.t ?? 0
    let ti = 0
    let mi = 0
    let at = Math.max(seq, this.expected)
    const end = seq + data.length
    const putMarks = (upto: number): void => {
      for (; mi < marks.length && marks[mi]!.seq <= upto; mi++) this.mark(marks[mi]!)
    }
    while (at < end) {
      for (; ti < times.length && seq + times[ti]![0] <= at; ti++) t = times[ti]![1]
      putMarks(at)
      const nextTime = ti < times.length ? seq + times[ti]![0] : end
      const nextMark = mi < marks.length ? Math.max(at + 1, marks[mi]!.seq) : end
      const to = Math.min(end, nextTime, nextMark)
      this.log.write(data.slice(at - seq, to - seq), t)
      at = to
    }
    putMarks(Number.POSITIVE_INFINITY)
    this.expected = Math.max(this.expected, end)
  }

  private mark(m: ConsoleMark): void {
    this.marked = m.n
    this.log.marker(m.text)
  }
}
