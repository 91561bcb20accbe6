// The snapshot's ring view walks every pending chain with src/virtio/chain.ts and carries the
// failures (code, message, descriptor at fault); tests/renderer/VringChainErrors.test.ts shows them.
import { describe, expect, it } from 'vitest'
import { ringView } from '../../src/lab/snapshot'
import { MockSplitQueue } from '../../src/virtio/testing/mock-driver'
import { VRING_DESC_F } from '../../src/virtio/mmio'
import { Shm } from '../../src/sim/shm'

const BASE = 0xafa00000

function queue() {
  const shm = new Shm(1 << 20)
  const q = new MockSplitQueue(shm, { base: 0x10000, num: 8, driverBase: BASE, seed: 7 })
  return { shm, q }
}

describe('ring view: chain errors', () => {
  it('a well-formed pending chain gives none', () => {
    const { shm, q } = queue()
    q.addChain([{ len: 4 }, { len: 8, write: true }])
    const v = ringView(shm, { queue: 1, name: 'transmitq', addr: q.ring, usedCons: 0 }, true, BASE)
    expect(v.chainErrors).toEqual([])
  })

  it('reports a next out of range and a loop with the descriptor at fault', () => {
    const { shm, q } = queue()
    q.addChain([{ len: 4 }])
    const c = q.addChain([{ len: 4 }, { len: 4 }])
    const bad = q.addChain([{ len: 4 }, { len: 4 }])
    q.pokeDesc(c.descs[1]!, { flags: VRING_DESC_F.NEXT, next: 9 }) // next >= num
    q.pokeDesc(bad.descs[1]!, { flags: VRING_DESC_F.NEXT, next: bad.descs[0]! }) // loop
    const v = ringView(shm, { queue: 1, name: 'transmitq', addr: q.ring, usedCons: 0 }, true, BASE)
    expect(v.chainErrors.map((e) => [e.code, e.slot, e.head, e.desc])).toEqual([
      ['InvalidDescriptorIndex', 1, c.head, c.descs[1]],
      ['DescriptorChainOverflow', 2, bad.head, expect.any(Number)]
    ])
    expect(v.chainErrors[0]!.message).toBe(`desc[${c.descs[1]}] (head ${c.head}).next = 9 >= queue size 8`)

  })
})
