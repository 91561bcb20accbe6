// QEMU (Debian qemu-system-x86, ivshmem-doorbell) as a real peer of OUR server, with qtest as the
// guest software: it is accepted and listed, stays up, a guest Doorbell write reaches a lab peer,
// a lab doorbell becomes QEMU's MSI-X memory write, shm stores cross both ways, its departure is
// announced (docs/ivshmem.md#device, #peer-changes).
import { execFileSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import { QTest } from './qtest'
import { skipReason, tmpDir, waitFor } from './helpers'

function qemuMissing(): string | null {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' })
    return null
  } catch {
    return 'qemu-system-x86_64 is not installed (Debian: apt-get install qemu-system-x86)'
  }
}
const skip = skipReason ?? qemuMissing()
if (skip) console.warn(`QEMU peer test skipped: ${skip}`)

const DEV = 1 // 00:01.0 on q35 with -nodefaults
const BAR0 = 0xfe000000
const BAR1 = 0xfe001000
const BAR2 = 0xe0000000
const MSI_RAM = 0x100000

describe.skipIf(skip !== null)('QEMU ivshmem-doorbell joins the lab server', () => {
  let t: ReturnType<typeof tmpDir>
  let q: QTest | null = null
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    q?.kill()
    t.cleanup()
  })

  it('is listed, rings a lab peer, is rung by one, shares BAR2, and its departure is announced', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 2 ** 20 }).start()
    const lab = await IvshmemClient.connect(t.sock())
    const joined: number[] = []
    const left: number[] = []
    lab.on('peer-joined', (id) => joined.push(id)).on('peer-left', (id) => left.push(id))
    q = new QTest(['-M', 'q35', '-accel', 'tcg', '-m', '128M', '-nodefaults', '-display', 'none', '-S',
      '-chardev', `socket,path=${t.sock()},id=ivs`, '-device', 'ivshmem-doorbell,vectors=2,chardev=ivs'])
    // QEMU finishes starting only once our server answered version, id and shm (§1.7)
    expect(await q.cfgRead(DEV, 0)).toBe(0x11101af4)
    const qid = 1
    await waitFor(() => joined.includes(qid), 'lab sees QEMU join')
    expect(srv.peerIds()).toEqual([0, qid])
    expect(lab.peers.get(qid)?.fds.length).toBe(2)

    // program the BARs, enable memory + bus master, point MSI-X entries 0/1 at guest RAM
    await q.cfgWrite(DEV, 0x10, BAR0)
    await q.cfgWrite(DEV, 0x14, BAR1)
    await q.cfgWrite(DEV, 0x18, BAR2)
    await q.cfgWrite(DEV, 0x1c, 0)
    await q.cfgWrite(DEV, 0x04, 0x6)
    const cap = await q.cfgRead(DEV, 0x40)
    expect(cap & 0xff).toBe(0x11) // MSI-X capability
    await q.cfgWrite(DEV, 0x40, cap | 0x80000000) // MSI-X enable
    for (const v of [0, 1]) {
      await q.writel(BAR1 + 16 * v, MSI_RAM + 4 * v)
      await q.writel(BAR1 + 16 * v + 4, 0)
      await q.writel(BAR1 + 16 * v + 8, 0xa0 + v)
      await q.writel(BAR1 + 16 * v + 12, 0)
    }
    expect(await q.readl(BAR0 + 8)).toBe(qid) // IVPosition = the id our server gave

    // guest Doorbell -> lab interrupt, vector 0 then 1
    const irq: number[] = []
    lab.on('interrupt', (v) => irq.push(v))
    await q.writel(BAR0 + 12, (lab.id << 16) | 0)
    await waitFor(() => irq.length === 1, 'doorbell from QEMU on vector 0')
    await q.writel(BAR0 + 12, (lab.id << 16) | 1)
    await waitFor(() => irq.length === 2, 'doorbell from QEMU on vector 1')
    expect(irq).toEqual([0, 1])

    // lab doorbell -> QEMU's MSI-X write of the programmed data into guest RAM
    expect(lab.ring(qid, 1)).toBe(true)
    let ram = 0
    // each round is an async qtest read, so poll in a loop rather than waitFor
    async function pollRam(addr: number, want: number) {
      const t0 = Date.now()
      while ((ram = await q!.readl(addr)) !== want) if (Date.now() - t0 > 15_000) throw new Error(`RAM 0x${addr.toString(16)} = 0x${ram.toString(16)}, want 0x${want.toString(16)}`)
    }
    await pollRam(MSI_RAM + 4, 0xa1)
    expect(lab.ring(qid, 0)).toBe(true)
    await pollRam(MSI_RAM, 0xa0)

    // shm both ways: BAR2 is the server's memory
    const s = 'lab#' + lab.id
    for (let i = 0; i < s.length; i++) lab.shm.w8(0x40 + i, s.charCodeAt(i))
    expect(await q.readStr(BAR2 + 0x40, s.length)).toBe(s)
    await q.writeStr(BAR2 + 0x80, 'qemu#1')
    expect(Buffer.from(lab.shm.read(0x80, 6)).toString()).toBe('qemu#1')

    // it stays up; killing it is announced to the lab peer and the server forgets it
    expect(q.proc.exitCode).toBeNull()
    q.kill()
    await waitFor(() => left.includes(qid) && !srv.peers.has(qid), 'QEMU departure announced')
    lab.close()
    srv.close()
  })
})
