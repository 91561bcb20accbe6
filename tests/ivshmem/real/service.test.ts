// LabService (serve, the app) on real fabrics: configure joins or hosts an ivshmem-server, the
// snapshot carries the fabric's kind, status and peers (local and remote), the other process's
// stores come in through the ShmObserver attributed to it, and pause/step refuse with WALL_CLOCK.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabService } from '../../../src/host/service'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import type { LabSnapshot } from '../../../src/shared/contract'
import { cliProc, hellos, skipReason, tmpDir, waitFor } from './helpers'



/** a service whose console and snapshots are collected (no timers: flush() by hand) */
function svc() {
  const s = new LabService({ speed: 1 })
  const con = { device: '', driver: '' }
  let last: LabSnapshot | null = null
  s.subscribe((e) => {
    if (e.type === 'console') con[e.side] += e.data
    if (e.type === 'snapshot') last = e.snap
  })
  s.start()
  return { s, con, snap: () => last }
}

describe.skipIf(skipReason !== null)('LabService on a real fabric', () => {
  let t: ReturnType<typeof tmpDir>
  const cleanup: (() => void)[] = []
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    for (const c of cleanup.splice(0).reverse()) c()
    t.cleanup()
  })

  it('hosted, role both: the demo runs, the snapshot shows the fabric and a remote peer live; pause/step refuse', async () => {
    const { s, con } = svc()
    cleanup.push(() => s.dispose())
    const r = await s.configure({ fabric: 'hosted', socket: t.sock(), role: 'both' })
    expect(r.ok).toBe(true)
    expect(s.real).toBe(true)
    await waitFor(() => s.session.fabric.peerList().filter((p) => p.local).length === 2, 'both local peers joined')
    const other = await IvshmemClient.connect(t.sock(), { accessor: true })
    cleanup.push(() => other.close())
    await waitFor(() => hellos(con.device) >= 1, () => `a Hello line on the device console: ${con.device}`, 40_000)
    const snap = await s.getSnapshot()
    expect(snap.fabric).toMatchObject({ kind: 'hosted', clock: 'wall', state: 'up' })
    expect(snap.fabric.detail).toContain(`hosted at ${t.sock()}: device = peer 0, driver = peer 1; 1 remote peer`)
    expect(snap.peers.map((p) => [p.id, p.side, p.local, p.connected])).toEqual([
      [0, 'device', true, true],
      [1, 'driver', true, true],
      [2, null, false, true]
    ])
    expect(snap.running).toBe(true)
    for (const cmd of [{ cmd: 'pause' }, { cmd: 'step', count: 1 }, { cmd: 'speed', speed: 'max' }] as const)
      await expect(s.control(cmd)).rejects.toMatchObject({ code: 'WALL_CLOCK', message: expect.stringContaining(`${cmd.cmd} does not apply to a real fabric (wall clock)`) })
    // faults act on a real fabric too, on the wall clock, in the process that runs the side (role both: here)
    await expect(s.injectFault('delay-irq')).resolves.toMatchObject({ kind: 'delay-irq', applied: true })
    // the remote peer leaving shows in the next snapshot
    other.close()
    await waitFor(() => s.session.fabric.peerList().some((p) => p.id === 2 && !p.connected), 'peer 2 left')
    expect((await s.getSnapshot()).peers.find((p) => p.id === 2)).toMatchObject({ local: false, connected: false })
    // back to the emulated fabric: the hosted server goes away with its session
    expect((await s.configure({ fabric: 'emulated', socket: null })).ok).toBe(true)
    expect(s.real).toBe(false)
    expect((await s.getSnapshot()).fabric).toMatchObject({ kind: 'emulated', clock: 'virtual', state: 'up' })
    await expect(IvshmemClient.connect(t.sock(), { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'SOCK_MISSING' })
  }, 90_000)

  it('attached as the device, the driver in another process: its stores are attributed to the driver (observer)', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 4 * 2 ** 20 }).start()
    cleanup.push(() => srv.close())
    const { s, con } = svc()
    cleanup.push(() => s.dispose())
    expect((await s.configure({ fabric: 'attached', socket: t.sock(), role: 'device' })).ok).toBe(true)
    await waitFor(() => con.device.includes('VIRTIO_MMIO_DEVICE_ID: 0x3'), () => `device booted: ${con.device}`, 30_000)
    const drv = cliProc(['run', '--attach', t.sock(), '--role', 'driver', '--console', 'driver', '--until', '60s'])
    cleanup.push(() => drv.code === null && drv.p.kill('SIGKILL'))
    await waitFor(() => hellos(con.device) >= 1, () => `a Hello line: ${con.device}\ndriver: ${drv.out}${drv.err}`, 60_000)
    const snap = await s.getSnapshot()
    expect(snap.fabric).toMatchObject({ kind: 'attached', state: 'up' })
    expect(snap.peers.map((p) => [p.id, p.side, p.local])).toEqual([
      [0, 'device', true],
      [1, null, false]
    ])
    // Status (0x70) is written by the driver only: DRIVER_OK came from the other process
    const status = snap.regs.find((r) => r.off === 0x70)!
    expect(status.value & 4).toBe(4)
    expect(status.lastWriter).toBe('driver')
    // MagicValue (0x00) is the device's own store
    expect(snap.regs.find((r) => r.off === 0)!.lastWriter).toBe('device')
    const tr = await s.getTrace(0, 5000)
    expect(tr.some((e) => e.k === 'store' && e.side === 'driver')).toBe(true)
    drv.p.kill('SIGINT')
    await waitFor(() => drv.code !== null, 'driver exit')
    expect(drv.code).toBe(0)
  }, 150_000)

  it('a missing socket: configure answers on the socket field and keeps the current session', async () => {
    const { s } = svc()
    cleanup.push(() => s.dispose())
    const before = s.session
    const r = await s.configure({ fabric: 'attached', socket: t.sock('missing'), role: 'device' })
    expect(r).toEqual({ ok: false, errors: [{ field: 'socket', message: expect.stringContaining(`attached ${t.sock('missing')}: SOCK_MISSING: no ivshmem-server socket`) }] })
    expect(s.session).toBe(before)
    expect(s.real).toBe(false)
    await expect(s.control({ cmd: 'step', count: 1 })).resolves.toMatchObject({ paused: true })
  })
})
