import { describe, expect, it } from 'vitest'
import { REG } from '../../src/virtio/mmio'
import {
  REG_DEFS,
  buildRegCells,
  decodeFeatures,
  featureName,
  regCtxFrom,
  regDef,
  regName,
  type RegCtx
} from '../../src/virtio/regs'
import type { RegField } from '../../src/shared/contract'
import { Shm } from '../../src/sim/shm'

const ctx: RegCtx = { queueAlign: 4096, guestPageSize: 4096, shmSize: 0x400000, driverBase: 0xafa00000 }
const field = (fs: RegField[], name: string) => fs.find((f) => f.name === name)?.value

// virtio 1.2 §4.2.2 (modern) + §4.2.4 (legacy): every 32-bit cell below the config space
const SPEC: [number, string, string, 'RO' | 'WO' | 'RW', (1 | 2)[]][] = [
  [0x000, 'MagicValue', 'VIRTIO_MMIO_MAGIC_VALUE', 'RO', [1, 2]],
  [0x004, 'Version', 'VIRTIO_MMIO_VERSION', 'RO', [1, 2]],
  [0x008, 'DeviceID', 'VIRTIO_MMIO_DEVICE_ID', 'RO', [1, 2]],
  [0x00c, 'VendorID', 'VIRTIO_MMIO_VENDOR_ID', 'RO', [1, 2]],
  [0x010, 'DeviceFeatures', 'VIRTIO_MMIO_DEVICE_FEATURES', 'RO', [1, 2]],
  [0x014, 'DeviceFeaturesSel', 'VIRTIO_MMIO_DEVICE_FEATURES_SEL', 'WO', [1, 2]],
  [0x020, 'DriverFeatures', 'VIRTIO_MMIO_DRIVER_FEATURES', 'WO', [1, 2]],
  [0x024, 'DriverFeaturesSel', 'VIRTIO_MMIO_DRIVER_FEATURES_SEL', 'WO', [1, 2]],
  [0x028, 'GuestPageSize', 'VIRTIO_MMIO_GUEST_PAGE_SIZE', 'WO', [1]],
  [0x030, 'QueueSel', 'VIRTIO_MMIO_QUEUE_SEL', 'WO', [1, 2]],
  [0x034, 'QueueNumMax', 'VIRTIO_MMIO_QUEUE_NUM_MAX', 'RO', [1, 2]],
  [0x038, 'QueueNum', 'VIRTIO_MMIO_QUEUE_NUM', 'WO', [1, 2]],
  [0x03c, 'QueueAlign', 'VIRTIO_MMIO_QUEUE_ALIGN', 'WO', [1]],
  [0x040, 'QueuePFN', 'VIRTIO_MMIO_QUEUE_PFN', 'RW', [1]],
  [0x044, 'QueueReady', 'VIRTIO_MMIO_QUEUE_READY', 'RW', [2]],
  [0x050, 'QueueNotify', 'VIRTIO_MMIO_QUEUE_NOTIFY', 'WO', [1, 2]],
  [0x060, 'InterruptStatus', 'VIRTIO_MMIO_INTERRUPT_STATUS', 'RO', [1, 2]],
  [0x064, 'InterruptACK', 'VIRTIO_MMIO_INTERRUPT_ACK', 'WO', [1, 2]],
  [0x070, 'Status', 'VIRTIO_MMIO_STATUS', 'RW', [1, 2]],
  [0x080, 'QueueDescLow', 'VIRTIO_MMIO_QUEUE_DESC_LOW', 'WO', [2]],
  [0x084, 'QueueDescHigh', 'VIRTIO_MMIO_QUEUE_DESC_HIGH', 'WO', [2]],
  [0x090, 'QueueDriverLow', 'VIRTIO_MMIO_QUEUE_AVAIL_LOW', 'WO', [2]],
  [0x094, 'QueueDriverHigh', 'VIRTIO_MMIO_QUEUE_AVAIL_HIGH', 'WO', [2]],
  [0x0a0, 'QueueDeviceLow', 'VIRTIO_MMIO_QUEUE_USED_LOW', 'WO', [2]],
  [0x0a4, 'QueueDeviceHigh', 'VIRTIO_MMIO_QUEUE_USED_HIGH', 'WO', [2]],
  [0x0ac, 'SHMSel', 'VIRTIO_MMIO_SHM_SEL', 'WO', [2]],
  [0x0b0, 'SHMLenLow', 'VIRTIO_MMIO_SHM_LEN_LOW', 'RO', [2]],
  [0x0b4, 'SHMLenHigh', 'VIRTIO_MMIO_SHM_LEN_HIGH', 'RO', [2]],
  [0x0b8, 'SHMBaseLow', 'VIRTIO_MMIO_SHM_BASE_LOW', 'RO', [2]],
  [0x0bc, 'SHMBaseHigh', 'VIRTIO_MMIO_SHM_BASE_HIGH', 'RO', [2]],
  [0x0c0, 'QueueReset', 'VIRTIO_MMIO_QUEUE_RESET', 'RW', [2]],
  [0x0fc, 'ConfigGeneration', 'VIRTIO_MMIO_CONFIG_GENERATION', 'RO', [2]]
]

describe('register table', () => {
  it('covers exactly the cells 0x000-0x0FC that virtio-mmio defines, with names and access', () => {
    const below = REG_DEFS.filter((r) => r.off < 0x100)
    expect(below.map((r) => r.off)).toEqual(SPEC.map((s) => s[0]))
    for (const [off, name, legacy, access, versions] of SPEC) {
      const def = regDef(off)!
      expect(def, hex(off)).toBeDefined()
      expect([def.name, def.legacy, def.access, [...def.versions]]).toEqual([name, legacy, access, versions])
    }
  })

  it('matches every offset in mmio.ts REG', () => {
    for (const [name, off] of Object.entries(REG)) {
      if (name === 'Config') continue
      expect(regDef(off)?.name).toBe(name)
    }
  })

  it('says what legacy-only and modern-only offsets mean in the other interface', () => {
    expect(regDef(0x040)!.modern).toMatch(/legacy only/)
    expect(regDef(0x028)!.modern).toMatch(/legacy only/)
    expect(regDef(0x03c)!.modern).toMatch(/legacy only/)
    expect(regDef(0x044)!.modern).toMatch(/Version 2 only/)
    expect(regDef(0x080)!.modern).toMatch(/Version 2 only/)
    expect(regDef(0x070)!.modern).toBe('')
  })

  it('has console config cells (virtio 1.2 §5.3.4)', () => {
    expect(regDef(0x100)!.decode(0x0019_0050, ctx)).toEqual(
      expect.arrayContaining([
        { name: 'cols', value: '80' },
        { name: 'rows', value: '25' }
      ])
    )
    expect(field(regDef(0x104)!.decode(7, ctx), 'max_nr_ports')).toBe('7')
    expect(field(regDef(0x108)!.decode(0x41, ctx), 'char')).toBe("'A'")
  })
})

describe('decoders', () => {
  it('Status 0x0F = ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK', () => {
    const f = regDef(REG.Status)!.decode(0x0f, ctx)
    expect(field(f, 'set')).toBe('ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK')
    expect(field(f, 'ACKNOWLEDGE')).toBe('1')
    expect(field(f, 'DRIVER')).toBe('1')
    expect(field(f, 'DRIVER_OK')).toBe('1')
    expect(field(f, 'FEATURES_OK')).toBe('1')
    expect(field(f, 'NEEDS_RESET')).toBe('0')
    expect(field(f, 'FAILED')).toBe('0')
    expect(field(f, 'note')).toBeUndefined()
  })

  it('Status 0x04 alone is the seed non-cumulative write (Q9); 0 is reset; reserved bits shown', () => {
    expect(field(regDef(REG.Status)!.decode(0x04, ctx), 'note')).toMatch(/Q9/)
    expect(field(regDef(REG.Status)!.decode(0, ctx), 'state')).toBe('reset (0)')
    expect(field(regDef(REG.Status)!.decode(0x30, ctx), 'reserved')).toBe('0x30')
  })

  it('QueuePFN 0xAFB01 × QueueAlign 4096 = 0xafb01000 = shm 0x101000 (Q5)', () => {
    const f = regDef(REG.QueuePFN)!.decode(0xafb01, ctx)
    expect(field(f, 'ring (PFN × QueueAlign)')).toBe('0xafb01000')
    expect(field(f, 'shm off')).toBe('0x101000')
    // with a GuestPageSize different from QueueAlign the spec address differs (Q5)
    const g = regDef(REG.QueuePFN)!.decode(0xafb01, { ...ctx, queueAlign: 4096, guestPageSize: 0x10000 })
    expect(field(g, 'spec ring (PFN × GuestPageSize)')).toBe('0xafb010000')
  })

  it('QueuePFN: the shared decoder knows no ack value (the seed reads 0xAABBAABB as one: tests/profiles/seed-regs); 0 is unconfigured; far PFN is outside shm', () => {
    const f = regDef(REG.QueuePFN)!.decode(0xaabbaabb, ctx)
    expect(field(f, 'pfn')).toBe('0xaabbaabb')
    expect(field(f, 'shm off')).toBe('outside shm')
    expect(field(regDef(REG.QueuePFN)!.decode(0, ctx), 'ring')).toMatch(/^none/)
    expect(field(regDef(REG.QueuePFN)!.decode(0x1, ctx), 'shm off')).toBe('outside shm')
  })

  it('MagicValue reads as "virt"; bad magic says what is expected', () => {
    expect(regDef(0)!.decode(0x74726976, ctx)).toEqual([
      { name: 'ascii', value: '"virt"' },
      { name: 'valid', value: 'yes' }
    ])
    expect(field(regDef(0)!.decode(0, ctx), 'valid')).toBe('no (expected 0x74726976)')
  })

  it('Version, DeviceID, VendorID', () => {
    expect(field(regDef(4)!.decode(1, ctx), 'interface')).toBe('1 legacy (Version 1)')
    expect(field(regDef(4)!.decode(2, ctx), 'interface')).toBe('2 modern (Version 2)')
    expect(field(regDef(8)!.decode(3, ctx), 'device')).toBe('console (3)')
    expect(field(regDef(0xc)!.decode(0x554d4551, ctx), 'ascii')).toBe('"QEMU"')
  })

  it('feature bits by name on the selected page', () => {
    expect(featureName(0)).toBe('SIZE')
    expect(featureName(1)).toBe('MULTIPORT')
    expect(featureName(2)).toBe('EMERG_WRITE')
    expect(featureName(28)).toBe('RING_INDIRECT_DESC')
    expect(featureName(29)).toBe('RING_EVENT_IDX')
    expect(featureName(32)).toBe('VERSION_1')
    expect(featureName(35)).toBe('IN_ORDER')
    expect(featureName(0, 1)).toBe('bit0') // not a console
    const p0 = decodeFeatures(0x3000_0005, 0)
    expect(p0.filter((f) => f.value === '1').map((f) => f.name)).toEqual(['SIZE', 'EMERG_WRITE', 'RING_INDIRECT_DESC', 'RING_EVENT_IDX'])
    const p1 = decodeFeatures(0b1111, 1)
    expect(p1[0]).toEqual({ name: 'page', value: 'Sel 1: bits 32-63' })
    expect(p1.slice(1).map((f) => f.name)).toEqual(['VERSION_1', 'ACCESS_PLATFORM', 'RING_PACKED', 'IN_ORDER'])
  })

  it('DeviceFeatures decodes against DeviceFeaturesSel read from the block', () => {
    const regs = new Map<number, number>([[REG.DeviceFeaturesSel, 1]])
    const f = regDef(REG.DeviceFeatures)!.decode(1, { ...ctx, read32: (o) => regs.get(o) ?? 0 })
    expect(f.map((x) => x.name)).toEqual(['page', 'VERSION_1'])
  })

  it('interrupt bits VRING / CONFIG', () => {
    const f = regDef(REG.InterruptStatus)!.decode(3, ctx)
    expect(field(f, 'set')).toBe('VRING|CONFIG')
    expect(field(regDef(REG.InterruptACK)!.decode(1, ctx), 'set')).toBe('VRING')
  })

  it('SHM base/len pair their Low/High halves', () => {
    const regs = new Map<number, number>([
      [REG.SHMBaseLow, 0xafa00000],
      [REG.SHMBaseHigh, 0],
      [REG.SHMLenLow, 0x200],
      [REG.SHMLenHigh, 0]
    ])
    const c = { ...ctx, read32: (o: number) => regs.get(o) ?? 0 }
    expect(field(regDef(REG.SHMBaseLow)!.decode(0xafa00000, c), 'base')).toBe('0xafa00000')
    expect(field(regDef(REG.SHMBaseHigh)!.decode(0, c), 'base')).toBe('0xafa00000')
    expect(field(regDef(REG.SHMLenLow)!.decode(0x200, c), 'length')).toBe('0x200')
  })

  it("QueueNumMax 0 = unavailable (Q7); DriverFeaturesSel is a feature word page (its seed reading is the profile's)", () => {
    expect(field(regDef(REG.QueueNumMax)!.decode(0, ctx), 'max size')).toMatch(/Q7/)
    expect(field(regDef(REG.DriverFeaturesSel)!.decode(1, ctx), 'as queue index (Q4)')).toBeUndefined()
  })

  it('no shared decoder speaks of the seed: its readings come from Profile.regFields', () => {
    const c = { ...ctx, read32: () => 1 }
    for (const r of REG_DEFS)
      for (const v of [0, 1, 0xaabbaabb, 0x1000])
        for (const f of r.decode(v, c)) expect(`${f.name} ${f.value}`, r.name).not.toMatch(/\bseed\b|HVL|Q3\b|Q4\b|Q10\b/)
  })

  it('buildRegCells hands each decoded value to the profile reading, and shows what it returns', () => {
    const seen: number[] = []
    const cells = buildRegCells(() => 7, ctx, () => ({ lastWriter: null, lastWriteT: null, lastWriteEvent: null }), () => [], (off, v, _c, shared) => {
      seen.push(off)
      return off === REG.QueuePFN ? [{ name: 'profile', value: String(v) }] : shared
    })
    expect(seen).toEqual(REG_DEFS.map((r) => r.off))
    expect(cells.find((c) => c.off === REG.QueuePFN)!.fields).toEqual([{ name: 'profile', value: '7' }])
  })

  it('no decoder throws on any 32-bit value', () => {
    const vals = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xaabbaabb, 0xdeadbeef]
    const c = { ...ctx, read32: () => 0xffffffff }
    for (const r of REG_DEFS) for (const v of vals) expect(() => r.decode(v, c)).not.toThrow()
  })
})

describe('regName', () => {
  it('names cells, interior bytes, config and reserved offsets', () => {
    expect(regName(0x040)).toBe('QueuePFN')
    expect(regName(0x042)).toBe('QueuePFN+0x2')
    expect(regName(0x024)).toBe('DriverFeaturesSel')
    expect(regName(0x104)).toBe('Config+0x4')
    expect(regName(0x100)).toBe('Config+0x0')
    expect(regName(0x1ff)).toBe('Config+0xff')
    expect(regName(0x0c8)).toBe('reserved+0x0C8')
    expect(regName(0x018)).toBe('reserved+0x018')
    expect(regName(0x200)).toBe('shm+0x200')
  })
})

describe('buildRegCells', () => {
  it('reads the seed block from shm and carries metadata', () => {
    const shm = new Shm(0x400000)
    shm.w32(REG.MagicValue, 0x74726976)
    shm.w32(REG.Version, 1)
    shm.w32(REG.DeviceID, 3)
    shm.w32(REG.QueueAlign, 4096)
    shm.w32(REG.GuestPageSize, 4096)
    shm.w32(REG.QueuePFN, 0xafb03)
    shm.w32(REG.Status, 0x04)
    const rd = (o: number) => shm.r32(o)
    const c = regCtxFrom(rd, shm.size, 0xafa00000)
    const cells = buildRegCells(rd, c, (off) =>
      off === REG.QueuePFN ? { lastWriter: 'driver', lastWriteT: 42, lastWriteEvent: 7 } : { lastWriter: null, lastWriteT: null, lastWriteEvent: null }
    )
    expect(cells).toHaveLength(REG_DEFS.length)
    const pfn = cells.find((x) => x.off === REG.QueuePFN)!
    expect(pfn).toMatchObject({ name: 'QueuePFN', legacy: 'VIRTIO_MMIO_QUEUE_PFN', access: 'RW', value: 0xafb03, lastWriter: 'driver', lastWriteT: 42, lastWriteEvent: 7 })
    expect(field(pfn.fields, 'shm off')).toBe('0x103000')
    expect(cells.find((x) => x.off === 0)!.fields[0]).toEqual({ name: 'ascii', value: '"virt"' })
    // JSON-clean (crosses IPC)
    expect(JSON.parse(JSON.stringify(cells))).toEqual(cells)
  })

  it('never throws when reads or metadata fail', () => {
    const cells = buildRegCells(
      (o) => {
        if (o >= 0x100) throw new RangeError('outside')
        return 0xffffffff
      },
      ctx,
      () => {
        throw new Error('x')
      }
    )
    const cfg = cells.find((x) => x.off === 0x104)!
    expect(cfg.value).toBe(0)
    expect(field(cfg.fields, 'error')).toMatch(/unreadable/)
  })
})

function hex(v: number) {
  return '0x' + v.toString(16)
}
