// Hex formatting used by the trace and every layer above it.

/** 0x + 8 lowercase hex digits of a u32 */
export const hex32 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0')

/** a stored value as the trace shows it: 0x + 2·w hex digits; 64-bit values as lo/hi words */
export function hexw(lo: number, hi: number, w: number): string {
  if (w === 8) return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0')
  return '0x' + (lo >>> 0).toString(16).padStart(w * 2, '0')
}
