// The seed's own register readings and layout bound, behind the Profile interface (Profile.regFields,
// Profile.minShm): the shared decoders and src/lab know nothing of them (docs/quirks.md Q3, Q4, Q5, Q10).
import { describe, expect, it } from 'vitest'
import { REG } from '../../src/virtio/mmio'
import { regDef, type RegCtx } from '../../src/virtio/regs'
import { HVL_CFG_ACK } from '../../src/profiles/seed/openamp'
import { SEED_PROFILE } from '../../src/profiles/seed/index'
import { PROFILES } from '../../src/profiles/index'
import { resolveScenario } from '../../src/lab/config'
import { LabSession } from '../../src/lab/session'
import { buildSnapshot, liveInput } from '../../src/lab/snapshot'
import { S, scenario } from '../helpers'

const ctx: RegCtx = { queueAlign: 4096, guestPageSize: 4096, shmSize: 0x400000, driverBase: 0xafa00000 }
const read = (off: number, v: number) => SEED_PROFILE.regFields!(off, v, ctx, regDef(off)!.decode(v, ctx))
const field = (fs: { name: string; value: string }[], name: string) => fs.find((f) => f.name === name)?.value

describe('seed register readings (Profile.regFields)', () => {
  it('QueuePFN 0xAABBAABB is the HVL ack (Q3); any other PFN keeps the shared decoding', () => {
    expect(read(REG.QueuePFN, HVL_CFG_ACK)).toEqual([{ name: 'HVL ack', value: 'HVL_CFG_ACK: device consumed the queue config (Q3)' }])
    expect(read(REG.QueuePFN, 0xafb01)).toEqual(regDef(REG.QueuePFN)!.decode(0xafb01, ctx))
  })
  it('DriverFeaturesSel doubles as the queue index (Q4); GuestPageSize is ignored (Q5); SHM registers switch HVL mode (Q10)', () => {
    expect(field(read(REG.DriverFeaturesSel, 1), 'as queue index (Q4)')).toBe('transmitq (1)')
    expect(field(read(REG.GuestPageSize, 4096), 'seed')).toMatch(/Q5/)
    for (const r of [REG.SHMLenLow, REG.SHMLenHigh, REG.SHMBaseLow, REG.SHMBaseHigh]) expect(field(read(r, 1), 'seed')).toMatch(/Q10/)
    expect(read(REG.Status, 0x0f)).toEqual(regDef(REG.Status)!.decode(0x0f, ctx))
  })
  it('a seed run shows the ack in the snapshot; the spec profile has no such reading', () => {
    const s = new LabSession(scenario(), { trace: { keep: 100_000 } })
    s.run(10 * S)
    const pfn = buildSnapshot(s, liveInput(s), 1, { running: false, paused: false, finished: false }).regs.find((r) => r.off === REG.QueuePFN)!
    expect(pfn.value).toBe(HVL_CFG_ACK)
    expect(pfn.fields[0]!.name).toBe('HVL ack')
    expect(PROFILES.spec!.regFields).toBeUndefined()
  })
})

describe('seed shm bound (Profile.minShm)', () => {
  it('configure refuses less than the seed layout needs, with the reason; the spec profile has its own rule', () => {
    expect(SEED_PROFILE.minShm).toEqual({ bytes: 0x200000, why: 'its vring heap ends at 0x180800' })
    expect(resolveScenario({ shmSize: 0x100000 })).toEqual({
      ok: false,
      errors: [{ field: 'shmSize', message: 'shmSize must be at least 2M for the seed profile (its vring heap ends at 0x180800) (got 1M)' }]
    })
    expect(resolveScenario({ shmSize: 0x200000 }).ok).toBe(true)
    expect(PROFILES.spec!.minShm).toBeUndefined()
  })
})
