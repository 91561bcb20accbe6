// The seed demo over real shared memory (docs/ivshmem.md): lab processes attached to one
// ivshmem-server reproduce the device console; driver first still fails as on real hardware;
// role both and a hosted server work in one process, and remote peers are listed as such.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SCENARIO } from '../../../src/shared/scenario'
import { closeAttached, openAttached } from '../../../src/host/attach-cmd'
import { IvshmemClient } from '../../../src/ivshmem/real/client'
import { IvshmemServer } from '../../../src/ivshmem/real/server'
import { cliProc, hellos, skipReason, tmpDir, waitFor } from './helpers'

const cfg = { ...DEFAULT_SCENARIO, speed: 1 as const }


describe.skipIf(skipReason !== null)('the lab attached to a real ivshmem-server', () => {
  let t: ReturnType<typeof tmpDir>
  const procs: ReturnType<typeof cliProc>[] = []
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.code === null) p.p.kill('SIGKILL')
    t.cleanup()
  })

  it('device and driver in two lab processes on `virtio-lab server`: negotiation and Hello lines', async () => {
    const srv = cliProc(['server', '-F', '-v', '-S', t.sock(), '-l', '4M', '-n', '2'])
    procs.push(srv)
    await waitFor(() => srv.out.includes('virtio-lab server: listening'), 'server up')
    const dev = cliProc(['run', '--attach', t.sock(), '--role', 'device', '--console', 'device', '--until', '60s'])
    procs.push(dev)
    await waitFor(() => dev.out.includes('VIRTIO_MMIO_DEVICE_ID: 0x3'), 'device booted', 30_000)
    const drv = cliProc(['run', '--attach', t.sock(), '--role', 'driver', '--console', 'driver', '--until', '60s'])
    procs.push(drv)
    await waitFor(() => hellos(dev.out) >= 1, () => `a Hello line on the device console:\n${dev.out}\n${dev.err}\ndriver (exit ${drv.code}): ${drv.out}${drv.err}\nserver: ${srv.out}`, 60_000)
    const text = dev.out.replace(/\r/g, '')
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^\*\*\* Booting Zephyr OS build/)
    expect(text).toContain('Dump of incoming Vring information from other side:\nvring descriptor: 0xafb01000:')
    expect(dev.out).toContain('Config Status DRIVER_OK')
    expect(drv.out).toContain('[virtio_mmio] HVL: queue 1 configuration acknowledged')
    expect(dev.err).toContain(`lab: device is ivshmem peer 0 on ${t.sock()}`)
    expect(drv.err).toContain(`lab: driver is ivshmem peer 1 on ${t.sock()}`)
    expect(srv.out).toContain('new peer id = 1')
    drv.p.kill('SIGINT')
    await waitFor(() => drv.code !== null && srv.out.includes('free peer 1'), 'driver left, announced')
    expect(drv.code).toBe(0)
    expect(drv.err).toMatch(/lab: attached fabric up: .* driver = peer 1; 1 remote peer/)
    dev.p.kill('SIGTERM')
    await waitFor(() => dev.code !== null, 'device exit')
    expect(dev.code).toBe(0)
  }, 150_000)

  it('driver first fails as on real hardware: no device registers in the shared memory', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 4 * 2 ** 20 }).start()
    const lab = await openAttached(cfg, { socket: t.sock(), role: 'driver' })
    let out = ''
    lab.onConsole((_s: string, d: string) => (out += d))
    lab.start()
    // fresh shared memory: no device has written its registers, the driver's probe fails at once
    await waitFor(() => out.includes('is not ready'), () => `the driver probe to fail: ${out}`, 30_000)
    expect(out).toContain('metal: error: Bad magic value 00000000')
    expect(out).toContain('virtio-serial is not ready')
    expect(lab.fabric.counters.doorbells).toBe(0)
    closeAttached(lab)
    srv.close()
  }, 90_000)

  it('role both on a hosted server: the demo runs, another process is listed as remote', async () => {
    const lab = await openAttached(cfg, { socket: t.sock(), role: 'both', host: true })
    expect(lab.fabric.kind).toBe('hosted')
    let dev = ''
    lab.onConsole((side: string, d: string) => side === 'device' && (dev += d))
    lab.start()
    // after the driver joined: the seed's driver rings own id - 1 (Q24), so a peer joining in
    // between would take the device's place, as on real hardware
    await waitFor(() => lab.fabric.peerList().filter((p) => p.local).length === 2, 'driver joined')
    const other = await IvshmemClient.connect(t.sock(), { accessor: true })
    await waitFor(() => lab.fabric.peerList().length === 3, 'three peers')
    expect(lab.fabric.peerList().map((p) => [p.id, p.side, p.local, p.vectors, p.connected])).toEqual([
      [0, 'device', true, 2, true],
      [1, 'driver', true, 2, true],
      [2, null, false, 2, true]
    ])
    await waitFor(() => hellos(dev) >= 1, () => `a Hello line: ${dev}`, 40_000)
    expect(dev).toContain('Config Status DRIVER_OK')
    // the other process sees the lab's stores: the device's MagicValue at offset 0
    expect(other.shm.r32(0)).toBe(0x74726976)
    expect(lab.fabric.status()).toMatchObject({ state: 'up' })
    other.close()
    closeAttached(lab)
  }, 90_000)

  it('the server going away is reported as a down status, not a crash', async () => {
    const srv = new IvshmemServer({ path: t.sock(), vectors: 2, size: 4 * 2 ** 20 }).start()
    const lab = await openAttached(cfg, { socket: t.sock(), role: 'both' })
    lab.start()
    await waitFor(() => lab.fabric.peerList().filter((p) => p.local).length === 2, 'both local peers joined')
    srv.close()
    await waitFor(() => lab.fabric.status().state === 'down', 'status down')
    expect(lab.fabric.status().detail).toMatch(/ivshmem-server at .* is gone: attached peers still ring each other/)
    closeAttached(lab)
  })

  it('attach errors: one line on stderr, exit 1', async () => {
    const r = cliProc(['run', '--attach', t.sock('missing'), '--role', 'device'])
    await waitFor(() => r.code !== null, 'exit')
    expect(r.code).toBe(1)
    expect(r.err).toBe(`virtio-lab: --attach ${t.sock('missing')}: SOCK_MISSING: no ivshmem-server socket at ${t.sock('missing')} (start one: virtio-lab server -S ${t.sock('missing')})\n`)
  })
})
