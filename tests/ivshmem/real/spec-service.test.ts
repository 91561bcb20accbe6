// The spec profile in the app's service (LabService.configure, what `serve` and the app run) on
// real fabrics, the other side in a lab process: attached as the device with the driver in another
// process, and hosting the server as the driver with the device attaching (docs/spec-profile.md §11).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from '../../../src/host/service'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import type { LabSnapshot } from '../../../src/shared/contract'
import { skipReason, tmpDir, waitFor } from './helpers'
import { banners, exited, shell, specHellos, specProc, type Proc } from './spec-helpers'

function svc() {
  const s = new LabService({ speed: 1 })
  const con = { device: '', driver: '' }
  s.subscribe((e) => {
    if (e.type === 'console') con[e.side] += e.data
  })
  s.start()
  return { s, con }
}
const reg = (snap: LabSnapshot, off: number) => snap.regs.find((r) => r.off === off)!

describe.skipIf(skipReason !== null)('spec profile in the service on a real fabric, the other side in another process', () => {
  let t: ReturnType<typeof tmpDir>
  const cleanup: (() => void)[] = []
  const procs: Proc[] = []
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.code === null) p.p.kill('SIGKILL')
    for (const c of cleanup.splice(0).reverse()) c()
    t.cleanup()
  })

  it('configure attached as the device: registers, rings and peers in the snapshot; typed input answered; the driver leaves and a new one handshakes', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 4 * 2 ** 20 }).start()
    cleanup.push(() => srv.close())
    const { s, con } = svc()
    cleanup.push(() => s.dispose())
    expect(await s.configure({ fabric: 'attached', socket: t.sock(), role: 'device', profile: 'spec' })).toMatchObject({ ok: true })
    await waitFor(() => con.device.includes('virtio-mmio v2 console device, peer 0, generation 1'), () => `device booted: ${con.device}`, 60_000)
    let drv = specProc(t.sock(), 'driver')
    procs.push(drv)
    const why = () => `device: ${con.device}\ndriver: ${drv.out}${drv.err}`
    await waitFor(() => banners(con.device) === 1, () => `the banner:\n${why()}`, 90_000)
    // typed into the app's device console: receiveq -> the driver's shell -> transmitq
    await s.sendInput('device', 'hello 2\r')
    await waitFor(() => specHellos(con.device) === 2, () => `two hello lines:\n${why()}`, 60_000)
    const snap = await s.getSnapshot()
    expect(snap.fabric).toMatchObject({ kind: 'attached', clock: 'wall', state: 'up' })
    expect(snap.peers.map((p) => [p.id, p.side, p.local, p.connected])).toEqual([
      [0, 'device', true, true],
      [1, null, false, true]
    ])
    // version 2 window (§4.2.2): published by the device, which also republishes Status after
    // applying the other process's store from the write log (docs/spec-profile.md §2);
    // DriverFeatures (write-only) is the driver's own store, seen through the ShmObserver
    expect(reg(snap, 0x004)).toMatchObject({ value: 2, lastWriter: 'device' })
    expect(reg(snap, 0x070)).toMatchObject({ value: 0xf, lastWriter: 'device' })
    expect(reg(snap, 0x020)).toMatchObject({ value: 1, lastWriter: 'driver' })
    // both rings, as this device accepted them, decoded without errors
    expect(snap.rings.map((r) => [r.name, r.configured, r.num, r.descOff, r.errors])).toEqual([
      ['receiveq', true, 64, 0x1000, []],
      ['transmitq', true, 64, 0x2000, []]
    ])
    expect(snap.rings[0]!.desc[0]).toMatchObject({ len: 64 })
    expect(snap.rings[1]!.used.idx).toBeGreaterThanOrEqual(2)
    // the driver process goes away: shown as a departed remote peer, the service keeps running
    drv.p.kill('SIGKILL')
    await waitFor(() => s.session.fabric.peerList().some((p) => p.id === 1 && !p.connected), 'peer 1 left')
    expect((await s.getSnapshot()).peers.find((p) => p.id === 1)).toMatchObject({ local: false, connected: false })
    drv = specProc(t.sock(), 'driver')
    procs.push(drv)
    await waitFor(() => banners(con.device) === 2, () => `a new handshake with the new driver:\n${why()}`, 90_000)
    await s.sendInput('device', 'echo again\r')
    await waitFor(() => con.device.includes('again\r\nspec$ '), () => `the echo:\n${why()}`, 60_000)
    const tr = await s.getTrace(0, 100_000)
    expect(tr.filter((e) => e.k === 'error')).toEqual([])
    expect(tr.some((e) => e.k === 'peer' && e.op === 'leave' && e.id === 1)).toBe(true)
    drv.p.kill('SIGTERM')
    await exited(drv, 'driver')
    expect(drv.code).toBe(0)
  }, 300_000)

  it('configure hosted as the driver, the device in another process attaching: DRIVER_OK and the shell', async () => {
    const { s, con } = svc()
    cleanup.push(() => s.dispose())
    expect(await s.configure({ fabric: 'hosted', socket: t.sock(), role: 'driver', profile: 'spec' })).toMatchObject({ ok: true })
    await waitFor(() => con.driver.includes('spec driver: peer 0, generation 1'), () => `driver booted: ${con.driver}`, 60_000)
    const dev = specProc(t.sock(), 'device', ['--stdin'])
    procs.push(dev)
    const why = () => `device: ${dev.out}${dev.err}\ndriver: ${con.driver}`
    await waitFor(() => banners(dev.out) === 1, () => `the banner on the other process's device console:\n${why()}`, 90_000)
    await shell(dev, 'echo hosted', 'hosted\r\nspec$ ', why)
    const snap = await s.getSnapshot()
    expect(snap.fabric).toMatchObject({ kind: 'hosted', state: 'up' })
    expect(snap.guests.driver.state).toBe('ready')
    // the device's window as the driver process sees it: published by the remote device
    expect(reg(snap, 0x000)).toMatchObject({ value: 0x74726976, lastWriter: 'device' })
    expect(snap.rings.map((r) => r.name)).toEqual(['receiveq', 'transmitq'])
    dev.p.kill('SIGTERM')
    await exited(dev, 'device')
    expect(dev.code).toBe(0)
    expect(dev.err).toContain('lab: device is ivshmem peer 1')
  }, 300_000)
})
