// A small model of Zephyr's k_heap/sys_heap over a region of shared memory (docs/wire-protocol.md#bounce-buffers).
// Not byte-exact with sys_heap (the demo's device never reads heap metadata, and the doc says an
// emulator need only keep allocations inside the region), but it has the same visible traits:
// 8-byte chunk units, an 8-byte header in front of each chunk (written to shm so a memory
// viewer sees it), first-fit, aligned allocation, coalescing frees. Deterministic.

import type { GuestPlatform } from './platform'

const UNIT = 8
const HDR = 8
/** sys_heap keeps its struct z_heap at the start of the region */
const META = 0x40

interface Chunk {
  off: number // header offset
  size: number // bytes including header
  used: boolean
}

export class ZHeap {
  private chunks: Chunk[]

  constructor(
    private readonly p: GuestPlatform,
    readonly name: string,
    readonly start: number,
    readonly len: number
  ) {
    this.chunks = [{ off: start + META, size: len - META, used: false }]
  }

  /** write the heap's metadata into shm, as k_heap_init does at boot */
  init(): void {
    this.p.w32(this.start, this.len) // end_chunk
    this.p.w32(this.start + 4, 1) // avail_buckets (model)
    this.hdr(this.chunks[0]!)
  }

  private hdr(c: Chunk): void {
    // size in units << 1 | used, as sys_heap packs it
    this.p.w32(c.off, (((c.size / UNIT) << 1) | (c.used ? 1 : 0)) >>> 0)
    this.p.w32(c.off + 4, 0)
  }

  /** k_heap_aligned_alloc: returns the shm offset of the payload, or null */
  alloc(bytes: number, align = UNIT): number | null {
    const need = Math.ceil(Math.max(bytes, 1) / UNIT) * UNIT
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i]!
      if (c.used) continue
      let payload = c.off + HDR
      if (payload % align) payload = Math.ceil(payload / align) * align
      let lead = payload - HDR - c.off
      if (lead > 0 && lead < HDR + UNIT) {
        // no room for a free chunk in front: take the next aligned slot
        payload += Math.ceil((HDR + UNIT - lead) / align) * align
        lead = payload - HDR - c.off
      }
      const end = payload + need
      if (end > c.off + c.size) continue
      const parts: Chunk[] = []
      if (lead > 0) parts.push({ off: c.off, size: lead, used: false })
      const mine: Chunk = { off: payload - HDR, size: HDR + need, used: true }
      parts.push(mine)
      const tail = c.off + c.size - end
      if (tail >= HDR + UNIT) parts.push({ off: end, size: tail, used: false })
      else mine.size += tail
      this.chunks.splice(i, 1, ...parts)
      for (const x of parts) this.hdr(x)
      return payload
    }
    return null
  }

  free(payload: number): boolean {
    const i = this.chunks.findIndex((c) => c.used && c.off + HDR === payload)
    if (i < 0) return false
    const c = this.chunks[i]!
    c.used = false
    // coalesce with the right and left neighbours
    const r = this.chunks[i + 1]
    if (r && !r.used) {
      c.size += r.size
      this.chunks.splice(i + 1, 1)
    }
    const l = this.chunks[i - 1]
    if (l && !l.used) {
      l.size += c.size
      this.chunks.splice(i, 1)
      this.hdr(l)
    } else this.hdr(c)
    return true
  }

  get used(): number {
    return this.chunks.filter((c) => c.used).reduce((a, c) => a + c.size, 0)
  }
}
