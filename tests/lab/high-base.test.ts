// 64-bit guest addresses (virtio-mmio-backend.c: `uintptr_t addr = PFN; addr *= align`, and the
// device dereferences the 64-bit desc.addr): with both images mapping the shm above 4 GiB the real
// pair still works, so the lab's must too, printing the full %p.
import { describe, expect, it } from 'vitest'
import { S, lines, runLab } from '../helpers'
import { vringVAs } from '../../src/profiles/seed/device_side'

const BASE = 0x1_0000_0000

describe('seed profile with the shm mapped above 4 GiB', () => {
  const { s, ev } = runLab({ order: 'device-first', driverBase: BASE, deviceBase: BASE }, 12 * S)
  const dev = lines(s.consoleText('device'))

  it('the device prints 64-bit ring addresses as Zephyr %p does', () => {
    expect(dev).toContain('VIRTIO_MMIO Device Base address: 0x100000000')
    expect(dev).toContain('vring descriptor: 0x100101000:')
    expect(dev).toContain('vring avail: 0x100101040:')
    expect(dev).toContain('vring used: 0x100102000:')
    expect(dev).toContain('vring descriptor: 0x100103000:')
  })

  it('the driver publishes PFNs above 2^20 and 64-bit desc.addr; the device forwards the bytes', () => {
    const pfns = ev.filter((e) => e.k === 'store' && e.side === 'driver' && e.off === 0x40).map((e) => e.new)
    expect(pfns).toEqual(['0x00100101', '0x00100103'])
    const add = ev.find((e) => e.k === 'desc-add')!
    expect(Math.floor((add.addr as number) / 2 ** 32)).toBe(1)
    expect(s.shm.r32(0x103000 + 4)).toBe(1) // desc[0].addr high word in the transmitq
    expect(dev.some((l) => /^\[8010\]: Hello World I'm qemu_cortex_a53/.test(l))).toBe(true)
    expect(ev.filter((e) => e.k === 'error')).toEqual([])
  })

  it('ring arithmetic is 64-bit with the ints sign-extended, as in C', () => {
    expect(vringVAs(0x100101, 4096, 4)).toEqual({ desc: 0x100101000n, avail: 0x100101040n, used: 0x100102000n })
    // QueueAlign read into an int: 0xFFFFF000 is -4096, so PFN * align wraps modulo 2^64
    expect(vringVAs(1, 0xfffff000, 4).desc).toBe(0xfffffffffffff000n)
    expect(vringVAs(0xafb01, 0, 4)).toEqual({ desc: 0n, avail: 64n, used: 0n })
  })
})
