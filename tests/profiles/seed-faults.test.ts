// Ring and device faults on the seed profile (docs/spec-profile.md §7): the lab rewrites the
// transmitq chain the seed driver has just laid (or arms the seed device), and the seed firmwares do
// what the real C does with it. Each kind's bytes on the device console, ring fields and error
// events are pinned; the runs are deterministic.
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { explain } from '../../src/lab/explain'
import type { FaultKind, TraceEvent } from '../../src/shared/contract'
import { MS, S, scenario } from '../helpers'

/** transmitq ring of the seed driver (docs/wire-protocol.md#vring-geometry): desc, avail +0x40, used +0x1000 */
const Q1 = 0x103000
/** the fault lands while the driver sends "[8010]: Hello World I'm q|emu_..." (byte 'e' = desc 1) */
const AT = 9.5 * S
const UNTIL = 11 * S
const CLEAN = "[8010]: Hello World I'm qemu_cortex_a53 sending data over Virtio-MMIO Serial Port\n[9650]: Hello Worl"

function run(kind: FaultKind, at = AT) {
  const s = new LabSession(scenario({ faults: [{ kind, at }] }), { trace: { keep: 2_000_000 } })
  s.run(UNTIL)
  const ev: TraceEvent[] = s.trace.slice(0, s.trace.n)
  const faults = ev.filter((e) => e.op === 'fault')
  const errors = ev.filter((e) => e.k === 'error')
  const out = s.consoleText('device').split('Config Status DRIVER_OK \r\n')[1] ?? null
  const drv = s.slots.driver.driver!.view as unknown as { vqs: { broken: string | null }[]; txDropped: number }
  return { s, ev, faults, errors, out, tx: drv.vqs[1]!, txDropped: drv.txDropped }
}

describe('seed profile: the reference run the faults are compared with', () => {
  it('prints the clean Hello line with no error', () => {
    const r = run('zero-len', 100 * S) // scheduled past the end: a clean run
    expect(r.out).toBe(CLEAN)
    expect(r.errors).toEqual([])
  })
})

describe('seed profile: ring faults on the chain the driver lays', () => {
  it('bad-head: the device reads desc[7] past its table (zero padding) -> "Invalid descriptor!", stalls on the slot, the ring fills and output stops (Q18, Q16)', () => {
    const r = run('bad-head')
    expect(r.faults.map((e) => [e.side, e.applied, e.detail])).toEqual([
      [undefined, true, 'armed: the next transmitq chain the driver lays gets bad-head'],
      ['driver', true, 'avail.ring[1] = 7 (was head 1)']
    ])
    expect(r.errors.map((e) => [e.side, e.code, e.message])).toEqual(
      Array(4).fill(['device', 'InvalidDescriptorIndex', 'avail.ring[1] = 7 is not below QueueNum 4 (no bounds check in the seed, Q18)'])
    )
    expect(r.out).toBe("[8010]: Hello World I'm q" + 'Invalid descriptor! \r\n'.repeat(4))
    expect(r.s.shm.r16(Q1 + 0x44 + 2)).toBe(7) // avail.ring[1] still names desc 7
    expect(r.s.shm.r16(Q1 + 0x1002)).toBe(25) // used.idx stuck at the corrupt slot
    expect(r.txDropped).toBeGreaterThan(60) // fire and forget: full ring, bytes dropped (Q16)
    expect(r.tx.broken).toBeNull()
  })

  it('next-out-of-range: the device ignores NEXT (Q20); the driver, freeing the chain 4 bytes later, finds next = 9 and stops transmitq', () => {
    const r = run('next-out-of-range')
    expect(r.faults[1]).toMatchObject({ side: 'driver', detail: 'desc[1].flags = NEXT, .next = 9' })
    expect(r.errors.map((e) => [e.side, e.code])).toEqual([['driver', 'InvalidDescriptorIndex']])
    expect(r.errors[0]!.message).toMatch(/^freeing chain 1: desc\[1\]\.next = 9 is not below QueueNum 4/)
    expect(r.errors[0]!.t).toBe(9_590 * MS)
    expect(r.out).toBe("[8010]: Hello World I'm qemu_") // 'e' (the corrupt chain) still printed
    expect(r.tx.broken).toMatch(/desc\[1\]\.next = 9/)
  })

  it('desc-loop: printed by the device; the driver would spin for ever in vq_ring_free_chain: DescriptorChainOverflow, transmitq stopped', () => {
    const r = run('desc-loop')
    expect(r.faults[1]).toMatchObject({ side: 'driver', detail: 'desc[1].flags = NEXT, .next = 1 (a loop)' })
    expect(r.errors.map((e) => [e.side, e.code])).toEqual([['driver', 'DescriptorChainOverflow']])
    expect(r.out).toBe("[8010]: Hello World I'm qemu_")
    expect(r.s.shm.r16(Q1 + 16 + 14)).toBe(1) // desc[1].next still loops on itself
  })

  it('avail-jump: the device never reads avail.idx (Q18) but the driver does: later chains land one slot off and the device serves stale slots (garbled, no error)', () => {
    const r = run('avail-jump')
    expect(r.faults[1]).toMatchObject({ side: 'driver', detail: 'avail.idx = 35 (9 ahead)' })
    expect(r.errors).toEqual([])
    expect(r.out).toBe("[8010]: Hello World I'm qemmu_crrtexaa53 eendigg daaa ovrr Vittio-MMIO eeria  Por\n\n[9600]: eelloWWor")
  })

  it('len-beyond-shm: the device reads one byte whatever desc.len says (Q19); the driver reclaim would copy 4 MiB back: reported, clipped', () => {
    const r = run('len-beyond-shm')
    expect(r.out).toBe(CLEAN)
    expect(r.errors.map((e) => [e.side, e.code, e.message])).toEqual([['driver', 'InvalidUsedLen', 'desc[1].len = 4194304 exceeds its 1-byte bounce buffer; copy clipped']])
  })

  it.each([
    ['zero-len', 'desc[1].len = 0'],
    ['tx-write-flag', 'desc[1].flags = WRITE (device-writable on transmitq)']
  ] as const)('%s: ignored by the seed device (Q19, Q20): the byte is printed, used.len = 1, no error', (kind, detail) => {
    const r = run(kind)
    expect(r.faults[1]).toMatchObject({ side: 'driver', detail, t: 9_510 * MS })
    const used = r.ev.find((e) => e.k === 'desc-used' && e.t > 9_510 * MS)
    expect(used).toMatchObject({ queue: 1, id: 1, len: 1 })
    expect(r.out).toBe(CLEAN)
    expect(r.errors).toEqual([])
  })
})

describe('seed profile: device faults', () => {
  it('stale-used-id: the device completes desc 1 as id 5; the driver reads it 4 bytes later (Q16): InvalidUsedId, transmitq stopped', () => {
    const r = run('stale-used-id')
    expect(r.faults.map((e) => [e.side, e.detail])).toEqual([
      [undefined, expect.stringMatching(/^armed: the device's next transmitq completion carries id 5/)],
      ['device', 'used.ring[1].id = 5 instead of 1']
    ])
    expect(r.ev.find((e) => e.k === 'desc-used' && e.t > AT)).toMatchObject({ id: 5 })
    expect(r.errors.map((e) => [e.side, e.code, e.message])).toEqual([
      ['driver', 'InvalidUsedId', 'used.ring[1].id = 5 is not below QueueNum 4; virtqueue marked broken (the real OpenAMP does not check)']
    ])
    expect(r.out).toBe("[8010]: Hello World I'm qemu_")
  })

  it('device-stall: 4 doorbells missed, one callback afterwards serves one descriptor (Q27, Q18); 21 bytes dropped (Q16), the device stays 3 behind', () => {
    const r = run('device-stall')
    expect(r.ev.filter((e) => e.op === 'stalled').map((e) => e.missed)).toEqual([1, 2, 3, 4])
    expect(r.faults.at(-1)).toMatchObject({ side: 'device', t: 10 * S, detail: expect.stringMatching(/^stall over: 4 doorbell\(s\) missed/) })
    expect(r.txDropped).toBe(21)
    expect(r.out).toBe("[8010]: Hello World I'm qemu_ta over Virtio-MMIO Serial Port\n[9650]: Hello W")
    expect(r.errors).toEqual([])
  })

  it.each([
    ['drop-doorbell', CLEAN.slice(0, -1)],
    ['merge-doorbells', CLEAN.slice(0, -1)],
    ['delay-irq', CLEAN]
  ] as const)('%s: fabric kinds act as in the spec profile; a lost or merged kick leaves the device one descriptor behind (Q18, Q27)', (kind, out) => {
    const r = run(kind)
    expect(r.faults[0]).toMatchObject({ applied: true })
    expect(r.out).toBe(out)
    expect(r.errors).toEqual([])
  })

  it('before transmitq is in service a seed kind says so instead of acting', () => {
    for (const kind of ['bad-head', 'stale-used-id'] as const) {
      const r = run(kind, 2 * S)
      expect(r.faults).toEqual([expect.objectContaining({ applied: false, detail: expect.stringMatching(/^not applicable now: /) })])
      expect(r.out).toBe(CLEAN)
    }
  })

  it('is deterministic: the same fault gives the same trace', () => {
    const a = run('avail-jump').ev
    const b = run('avail-jump').ev
    expect(b).toEqual(a)
  })
})

describe('seed profile: a device restarted during a stall', () => {
  it('the new device is not stalled and the old one is not resumed', () => {
    const s = new LabSession(scenario({ faults: [{ kind: 'device-stall', at: AT }], restarts: [{ side: 'device', at: AT + 100 * MS }] }), { trace: { keep: 2_000_000 } })
    s.run(UNTIL)
    const ev = s.trace.slice(0, s.trace.n)
    expect(ev.filter((e) => e.op === 'fault').map((e) => e.detail)).toEqual([expect.stringMatching(/^the device's IPM thread stalls/)])
    expect(ev.some((e) => e.op === 'stalled' && e.t > AT + 100 * MS)).toBe(false)
  })
})

describe('the explanation names the injected fault', () => {
  it('seed: the fault line, and the lag is put down to the fault, not to merged doorbells', () => {
    const r = run('bad-head')
    const lines = explain(r.s)
    expect(lines).toContain('Fault injected: bad-head at 9.500 s: armed: the next transmitq chain the driver lays gets bad-head (docs/spec-profile.md §7).')
    expect(lines.find((l) => l.startsWith('The device is 4 transmitq descriptors behind the driver'))).toMatch(/since the injected fault: .* \(Q18\)\. The ring is full/)
    expect(lines.join('\n')).not.toMatch(/merged doorbells/)
  })
  it('spec: the fault line too', () => {
    const s = new LabSession(scenario({ profile: 'spec', shmSize: 64 * 1024, faults: [{ kind: 'zero-len', at: 2 * S }] }), { trace: { keep: 200_000 } })
    s.run(3 * S)
    expect(explain(s).filter((l) => l.startsWith('Fault injected: '))).toEqual([expect.stringMatching(/^Fault injected: zero-len at 2\.000 s: zero-len on transmitq \(desc \d+\), expect ZeroLengthBuffer \(docs\/spec-profile\.md §7\)\.$/)])
  })
})
