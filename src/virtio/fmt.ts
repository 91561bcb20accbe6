// Small formatting helpers shared by the register and ring decoders.

/** '0x' + lowercase hex of a non-negative integer (number or bigint); pad = minimum digits */
export function hex(v: number | bigint, pad = 1): string {
  if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) return String(v)
  return '0x' + v.toString(16).padStart(pad, '0')
}

/** 64-bit value from two u32 halves, as hex without padding (0xafb01000, 0xffffffffffffffff) */
export function hex64(lo: number, hi: number): string {
  if (hi >>> 0 === 0) return '0x' + (lo >>> 0).toString(16)
  return hex((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0))
}

/** printable ASCII of the 4 little-endian bytes of v; '.' for anything else */
export function ascii4(v: number): string {
  let s = ''
  for (let i = 0; i < 4; i++) {
    const c = (v >>> (8 * i)) & 0xff
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.'
  }
  return s
}

export { isPow2 } from '../sim/shm'

/** bigint of a number, truncated; 0n for NaN/±Infinity so 64-bit address math never throws */
export function big(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v
  return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n
}
