// The xterm write pump of a console: formats chunks (DisplayFormatter), writes them with callbacks
// and keeps at most HIGH_WATER characters inside xterm's write buffer; the rest waits in a local
// queue, nothing is ever dropped. Counters: rx = bytes received, written = bytes xterm committed,
// queued = received but not yet committed. A re-render (format toggles, clear, reset) waits until
// xterm's buffer drained, then replays the kept log.
import { reactive } from 'vue'
import type { Terminal } from '@xterm/xterm'
import type { ConsoleChunk } from '../stores/console'
import { DisplayFormatter, type DisplayMode } from '../consoleFormat'

/** flow-control watermarks (characters pending inside xterm's write buffer) */
export const HIGH_WATER = 128 * 1024
export const LOW_WATER = 16 * 1024
/** largest single write handed to xterm */
export const MAX_CHUNK = 64 * 1024

interface QItem {
  display: string
  raw: number
}

export function useXtermPump(opts: { term: () => Terminal | null; mode: () => DisplayMode; log: () => readonly ConsoleChunk[]; onRerender?: () => void }) {
  const counts = reactive({ rx: 0, written: 0, queued: 0 })
  const formatter = new DisplayFormatter(opts.mode())
  let queue: QItem[] = []
  let inFlight = 0
  let generation = 0
  let rerenderPending = false
  let idleWaiters: (() => void)[] = []

  function enqueue(chunks: readonly ConsoleChunk[]): void {
    for (const ch of chunks) {
      const display = ch.marker !== undefined ? formatter.marker(ch.marker) : formatter.feed(ch.data, ch.t)
      counts.queued += ch.data.length
      if (display.length <= MAX_CHUNK) {
        queue.push({ display, raw: ch.data.length })
      } else {
        // split long output; raw bytes are credited with the last piece
        for (let i = 0; i < display.length; i += MAX_CHUNK) {
          const last = i + MAX_CHUNK >= display.length
          queue.push({ display: display.slice(i, i + MAX_CHUNK), raw: last ? ch.data.length : 0 })
        }
      }
    }
    pump()
  }

  /** bytes received: counted, formatted, queued */
  function received(chunks: readonly ConsoleChunk[]): void {
    for (const ch of chunks) counts.rx += ch.data.length
    enqueue(chunks)
    counts.written = counts.rx - counts.queued
  }

  function pump(): void {
    const term = opts.term()
    if (!term) return
    if (rerenderPending) {
      if (inFlight > 0) return // wait until xterm's write buffer drained (reset() does not flush it)
      rerenderPending = false
      rerender(term)
    }
    while (queue.length > 0 && inFlight < HIGH_WATER) {
      const item = queue.shift()!
      const gen = generation
      const n = item.display.length
      inFlight += n
      term.write(item.display, () => {
        inFlight -= n
        if (gen === generation) {
          counts.queued -= item.raw
          counts.written = counts.rx - counts.queued
        }
        if (inFlight < LOW_WATER || rerenderPending) pump()
      })
    }
    if (idle()) {
      const w = idleWaiters
      idleWaiters = []
      for (const f of w) f()
    }
  }

  function rerender(term: Terminal): void {
    generation++
    term.reset()
    formatter.reset(opts.mode())
    queue = []
    counts.queued = 0
    opts.onRerender?.()
    enqueue(opts.log())
    counts.written = counts.rx - counts.queued
  }

  function requestRerender(): void {
    rerenderPending = true
    pump()
  }

  function idle(): boolean {
    return queue.length === 0 && inFlight === 0 && !rerenderPending
  }

  /** resolves when every queued byte has been committed by xterm */
  function whenIdle(): Promise<void> {
    if (idle()) return Promise.resolve()
    return new Promise((resolve) => idleWaiters.push(resolve))
  }

  /** the terminal is going away: release anyone waiting */
  function dispose(): void {
    const w = idleWaiters
    idleWaiters = []
    for (const f of w) f()
  }

  return { counts, received, requestRerender, whenIdle, dispose }
}
