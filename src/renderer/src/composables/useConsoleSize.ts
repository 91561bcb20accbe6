// The device console pane's size to the device (resizeConsole; docs/spec-profile.md#console-size):
// reported when xterm's fit changes the columns or rows, debounced (a window drag fits many
// times), and sent only when it differs from the last size sent.
import { ref } from 'vue'
import type { ConsoleSizeResult } from '../../../shared/contract'

export const RESIZE_DEBOUNCE_MS = 150

export interface ConsoleSizeOptions {
  /** only the device console has a virtio console size */
  enabled: () => boolean
  /** the RPC; null when it failed (the next change retries) */
  send: (cols: number, rows: number) => Promise<ConsoleSizeResult | null>
  debounceMs?: number
}

export function useConsoleSize(o: ConsoleSizeOptions) {
  /** the service's answer to the last size sent */
  const last = ref<ConsoleSizeResult | null>(null)
  let sent = ''
  let want: [number, number] | null = null
  let timer: ReturnType<typeof setTimeout> | null = null

  /** xterm's size now (after a fit); sent after the debounce if it changed */
  function report(cols: number, rows: number): void {
    if (!o.enabled() || !(cols >= 1 && rows >= 1)) return
    want = [cols, rows]
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => void flush(), o.debounceMs ?? RESIZE_DEBOUNCE_MS)
  }

  async function flush(): Promise<void> {
    timer = null
    if (!want) return
    const [cols, rows] = want
    const key = `${cols}x${rows}`
    if (key === sent) return
    sent = key
    const r = await o.send(cols, rows)
    if (r) last.value = r
    else if (sent === key) sent = ''
  }

  function dispose(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  return { report, last, dispose }
}
