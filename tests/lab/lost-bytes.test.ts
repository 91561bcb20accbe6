// The "Hel World" lost bytes (docs/ivshmem.md#lost-bytes): the seed's device serves one transmitq
// descriptor per callback, so kicks merged into one callback leave it behind for good. The
// explanation reads the backlog (avail.idx − used.idx) from the device's own view of the ring.
import { describe, expect, it } from 'vitest'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import { LabSession } from '../../src/lab/session'
import { explain, explainInput } from '../../src/lab/explain'
import type { DeviceSide } from '../../src/profiles/seed/device_side'

function settled() {
  const s = new LabSession({ ...DEFAULT_SCENARIO, speed: 'max' })
  s.start()
  s.run(12_000_000_000)
  expect(s.helloLines).toBeGreaterThan(0)
  const o = (s.slots.device.device as DeviceSide).view.vrings[1]!.off!
  return { s, o }
}
const LAG = /The device is (\d+) transmitq descriptors? behind the driver: merged doorbells/

describe('seed: the device falling behind on merged kicks', () => {
  it('a healthy run says nothing about lag', () => {
    const { s } = settled()
    expect(explain(s).some((l) => LAG.test(l))).toBe(false)
  })

  it('two kicks the device never served: explained with the quirk and the docs', () => {
    const { s, o } = settled()
    // as after two ack/kick merges: the driver's avail.idx ran two ahead of the device's used.idx
    s.shm.w16(o.avail + 2, (s.shm.r16(o.used + 2) + 2) & 0xffff)
    const l = explain(s).find((x) => LAG.test(x))!
    expect(l).toMatch(/^The device is 2 transmitq descriptors behind the driver/)
    expect(l).toContain('docs/wire-protocol.md#ack-notify-merge, Q18, Q27')
    expect(l).not.toContain('stopped for good')
  })

  it('a full ring: output has stopped for good; hostile values (beyond the ring) are ignored', () => {
    const { s, o } = settled()
    s.shm.w16(o.avail + 2, (s.shm.r16(o.used + 2) + 4) & 0xffff)
    expect(explain(s).find((x) => LAG.test(x))).toContain('output has stopped for good')
    s.shm.w16(o.avail + 2, (s.shm.r16(o.used + 2) + 0x7777) & 0xffff)
    expect(explain(s).some((l) => LAG.test(l))).toBe(false)
    // an explanation without shm (another caller of the profile) has no lag line either
    expect(s.profile.explain({ ...explainInput(s), shm: undefined }).some((l) => LAG.test(l.text))).toBe(false)
  })
})
