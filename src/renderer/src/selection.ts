// Cross-highlighting (Wireshark style): structures -> shm byte ranges and back.
import type { DescRow, LabSnapshot, RegCell, RingView } from '../../shared/contract'
import type { Selection } from './stores/selection'
import { hex, regTestId } from './format'

/** size of the register window in the seed (docs/wire-protocol.md#register-block) */
export const MMIO_WINDOW = 0x200

export function regSelection(r: RegCell): Selection {
  return { key: 'reg:' + regTestId(r.off).slice(4), label: `${r.name} @ ${hex(r.off, 3)}`, off: r.off, len: 4, extra: [] }
}

export function descSelection(ring: RingView, d: DescRow, primary: 'entry' | 'buffer' = 'entry'): Selection | null {
  const entry = ring.descOff !== null ? { off: ring.descOff + 16 * d.i, len: 16 } : null
  const buf = d.off !== null && d.len > 0 ? { off: d.off, len: Math.min(d.len, 4096) } : null
  const first = primary === 'buffer' ? (buf ?? entry) : (entry ?? buf)
  if (!first) return null
  const extra = [entry, buf].filter((x): x is { off: number; len: number } => x !== null && x !== first)
  return {
    key: `desc:${ring.queue}:${d.i}`,
    label: `${ring.name} desc[${d.i}]` + (first === buf ? ' buffer' : ''),
    off: first.off,
    len: first.len,
    extra
  }
}

export function availLen(num: number): number {
  return 6 + 2 * num
}
export function usedLen(num: number): number {
  return 6 + 8 * num
}

export function availSelection(ring: RingView): Selection | null {
  if (ring.availOff === null) return null
  return { key: `avail:${ring.queue}`, label: `${ring.name} avail ring`, off: ring.availOff, len: availLen(ring.num), extra: [] }
}

export function usedSelection(ring: RingView): Selection | null {
  if (ring.usedOff === null) return null
  return { key: `used:${ring.queue}`, label: `${ring.name} used ring`, off: ring.usedOff, len: usedLen(ring.num), extra: [] }
}

/** which structure a shm byte belongs to (innermost first) */
export function resolveShmOffset(snap: LabSnapshot | null, off: number): Selection {
  if (snap) {
    if (off < MMIO_WINDOW) {
      const cell = snap.regs.find((r) => off >= r.off && off < r.off + 4)
      if (cell) return regSelection(cell)
    }
    for (const ring of snap.rings) {
      if (!ring.configured) continue
      if (ring.descOff !== null && off >= ring.descOff && off < ring.descOff + 16 * ring.num) {
        const d = ring.desc[Math.floor((off - ring.descOff) / 16)]
        if (d) {
          const s = descSelection(ring, d, 'entry')
          if (s) return s
        }
      }
      if (ring.availOff !== null && off >= ring.availOff && off < ring.availOff + availLen(ring.num)) {
        const s = availSelection(ring)
        if (s) return s
      }
      if (ring.usedOff !== null && off >= ring.usedOff && off < ring.usedOff + usedLen(ring.num)) {
        const s = usedSelection(ring)
        if (s) return s
      }
    }
    for (const ring of snap.rings) {
      for (const d of ring.desc) {
        if (d.off !== null && d.len > 0 && off >= d.off && off < d.off + d.len) {
          const s = descSelection(ring, d, 'buffer')
          if (s) return s
        }
      }
    }
    const region = snap.regions.find((r) => off >= r.off && off < r.off + r.len)
    if (region) {
      return { key: 'byte:' + off, label: `${region.name} + ${hex(off - region.off)}`, off, len: 1, extra: [] }
    }
  }
  return { key: 'byte:' + off, label: hex(off), off, len: 1, extra: [] }
}

export function inSelection(s: Selection | null, off: number): 0 | 1 | 2 {
  if (!s) return 0
  if (off >= s.off && off < s.off + s.len) return 1
  for (const x of s.extra) if (off >= x.off && off < x.off + x.len) return 2
  return 0
}

/** guest VA of a ring part: guestAddr (desc table VA) + (partOff - descOff), hex */
export function partAddr(ring: RingView, partOff: number | null): string {
  if (ring.guestAddr === null || ring.descOff === null || partOff === null) return '—'
  try {
    return '0x' + (BigInt(ring.guestAddr) + BigInt(partOff - ring.descOff)).toString(16)
  } catch {
    return '—'
  }
}
