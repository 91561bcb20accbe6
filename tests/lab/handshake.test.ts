// The handshake register by register, in the order of docs/wire-protocol.md#driver-boot, and the vring bytes at
// the offsets of docs/wire-protocol.md#vring-layout — what a real Zephyr guest on the other side would see.
import { describe, expect, it } from 'vitest'
import { MS, S, runLab } from '../helpers'
import { HVL_CFG_ACK } from '../../src/profiles/seed/openamp'

const h = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0')

describe('handshake, device-first', () => {
  const { s, ev } = runLab({ order: 'device-first' }, 10 * S)
  const regStores = ev.filter((e) => e.k === 'store' && (e.off as number) < 0x200)

  it('the device publishes its registers at boot in the source order (docs/wire-protocol.md#device-boot)', () => {
    const dev = regStores.filter((e) => e.side === 'device').slice(0, 9)
    expect(dev.map((e) => [e.name, e.new])).toEqual([
      ['MagicValue', h(0x74726976)],
      ['Version', h(1)],
      ['DeviceID', h(3)],
      ['QueuePFN', h(0)],
      ['InterruptACK', h(0)],
      ['SHMBaseHigh', h(0)],
      ['SHMBaseLow', h(0xafa00000)],
      ['SHMLenHigh', h(0)],
      ['SHMLenLow', h(0x200)]
    ])
  })

  it('the driver stores every register in the order of docs/wire-protocol.md#driver-boot, with a doorbell where the table has one', () => {
    // driver register stores and its doorbells, interleaved, up to the second kick
    const seq = ev
      .filter((e) => e.side === 'driver' && ((e.k === 'store' && (e.off as number) < 0x200) || e.k === 'doorbell'))
      .map((e) => (e.k === 'doorbell' ? `IPI->${e.to}` : `${e.name}=${parseInt(e.new as string, 16).toString(16)}`))
    expect(seq.slice(0, 25)).toEqual([
      'Status=1', 'IPI->0', 'GuestPageSize=1000',
      'Status=2', 'IPI->0',
      'DriverFeaturesSel=0', 'DriverFeatures=0', 'IPI->0',
      'DeviceFeaturesSel=0',
      'QueueSel=0', 'DriverFeaturesSel=0', 'QueueNum=4', 'QueueAlign=1000', 'QueuePFN=afb01', 'IPI->0',
      'QueueSel=1', 'DriverFeaturesSel=1', 'QueueNum=4', 'QueueAlign=1000', 'QueuePFN=afb03', 'IPI->0',
      'Status=4', 'IPI->0',
      'QueueNotify=1', 'IPI->0'
    ])
    expect(seq[25]).toBe('QueueNotify=1') // kick-all kicks the last queue twice (Q17)
  })

  it('the device acks each QueuePFN with 0xAABBAABB after the latency, the driver waits 4 s per queue (Q3, Q34)', () => {
    const pfn = regStores.filter((e) => e.name === 'QueuePFN')
    const drvPfn = pfn.filter((e) => e.side === 'driver')
    const acks = pfn.filter((e) => e.side === 'device' && e.new === h(HVL_CFG_ACK))
    expect(drvPfn.map((e) => e.new)).toEqual([h(0xafb01), h(0xafb03)])
    expect(acks).toHaveLength(2)
    expect(acks[0]!.t - drvPfn[0]!.t).toBe(s.cfg.latency)
    expect(drvPfn[1]!.t - drvPfn[0]!.t).toBe(4 * S)
    const ok = regStores.find((e) => e.side === 'driver' && e.name === 'Status' && e.new === h(4))!
    expect(ok.t - drvPfn[0]!.t).toBe(8 * S)
  })

  it('desc.next free chain is 1, 2, 3, 0x8000 on both rings before their PFN (docs/wire-protocol.md#vring-layout)', () => {
    for (const b of [0x101000, 0x103000]) {
      const nexts = ev.filter((e) => e.k === 'store' && e.side === 'driver' && [14, 30, 46, 62].map((x) => b + x).includes(e.off as number))
      expect(nexts.slice(0, 4).map((e) => e.new)).toEqual(['0x0001', '0x0002', '0x0003', '0x8000'])
    }
  })
})

describe('vring bytes at the offsets of docs/wire-protocol.md#vring-layout (transmitq at 0x103000)', () => {
  // driver boots at 1 s; bytes at uptime 8012.1, 8030, 8050, ... 8110 ms: stop 5 ms after the
  // 6th, when reclaim has begun (4 in flight, Q16)
  const { s, ev } = runLab({ order: 'device-first' }, 1 * S + 8110 * MS + 5 * MS)
  const shm = s.shm
  const B = 0x103000

  it('six bytes sent, descriptors reused 0,1,2,3,0,1 with avail.ring[i] = i', () => {
    const adds = ev.filter((e) => e.k === 'desc-add')
    expect(adds.map((e) => e.head)).toEqual([0, 1, 2, 3, 0, 1])
    expect(adds.map((e) => String.fromCharCode(e.byte as number)).join('')).toBe('[8010]')
    expect(shm.r16(B + 0x42)).toBe(6) // avail.idx
    expect([0, 1, 2, 3].map((i) => shm.r16(B + 0x44 + 2 * i))).toEqual([0, 1, 2, 3])
    expect(shm.r16(B + 0x40)).toBe(0) // avail.flags
  })

  it('each descriptor: addr a bounce VA inside hvl_shmem, len 1, flags 0 (docs/wire-protocol.md#bounce-buffers, Q14)', () => {
    for (let i = 0; i < 4; i++) {
      const lo = shm.r32(B + 16 * i)
      const hi = shm.r32(B + 16 * i + 4)
      expect(hi).toBe(0)
      expect(lo).toBeGreaterThanOrEqual(0xafa00000 + 0x080800)
      expect(lo).toBeLessThan(0xafa00000 + 0x100800)
      expect(shm.r32(B + 16 * i + 8)).toBe(1)
      expect(shm.r16(B + 16 * i + 12)).toBe(0)
    }
    // "[8010]": bytes 5 and 6 reused desc 0 and 1; desc 2 and 3 still hold bytes 3 and 4
    const bytes = [0, 1, 2, 3].map((i) => shm.r8(shm.r32(B + 16 * i) - 0xafa00000))
    expect(String.fromCharCode(...bytes)).toBe('0]01')
  })

  it('used ring: idx 6, elements id = slot, len 1 (Q19), written by the device', () => {
    expect(shm.r16(B + 0x1002)).toBe(6)
    for (let i = 0; i < 4; i++) {
      expect(shm.r32(B + 0x1004 + 8 * i)).toBe(i)
      expect(shm.r32(B + 0x1008 + 8 * i)).toBe(1)
    }
    expect(shm.r16(B + 0x1000)).toBe(0) // used.flags (Q32)
    const usedStores = ev.filter((e) => e.k === 'store' && (e.off as number) >= B + 0x1000 && (e.off as number) < B + 0x1026)
    expect(new Set(usedStores.filter((e) => e.name !== 'q1.used.flags').map((e) => e.side))).toEqual(new Set(['device']))
  })

  it('reclaimed descriptors point to the chain end (desc[k].next = 0x8000 after reuse, docs/wire-protocol.md#driver-tx)', () => {
    expect(shm.r16(B + 16 * 0 + 14)).toBe(0x8000)
    expect(shm.r16(B + 16 * 1 + 14)).toBe(0x8000)
  })

  it('3 doorbells per byte, all vector 0 (docs/wire-protocol.md#per-byte, Q33)', () => {
    const from = ev.find((e) => e.k === 'desc-add')!.t
    const bells = ev.filter((e) => e.k === 'doorbell' && e.t >= from)
    expect(bells).toHaveLength(6 * 3)
    expect(bells.every((e) => e.vector === 0 && e.outcome === 'sent')).toBe(true)
    expect(s.shm.r32(0x60)).toBe(1) // InterruptStatus never cleared (Q21)
  })
})
