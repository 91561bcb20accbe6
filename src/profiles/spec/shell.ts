// The spec driver's shell: bytes typed into the device console arrive over receiveq, the
// answer goes back over transmitq (docs/spec-profile.md §5). Pure: input bytes in, output out.

export const PROMPT = 'spec$ '
export const HELLO_SPEC = 'Hello World from the virtio 1.2 spec driver'
export const MAX_HELLO = 1000
const MAX_LINE = 256

export interface ShellEnv {
  uptimeMs(): number
  stats(): string
  /** the `reset` command: reset the device and handshake again */
  reset(): void
}

export class Shell {
  private line = ''
  /** lines run so far */
  commands = 0

  constructor(private readonly env: ShellEnv) {}

  /** feed typed bytes; returns what the terminal should show (echo and command output) */
  input(bytes: ArrayLike<number>): string {
    let out = ''
    for (let k = 0; k < bytes.length; k++) {
      const c = bytes[k]! & 0xff
      if (c === 0x0d || c === 0x0a) {
        // CR LF typed as one Enter counts once
        if (c === 0x0a && this.lastCr) {
          this.lastCr = false
          continue
        }
        this.lastCr = c === 0x0d
        out += '\r\n' + this.run(this.line) + PROMPT
        this.line = ''
        continue
      }
      this.lastCr = false
      if (c === 0x7f || c === 0x08) {
        if (this.line.length) {
          this.line = this.line.slice(0, -1)
          out += '\b \b'
        }
      } else if (c >= 0x20 && c < 0x7f && this.line.length < MAX_LINE) {
        this.line += String.fromCharCode(c)
        out += String.fromCharCode(c)
      }
    }
    return out
  }
  private lastCr = false

  /** one command line; output ends with "\r\n" when not empty */
  run(line: string): string {
    const [cmd = '', ...args] = line.trim().split(/\s+/)
    if (cmd === '') return ''
    this.commands++
    const ln = (s: string) => s + '\r\n'
    switch (cmd) {
      case 'help':
        return ln('commands: help, uptime, stats, echo TEXT, hello N, reset')
      case 'uptime':
        return ln(`up ${this.env.uptimeMs()} ms`)
      case 'stats':
        return ln(this.env.stats())
      case 'echo':
        return ln(line.trim().slice(4).trim())
      case 'hello': {
        const n = args.length ? Number(args[0]) : 1
        if (!Number.isInteger(n) || n < 1 || n > MAX_HELLO) return ln(`hello: N must be an integer in 1..${MAX_HELLO}, got '${args[0]}'`)
        let s = ''
        for (let i = 1; i <= n; i++) s += ln(`[${i}] ${HELLO_SPEC}`)
        return s
      }
      case 'reset':
        this.env.reset()
        return ln('resetting the device')
      default:
        return ln(`${cmd}: unknown command (try help)`)
    }
  }
}
