// The console's plain-text mirror: a hidden <pre> that tests and screen readers read, holding at most
// a tail of `cap` characters (whole chunks are dropped from the front, no re-join of the log).
import type { Ref } from 'vue'

export function useTextMirror(mirror: Ref<HTMLPreElement | null>, cap: number) {
  let len = 0

  function append(data: string): void {
    const el = mirror.value
    if (!el) return
    el.appendChild(document.createTextNode(data))
    len += data.length
    if (len <= cap) return
    while (len > cap / 2 && el.firstChild && el.firstChild !== el.lastChild) {
      len -= el.firstChild.textContent?.length ?? 0
      el.removeChild(el.firstChild)
    }
  }

  function clear(): void {
    if (mirror.value) mirror.value.textContent = ''
    len = 0
  }

  return { append, clear }
}
