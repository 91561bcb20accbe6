// Both ShmAccess implementations over a real mapping pass the same table (docs/ivshmem.md#pitfalls):
// zero copy (external ArrayBuffer, Node) and native accessors (Electron's memory cage).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addon } from '../../../src/ivshmem/native'
import { mapShm, type MappedShm, type ShmAccessKind } from '../../../src/ivshmem/real/shm-access'
import { Shm, ShmBoundsError, type ShmAccess } from '../../../src/sim/shm'
import { skipReason } from './helpers'

const SIZE = 65536

/** the table: each row does something and checks it, on any ShmAccess */
const table: [string, (s: ShmAccess) => void][] = [
  ['r/w 8 bits', (s) => (s.w8(0, 0x1ff), expect(s.r8(0)).toBe(0xff))],
  ['r/w 16 bits LE', (s) => (s.w16(2, 0xbeef), expect([s.r8(2), s.r8(3)]).toEqual([0xef, 0xbe]))],
  ['r/w 32 bits LE', (s) => (s.w32(8, 0xdeadbeef), expect(s.r32(8)).toBe(0xdeadbeef), expect(s.r8(11)).toBe(0xde))],
  ['negative 32-bit values wrap', (s) => (s.w32(12, -1), expect(s.r32(12)).toBe(0xffffffff))],
  ['unaligned 32 bits', (s) => (s.w32(0x21, 0x01020304), expect(s.r32(0x21)).toBe(0x01020304))],
  ['last bytes of the window', (s) => (s.w32(SIZE - 4, 0xcafef00d), expect(s.r16(SIZE - 2)).toBe(0xcafe))],
  ['read is a copy', (s) => {
    s.w8(0x40, 7)
    const c = s.read(0x40, 4)
    s.w8(0x40, 8)
    expect([...c]).toEqual([7, 0, 0, 0])
  }],
  ['fill', (s) => (s.fill(0x80, 16, 0xab), expect([...s.read(0x7f, 18)]).toEqual([0, ...new Array(16).fill(0xab), 0]))],
  ['empty read at the end', (s) => expect(s.read(SIZE, 0).length).toBe(0)],
  ['bounds: past the end', (s) => expect(() => s.r32(SIZE - 3)).toThrow(ShmBoundsError)],
  ['bounds: negative', (s) => expect(() => s.w8(-1, 0)).toThrow(ShmBoundsError)],
  ['bounds: fraction / NaN', (s) => (expect(() => s.r8(1.5)).toThrow(ShmBoundsError), expect(() => s.r8(NaN)).toThrow(ShmBoundsError))],
  ['bounds: read overflow', (s) => expect(() => s.read(10, SIZE)).toThrow(ShmBoundsError)],
  ['bounds: fill overflow', (s) => expect(() => s.fill(SIZE - 1, 2, 0)).toThrow(ShmBoundsError)]
]

describe('ShmAccess table on the in-process Shm (reference)', () => {
  for (const [name, fn] of table) it(name, () => fn(new Shm(SIZE)))
})

describe.skipIf(skipReason !== null)('ShmAccess over a real mapping', () => {
  const a = () => addon()
  let fd = -1
  const maps: MappedShm[] = []
  beforeEach(() => (fd = a().memfd(SIZE)))
  afterEach(() => {
    for (const m of maps.splice(0)) m.close()
    a().close(fd)
  })
  const open = (accessor: boolean) => {
    const m = mapShm(a(), fd, { accessor })
    maps.push(m)
    return m
  }

  for (const kind of ['zero-copy', 'accessor'] as ShmAccessKind[])
    describe(kind, () => {
      for (const [name, fn] of table)
        it(name, () => {
          const m = open(kind === 'accessor')
          expect(m.kind).toBe(kind)
          fn(m.access)
        })
    })

  it('both kinds see one memory: a store through one is read through the other', () => {
    const z = open(false).access
    const n = open(true).access
    z.w32(0x200, 0x11223344)
    expect(n.r32(0x200)).toBe(0x11223344)
    n.fill(0x300, 3, 9)
    expect([...z.read(0x300, 3)]).toEqual([9, 9, 9])
  })

  it('unmap detaches every zero-copy view (length 0, no fault) and stops accessors', () => {
    const z = open(false)
    const zs = z.access as Shm
    const view = new Uint32Array(zs.buf)
    view[0] = 5
    const n = open(true)
    z.close()
    n.close()
    maps.length = 0
    expect(zs.buf.byteLength).toBe(0)
    expect(view.length).toBe(0)
    expect(view[0]).toBeUndefined()
    expect(() => n.access.r8(0)).toThrow(expect.objectContaining({ code: 'SHM_UNMAPPED' }))
  })

  it('VIRTIO_LAB_SHM_ACCESS=accessor forces the accessor kind under Node', () => {
    process.env.VIRTIO_LAB_SHM_ACCESS = 'accessor'
    try {
      expect(open(false).kind).toBe('accessor')
    } finally {
      delete process.env.VIRTIO_LAB_SHM_ACCESS
    }
  })

  it('the addon checks bounds itself too (hostile offsets never reach memcpy)', () => {
    const h = a().mmap(fd)
    expect(() => a().r32(h, SIZE - 2)).toThrow(expect.objectContaining({ code: 'SHM_BOUNDS' }))
    expect(() => a().read(h, 2 ** 53, 1)).toThrow(expect.objectContaining({ code: 'SHM_BOUNDS' }))
    expect(() => a().write(h, SIZE - 1, new Uint8Array(2))).toThrow(expect.objectContaining({ code: 'SHM_BOUNDS' }))
    expect(() => a().copy(h, 0, SIZE, 1)).toThrow(expect.objectContaining({ code: 'SHM_BOUNDS' }))
    a().unmap(h)
  })
})
