// Virtual scrolling for fixed-height rows: only the rows in view (plus OVERSCAN) are rendered,
// whatever the row count. Past MAX_PX of content (browsers cap an element's height) the
// scrollbar maps proportionally onto the rows.
import { computed, nextTick, ref, type Ref } from 'vue'

export const ROW_H = 18
export const OVERSCAN = 6
export const MAX_PX = 8_000_000
/** height assumed before layout (and under test DOMs without layout) */
const FALLBACK_VIEW_H = 400

export function useVirtualRows(rowCount: Ref<number>) {
  const el = ref<HTMLElement | null>(null)
  const scrollTop = ref(0)
  const viewH = ref(FALLBACK_VIEW_H)

  const fullH = computed(() => rowCount.value * ROW_H)
  const contentH = computed(() => Math.min(fullH.value, MAX_PX))
  const scaled = computed(() => fullH.value > MAX_PX)
  const viewRows = computed(() => Math.max(1, Math.floor(viewH.value / ROW_H)))
  const maxScroll = computed(() => Math.max(0, contentH.value - viewH.value))

  /** fractional row at the top of the view */
  const topRow = computed(() => {
    // the scroller clamps its own scrollTop when content shrinks; the math must not lag behind it
    if (!scaled.value) return Math.min(scrollTop.value, maxScroll.value) / ROW_H
    const rowsOver = Math.max(0, rowCount.value - viewH.value / ROW_H)
    return maxScroll.value > 0 ? (Math.min(scrollTop.value, maxScroll.value) / maxScroll.value) * rowsOver : 0
  })
  /** rows [start, stop) to render, and where their block sits in the scroller */
  const window = computed(() => {
    const first = Math.floor(topRow.value)
    const start = Math.max(0, first - OVERSCAN)
    const stop = Math.min(rowCount.value, first + viewRows.value + 1 + OVERSCAN)
    const offset = (topRow.value - first) * ROW_H
    const top = Math.max(0, Math.min(scrollTop.value, maxScroll.value) - offset - (first - start) * ROW_H)
    return { start, stop, top }
  })

  function measure(): void {
    const h = el.value?.clientHeight ?? 0
    viewH.value = h > 0 ? h : FALLBACK_VIEW_H
  }

  /** a programmatic scroll waits for the render that sizes the spacer: until then the browser
   *  would clamp it to the old height, and the scroll events it fires are not the user's */
  let pending = false
  function onScroll(): boolean {
    if (pending || !el.value) return false
    scrollTop.value = el.value.scrollTop
    return true
  }

  /** scroll position that shows row r at the top */
  function topFor(r: number): number {
    if (!scaled.value) return r * ROW_H
    const rowsOver = Math.max(1, rowCount.value - viewH.value / ROW_H)
    return (r / rowsOver) * maxScroll.value
  }

  function setTop(px: number): void {
    const v = Math.max(0, Math.min(maxScroll.value, px))
    scrollTop.value = v
    if (el.value) el.value.scrollTop = v
    pending = true
    void nextTick(() => {
      if (el.value) el.value.scrollTop = scrollTop.value
      // the scroll event of that assignment arrives before the next frame
      requestAnimationFrameOr(() => (pending = false))
    })
  }

  /** bring row r into view: 'nearest' scrolls only when it is outside, 'center' centres it */
  function reveal(r: number, how: 'nearest' | 'center' = 'nearest'): void {
    const top = topRow.value
    if (how === 'nearest' && r >= Math.ceil(top) && r + 1 <= top + viewRows.value) return
    if (how === 'center') setTop(topFor(r - Math.floor(viewRows.value / 2)))
    else if (r < top) setTop(topFor(r))
    else setTop(topFor(r - viewRows.value + 1))
  }

  function toBottom(): void {
    setTop(maxScroll.value)
  }

  function atBottom(): boolean {
    return scrollTop.value >= maxScroll.value - ROW_H
  }

  /** keep the same rows in view after `rows` rows were removed at the front */
  function shiftUp(rows: number): void {
    if (rows > 0 && !scaled.value) setTop(scrollTop.value - rows * ROW_H)
  }

  return { el, scrollTop, viewH, viewRows, contentH, window, topRow, measure, onScroll, reveal, toBottom, atBottom, shiftUp, setTop }
}

function requestAnimationFrameOr(f: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => f())
  else setTimeout(f, 0)
}
