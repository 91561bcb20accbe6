// How many bytes a shared-memory hex row shows (docs/layout.md#fitting): the largest power of two
// (8..64) whose row fits the panel's width, so a wide panel shows 32 or 64 bytes a row and a narrow
// one 8, without a horizontal scrollbar. Pure: ShmHex measures, this decides.

export const MIN_ROW = 8
export const MAX_ROW = 64
/** bytes a page holds at least; a page is always 16 rows or more */
export const MIN_PAGE = 256

/** px a row needs besides its bytes: offset column (6 ch), two 8 px gaps, 4+4 px padding */
function fixedPx(ch: number): number {
  return 6 * ch + 2 * 8 + 8
}

/** px of n bytes: "xx" plus 1.5 px padding each side, one ASCII char, 6 px after every 8th byte */
export function rowPx(n: number, ch: number): number {
  return fixedPx(ch) + n * (2 * ch + 3) + n * ch + (n / 8 - 1) * 6
}

/** bytes per row for a panel `width` px wide in a font whose character is `ch` px wide */
export function bytesPerRow(width: number, ch: number): number {
  if (!(width > 0) || !(ch > 0)) return 16 // not laid out yet: the classic 16
  let n = MIN_ROW
  while (n * 2 <= MAX_ROW && rowPx(n * 2, ch) <= width) n *= 2
  return n
}

/** bytes per page for `row` bytes per row */
export function pageBytes(row: number): number {
  return Math.max(MIN_PAGE, row * 16)
}
