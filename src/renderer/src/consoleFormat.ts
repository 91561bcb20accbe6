// Streaming display formatter for the consoles: plain text or hex dump, with optional
// virtual-time prefixes. Pure: feed(data, t) returns what to write into xterm.
import { fmtTimePrefix, hex2, printable } from './format'

export interface DisplayMode {
  timestamps: boolean
  hex: boolean
}

export const HEX_PER_LINE = 16

export class DisplayFormatter {
  private atLineStart = true
  /** hex mode: bytes on the current line */
  private col = 0
  private lineAscii = ''
  /** hex mode: stream offset of the next byte */
  private offset = 0

  constructor(public mode: DisplayMode) {}

  reset(mode: DisplayMode = this.mode): void {
    this.mode = mode
    this.atLineStart = true
    this.col = 0
    this.lineAscii = ''
    this.offset = 0
  }

  feed(data: string, t: number): string {
    return this.mode.hex ? this.feedHex(data, t) : this.feedText(data, t)
  }

  private prefix(t: number): string {
    return this.mode.timestamps ? `\x1b[2m[${fmtTimePrefix(t)}]\x1b[0m ` : ''
  }

  /** a line of the lab's own between the guest's bytes (restart markers): always on a line of its own */
  marker(text: string): string {
    let out = ''
    if (this.mode.hex) {
      if (this.col > 0) out += ' '.repeat((HEX_PER_LINE - this.col) * 3 + (this.col <= 8 ? 1 : 0)) + ' |' + this.lineAscii + '|\r\n'
      this.col = 0
      this.lineAscii = ''
    } else if (!this.atLineStart) out += '\r\n'
    this.atLineStart = true
    return out + `\x1b[2m── ${text} ──\x1b[0m\r\n`
  }

  private feedText(data: string, t: number): string {
    if (!this.mode.timestamps) {
      if (data.length > 0) this.atLineStart = data.charCodeAt(data.length - 1) === 10
      return data
    }
    let out = ''
    let start = 0
    for (let i = 0; i < data.length; i++) {
      if (this.atLineStart) {
        out += data.slice(start, i) + this.prefix(t)
        start = i
        this.atLineStart = false
      }
      if (data.charCodeAt(i) === 10) this.atLineStart = true
    }
    return out + data.slice(start)
  }

  private feedHex(data: string, t: number): string {
    let out = ''
    for (let i = 0; i < data.length; i++) {
      const b = data.charCodeAt(i) & 0xff
      if (this.col === 0) out += this.prefix(t) + this.offset.toString(16).padStart(8, '0') + '  '
      out += hex2(b) + (this.col === 7 ? '  ' : ' ')
      this.lineAscii += printable(b)
      this.col++
      this.offset++
      if (this.col === HEX_PER_LINE) {
        out += ' |' + this.lineAscii + '|\r\n'
        this.col = 0
        this.lineAscii = ''
      }
    }
    return out
  }
}
