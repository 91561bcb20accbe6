// Ring and device faults on the seed profile (docs/spec-profile.md §7). The lab plays the hostile
// party: it rewrites fields of the transmitq chain the seed driver has just laid, after the driver
// published it and before its kick, and the seed firmwares then do with it what the real C does
// (docs/quirks.md Q16, Q18, Q19, Q20). Every kind returns what it stored, for the `fault` event.

import { VRING_DESC_F } from '../../virtio/mmio'
import type { GuestPlatform } from '../../guest/platform'

/** the kinds that act on the chain the driver lays next */
export const SEED_CHAIN_FAULTS = ['bad-head', 'next-out-of-range', 'desc-loop', 'avail-jump', 'len-beyond-shm', 'zero-len', 'tx-write-flag'] as const
export type SeedChainFault = (typeof SEED_CHAIN_FAULTS)[number]

export const isSeedChainFault = (k: string): k is SeedChainFault => (SEED_CHAIN_FAULTS as readonly string[]).includes(k)

/** the chain just laid: shm offsets of the ring parts, its size, its head and avail slot */
export interface LaidChain {
  desc: number
  avail: number
  num: number
  head: number
  slot: number
}

/** rewrite the laid chain for `kind`; returns the account of the stores for the trace */
export function corruptChain(kind: SeedChainFault, p: Pick<GuestPlatform, 'r16' | 'w16' | 'w32' | 'ivshmem_get_mem'>, c: LaidChain): string {
  const d = c.desc + 16 * c.head
  switch (kind) {
    case 'bad-head': {
      // Q18: the device reads avail.ring[used.idx % num] and indexes desc[] with it unchecked
      const bad = c.num + 3
      p.w16(c.avail + 4 + 2 * c.slot, bad)
      return `avail.ring[${c.slot}] = ${bad} (was head ${c.head})`
    }
    case 'next-out-of-range':
      p.w16(d + 12, VRING_DESC_F.NEXT)
      p.w16(d + 14, c.num + 5)
      return `desc[${c.head}].flags = NEXT, .next = ${c.num + 5}`
    case 'desc-loop':
      // one descriptor is all a full seed ring has free: the loop is desc[h] -> desc[h]
      p.w16(d + 12, VRING_DESC_F.NEXT)
      p.w16(d + 14, c.head)
      return `desc[${c.head}].flags = NEXT, .next = ${c.head} (a loop)`
    case 'avail-jump': {
      const idx = (p.r16(c.avail + 2) + c.num + 5) & 0xffff
      p.w16(c.avail + 2, idx)
      return `avail.idx = ${idx} (${c.num + 5} ahead)`
    }
    case 'len-beyond-shm': {
      const len = p.ivshmem_get_mem().size
      p.w32(d + 8, len)
      return `desc[${c.head}].len = ${len} (the whole shm)`
    }
    case 'zero-len':
      p.w32(d + 8, 0)
      return `desc[${c.head}].len = 0`
    case 'tx-write-flag':
      p.w16(d + 12, VRING_DESC_F.WRITE)
      return `desc[${c.head}].flags = WRITE (device-writable on transmitq)`
  }
}

/** stale-used-id in the seed: every id below QueueNum is outstanding at all times (the driver
 *  reclaims 4 buffers late, Q16), so the only id it never posted is one past the table */
export const staleUsedId = (num: number): number => num + 1
