// Queue conformance, per virtio 1.2 section: §2.7 sizes, §2.7.2 alignment, §4.2.3.2 settings only
// while not ready, §2.7.5.2 chain TTL, §2.7.6 avail index, §2.7.8 used ring, §2.7.10 event index.
import { describe, expect, it } from 'vitest'
import { Shm } from '../../src/sim/shm'
import { Queue, needEvent, readChain, writeChain } from '../../src/virtio/queue'
import { DriverQueue } from '../../src/virtio/driver-queue'
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F } from '../../src/virtio/mmio'
import { addrOf, ringOff, setUsedElem, setUsedIdx, type RingAddr } from '../../src/virtio/ring'
import { MockSplitQueue } from '../../src/virtio/testing/mock-driver'
import type { Result } from '../../src/virtio/errors'

const BASE = 0xafa00000
const SIZE = 0x10000
const code = <T>(r: Result<T>) => (r.ok ? 'ok' : r.error.code)

/** a ready device Queue over the mock driver's ring at 0x1000 */
function setup(num = 8, seed = 3) {
  const shm = new Shm(SIZE)
  const m = new MockSplitQueue(shm, { base: 0x1000, num, seed, driverBase: BASE })
  const q = new Queue(1, 64)
  expect(code(q.setSize(num))).toBe('ok')
  const r = m.ring
  for (const [part, off] of [['desc', r.descOff], ['driver', r.availOff], ['device', r.usedOff]] as const) {
    const a = addrOf(BASE + off)
    q.setAddr(part, false, a.lo)
    q.setAddr(part, true, a.hi)
  }
  expect(code(q.setReady(true, SIZE, BASE))).toBe('ok')
  return { shm, m, q }
}

describe('Queue settings (§2.7, §4.2.3.2)', () => {
  it('QueueNum must be a power of two <= QueueNumMax', () => {
    const q = new Queue(0, 64)
    expect(code(q.setSize(0))).toBe('InvalidQueueSize')
    expect(code(q.setSize(48))).toBe('InvalidQueueSize')
    expect(code(q.setSize(128))).toBe('InvalidQueueSize')
    expect(code(q.setSize(16))).toBe('ok')
    expect(q.size).toBe(16)
  })
  it('QueueNumMax itself must be valid', () => {
    expect(() => new Queue(0, 100)).toThrow(RangeError)
  })
  it('size and addresses are frozen while ready; reset clears everything', () => {
    const { q } = setup()
    expect(code(q.setSize(4))).toBe('InvalidQueueSetting')
    expect(code(q.setAddr('desc', false, 0))).toBe('InvalidQueueSetting')
    q.reset()
    expect([q.ready, q.size, q.nextAvail, q.addr.desc.lo]).toEqual([false, 64, 0, 0])
  })
  it('QueueReady rejects a ring outside shm, below the base or misaligned (§2.7.2)', () => {
    const q = new Queue(0, 8)
    const set = (d: number, a: number, u: number) => {
      q.reset()
      q.setAddr('desc', false, d)
      q.setAddr('driver', false, a)
      q.setAddr('device', false, u)
    }
    set(BASE + 0x1000, BASE + 0x1080, BASE + 0x1100)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('ok')
    set(BASE + 0x1008, BASE + 0x1080, BASE + 0x1100)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('MisalignedRing')
    set(BASE + 0x1000, BASE + 0x1081, BASE + 0x1100)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('MisalignedRing')
    set(BASE + 0x1000, BASE + 0x1080, BASE + 0x1102)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('MisalignedRing')
    set(BASE + SIZE - 0x40, BASE + 0x1080, BASE + 0x1100)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('RingOutOfBounds')
    set(0x1000, BASE + 0x1080, BASE + 0x1100)
    expect(code(q.setReady(true, SIZE, BASE))).toBe('RingOutOfBounds')
    expect(q.ready).toBe(false)
  })
  it('a queue that is not ready refuses work', () => {
    const q = new Queue(0, 8)
    expect(code(q.pop(new Shm(SIZE), BASE))).toBe('QueueNotReady')
  })
})

describe('Queue data path (§2.7.6, §2.7.8)', () => {
  it('pops every chain in order with free-running indices, multi-buffer, scattered', () => {
    const { shm, m, q } = setup(8)
    const a = m.addChain([{ len: 3, data: [1, 2, 3] }, { len: 2, data: [4, 5] }])
    const b = m.addChain([{ len: 1, data: [9] }, { len: 8, write: true }])
    const c1 = q.pop(shm, BASE)
    const c2 = q.pop(shm, BASE)
    expect(c1.ok && c1.value?.head).toBe(a.head)
    expect(c2.ok && c2.value?.head).toBe(b.head)
    expect(q.pop(shm, BASE)).toEqual({ ok: true, value: null })
    if (!c1.ok || !c1.value || !c2.ok || !c2.value) throw new Error('no chain')
    expect([...readChain(shm, c1.value)]).toEqual([1, 2, 3, 4, 5])
    expect(writeChain([7, 7, 7], c2.value, (o, v) => shm.w8(o, v))).toBe(3)
    expect([...shm.read(b.bufs[1]!.off, 4)]).toEqual([7, 7, 7, 0])
    expect(code(q.push(shm, a.head, 0))).toBe('ok')
    expect(code(q.push(shm, b.head, 3))).toBe('ok')
    expect(m.readUsed()).toEqual([{ id: a.head, len: 0 }, { id: b.head, len: 3 }])
    expect([q.nextAvail, q.nextUsed]).toEqual([2, 2])
  })
  it('indices wrap at 2^16 (§2.7.6)', () => {
    const { shm, m, q } = setup(4)
    // start just below the wrap, as after 65534 chains
    shm.w16(ringOff.availIdx(m.ring), 0xfffe)
    shm.w16(ringOff.usedIdx(m.ring), 0xfffe)
    m.lastUsed = q.nextAvail = q.nextUsed = 0xfffe
    for (let i = 0; i < 5; i++) {
      const c = m.addChain([{ len: 1 }])
      const p = q.pop(shm, BASE)
      if (!p.ok || !p.value) throw new Error(`pop ${i}: ${code(p)}`)
      expect(p.value.head).toBe(c.head)
      q.push(shm, c.head, 0)
      expect(m.readUsed()).toEqual([{ id: c.head, len: 0 }])
    }
    expect([q.nextAvail, q.nextUsed]).toEqual([3, 3])
  })
  const bad: [string, (m: MockSplitQueue, shm: Shm, r: RingAddr) => void, string][] = [
    ['head >= size', (m, shm, r) => (m.addChain([{ len: 1 }]), shm.w16(ringOff.availRing(r, 0), 8)), 'InvalidDescriptorIndex'],
    ['next >= size', (m) => m.pokeDesc(m.addChain([{ len: 1 }, { len: 1 }]).head, { next: 99 }), 'InvalidDescriptorIndex'],
    ['loop (TTL = size, §2.7.5.2)', (m) => { const c = m.addChain([{ len: 1 }, { len: 1 }]); m.pokeDesc(c.descs[1]!, { flags: VRING_DESC_F.NEXT, next: c.head }) }, 'DescriptorChainOverflow'],
    ['avail.idx - last_avail > size', (_m, shm, r) => shm.w16(ringOff.availIdx(r), 9), 'InvalidAvailRingIndex'],
    ['addr + len beyond shm (overflow-safe)', (m) => m.pokeDesc(m.addChain([{ len: 1 }]).head, { len: 0xffffffff }), 'AddressOutOfRange'],
    ['addr near 2^64', (m) => m.pokeDesc(m.addChain([{ len: 1 }]).head, { addr: { lo: 0xffffffff, hi: 0xffffffff } }), 'AddressOutOfRange'],
    ['zero-length buffer', (m) => m.pokeDesc(m.addChain([{ len: 1 }]).head, { len: 0 }), 'ZeroLengthBuffer'],
    ['readable after writable (§2.7.4.2)', (m) => m.addChain([{ len: 1, write: true }, { len: 1 }]), 'ReadableAfterWritable'],
    ['INDIRECT not negotiated (§2.7.5.3)', (m) => m.addChain([{ len: 4 }], { indirect: true }), 'InvalidIndirectDescriptor']
  ]
  for (const [what, poke, want] of bad)
    it(`${what}: ${want}, and the queue stays poisoned`, () => {
      const { shm, m, q } = setup(8)
      poke(m, shm, m.ring)
      const r = q.pop(shm, BASE)
      expect(code(r)).toBe(want)
      if (!r.ok) expect(r.error.values.queue).toBe(1)
      expect(q.poisoned?.code).toBe(want)
      expect(code(q.pop(shm, BASE))).toBe('QueuePoisoned')
      expect(code(q.push(shm, 0, 0))).toBe('QueuePoisoned')
    })
  it('indirect chains once negotiated', () => {
    const { shm, m, q } = setup(8)
    q.indirect = true
    m.addChain([{ len: 2, data: [5, 6] }, { len: 4, write: true }], { indirect: true })
    const r = q.pop(shm, BASE)
    expect(r.ok && r.value && [r.value.readLen, r.value.writeLen]).toEqual([2, 4])
  })
})

describe('notification suppression (§2.7.7, §2.7.10)', () => {
  it('needEvent is vring_need_event', () => {
    expect(needEvent(0, 1, 0)).toBe(true)
    expect(needEvent(1, 1, 0)).toBe(false)
    expect(needEvent(5, 10, 4)).toBe(true)
    expect(needEvent(0xffff, 1, 0xfffe)).toBe(true) // across the wrap
  })
  it('NO_INTERRUPT suppresses without EVENT_IDX; used_event decides with it', () => {
    const { shm, m, q } = setup(8)
    m.addChain([{ len: 1 }])
    const c = q.pop(shm, BASE)
    if (!c.ok || !c.value) throw new Error()
    q.push(shm, c.value.head, 0)
    shm.w16(ringOff.availFlags(m.ring), VRING_AVAIL_F_NO_INTERRUPT)
    expect(q.needsInterrupt(shm)).toBe(false)
    expect(q.needsInterrupt(shm)).toBe(false) // nothing new
    q.eventIdx = true
    shm.w16(ringOff.usedEvent(m.ring), 5) // driver wants an interrupt when used passes 5
    for (let i = 0; i < 4; i++) {
      m.addChain([{ len: 1 }])
      const x = q.pop(shm, BASE)
      if (!x.ok || !x.value) throw new Error()
      q.push(shm, x.value.head, 0)
      m.readUsed()
    }
    expect(q.nextUsed).toBe(5)
    expect(q.needsInterrupt(shm)).toBe(false) // used went 1 -> 5, event 5 not crossed (needs 6)
    m.addChain([{ len: 1 }])
    const y = q.pop(shm, BASE)
    if (!y.ok || !y.value) throw new Error()
    q.push(shm, y.value.head, 0)
    expect(q.needsInterrupt(shm)).toBe(true)
    q.enableNotify(shm)
    expect(shm.r16(ringOff.availEvent(m.ring))).toBe(6)
  })
})

describe('DriverQueue: the driver checks the used ring (Linux hardening)', () => {
  function drv() {
    const shm = new Shm(SIZE)
    const r = { descOff: 0x1000, availOff: 0x1100, usedOff: 0x1200, num: 8 }
    return { shm, r, d: new DriverQueue(shm, r, BASE, false) }
  }
  it('stale or unknown used id: InvalidUsedId; len above the writable bytes: InvalidUsedLen', () => {
    const { shm, r, d } = drv()
    const h = d.add([{ off: 0x4000, len: 16, write: true }])!
    setUsedElem(shm, r, 0, { id: (h + 1) % 8, len: 1 })
    setUsedIdx(shm, r, 1)
    expect(code(d.pop())).toBe('InvalidUsedId')
    setUsedElem(shm, r, 0, { id: h, len: 17 })
    expect(code(d.pop())).toBe('InvalidUsedLen')
    setUsedElem(shm, r, 0, { id: h, len: 16 })
    const u = d.pop()
    expect(u.ok && u.value).toEqual({ id: h, len: 16, bufs: [{ off: 0x4000, len: 16, write: true }] })
    // the same id again is stale now
    setUsedElem(shm, r, 1, { id: h, len: 0 })
    setUsedIdx(shm, r, 2)
    expect(code(d.pop())).toBe('InvalidUsedId')
  })
  it('lays chains readable-first with NEXT links and notifies per used.flags', () => {
    const { shm, r, d } = drv()
    const [a, b] = d.peek(2)
    const h = d.add([{ off: 0x4000, len: 4, write: false }, { off: 0x4010, len: 4, write: false }])
    expect(h).toBe(a)
    expect(shm.r16(ringOff.descFlags(r, a!))).toBe(VRING_DESC_F.NEXT)
    expect(shm.r16(ringOff.descNext(r, a!))).toBe(b)
    expect(shm.r16(ringOff.availIdx(r))).toBe(1)
    expect(d.shouldNotify()).toBe(true)
    expect(d.shouldNotify()).toBe(false)
  })
})
