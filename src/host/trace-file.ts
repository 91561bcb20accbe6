// `run --trace FILE`: the trace as JSON Lines, buffered (1 MiB) and written synchronously, for
// runs on the virtual clock and on real fabrics alike. Open and write errors are CliErrors that
// name the file (bad input: one line on stderr, exit 2).

import { closeSync, openSync, writeSync } from 'node:fs'
import { CliError } from './cli-args'

const FLUSH_AT = 1 << 20

export class TraceFile {
  private fd: number | null
  private buf: string[] = []
  private len = 0

  /** opens (truncates) `path`; undefined = no file, every call a no-op */
  constructor(private readonly path: string | undefined) {
    this.fd = null
    if (path === undefined) return
    try {
      this.fd = openSync(path, 'w')
    } catch (e) {
      throw new CliError(`--trace: cannot open '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }

  /** the session's trace sink, or none without a file */
  get sink(): ((line: string) => void) | undefined {
    if (this.fd === null) return undefined
    return (line) => {
      this.buf.push(line + '\n')
      this.len += line.length + 1
      if (this.len > FLUSH_AT) this.flush()
    }
  }

  flush(): void {
    if (this.fd !== null && this.buf.length) {
      try {
        writeSync(this.fd, this.buf.join(''))
      } catch (e) {
        throw new CliError(`--trace: cannot write '${this.path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      } finally {
        this.buf = []
        this.len = 0
      }
    }
  }

  /** flush what is left and close; the close happens even when the flush throws */
  close(): void {
    try {
      this.flush()
    } finally {
      if (this.fd !== null) closeSync(this.fd)
      this.fd = null
    }
  }
}
