// The spec profile across two lab processes on one `virtio-lab server` (docs/spec-profile.md §11):
// the device in one process, the driver in another, either start order, restarts of either side,
// typed input over receiveq and the shell's answer over transmitq, on the wall clock.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { skipReason, tmpDir, waitFor } from './helpers'
import { banners, exited, readTrace, regWrites, shell, shows, specHellos, specProc, type Proc } from './spec-helpers'
import { cliProc } from './helpers'

describe.skipIf(skipReason !== null)('spec profile: device and driver in two processes on a real server', () => {
  let t: ReturnType<typeof tmpDir>
  const procs: Proc[] = []
  const keep = (p: Proc): Proc => (procs.push(p), p)
  beforeEach(() => (t = tmpDir()))
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.code === null) p.p.kill('SIGKILL')
    t.cleanup()
  })
  const server = async (): Promise<Proc> => {
    const srv = keep(cliProc(['server', '-F', '-v', '-S', t.sock(), '-l', '4M', '-n', '2']))
    await waitFor(() => srv.out.includes('virtio-lab server: listening'), 'server up', 30_000)
    return srv
  }

  it('device first: DRIVER_OK, the shell answers typed lines both ways, the driver leaving is announced', async () => {
    const srv = await server()
    const trace = join(t.dir, 'device.jsonl')
    const dev = keep(specProc(t.sock(), 'device', ['--stdin', '--trace', trace]))
    await waitFor(() => dev.out.includes('virtio-mmio v2 console device, peer 0, generation 1'), () => `device booted: ${dev.out}${dev.err}`, 60_000)
    const drv = keep(specProc(t.sock(), 'driver'))
    const why = () => `device: ${dev.out}${dev.err}\ndriver: ${drv.out}${drv.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev.out) === 1, () => `the shell banner on the device console:\n${why()}`, 90_000)
    await shows(drv, 'out', '[lab] spec driver: peer 1, generation 1')
    // device console -> receiveq -> driver shell -> transmitq -> device console
    await shell(dev, 'hello 3', 'spec$ ', why)
    await waitFor(() => specHellos(dev.out) === 3, () => `three hello lines:\n${why()}`, 60_000)
    await shell(dev, 'echo over-the-rings', 'over-the-rings\r\nspec$ ', why)
    expect(dev.out.replace(/\r/g, '')).toContain('spec$ echo over-the-rings\nover-the-rings\nspec$ ')
    // the driver process goes away: the server announces it, this process says so, nothing throws
    drv.p.kill('SIGINT')
    await waitFor(() => dev.err.includes('lab: remote peer 1 left'), () => `the driver's departure:\n${why()}`, 60_000)
    await exited(drv, 'driver')
    expect(drv.code).toBe(0)
    expect(drv.err).toContain('lab: The driver is ready (features 0x130000005).')
    expect(drv.err).toMatch(/as peer 1 it rang peer 0 \(remote\) \d+×, all delivered\./)
    expect(drv.err).toContain('lab: device (instance_1) does not run in this process; remote peer 0 (another process or a QEMU guest) may hold it, found through its ready record.')
    expect(drv.err).not.toContain('reached the device console')
    dev.p.kill('SIGTERM')
    await exited(dev, 'device')
    expect(dev.code).toBe(0)
    expect(dev.err).toContain('lab: remote peer 1 joined')
    expect(dev.err).not.toMatch(/Error|throw/)
    const ev = readTrace(trace)
    // §3.1.1 as the device applied it from the other process's write log: reset, ACKNOWLEDGE,
    // DRIVER, FEATURES_OK, DRIVER_OK
    expect(regWrites(ev, 'Status')).toEqual([0, 1, 3, 11, 15])
    expect(regWrites(ev, 'DriverFeatures')).toEqual([0x3000_0005, 0x1]) // SIZE, EMERG_WRITE, INDIRECT_DESC, EVENT_IDX; VERSION_1
    expect(regWrites(ev, 'QueueReady')).toEqual([1, 1])
    expect(ev.filter((e) => e.k === 'error')).toEqual([])
    // typed bytes went up receiveq (used.len = bytes written), answers came down transmitq
    const rx = ev.filter((e) => e.k === 'desc-used' && e.queue === 0)
    expect(rx.reduce((a, e) => a + (e.len as number), 0)).toBe('hello 3\r'.length + 'echo over-the-rings\r'.length)
    expect(ev.some((e) => e.k === 'desc-used' && e.queue === 1 && (e.bytes as number) > 0)).toBe(true)
    // the driver's ring stores reached this process's trace attributed to it and named from the
    // rings this device accepted (ShmObserver, SpecDevice.rings())
    const names = new Set(ev.filter((e) => e.k === 'store' && e.side === 'driver').map((e) => String(e.name)))
    for (const n of ['Status', 'QueueNotify', 'q0.desc[15].addr', 'q0.avail.flags', 'q1.desc[0].len', 'q1.avail.flags']) expect(names).toContain(n)
    expect(ev.some((e) => e.k === 'peer' && e.op === 'leave' && e.id === 1 && e.remote === true)).toBe(true)
  }, 300_000)

  it('driver first, then restarts of either side: each re-handshakes and traffic resumes', async () => {
    const srv = await server()
    const drv1 = keep(specProc(t.sock(), 'driver'))
    await waitFor(() => drv1.out.includes('[lab] spec driver: peer 0, generation 1'), () => `driver booted: ${drv1.out}${drv1.err}`, 60_000)
    const trace1 = join(t.dir, 'device1.jsonl')
    const dev1 = keep(specProc(t.sock(), 'device', ['--stdin', '--trace', trace1]))
    let drv = drv1
    const why = () => `device: ${dev1.out}${dev1.err}\ndriver: ${drv.out}${drv.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev1.out) === 1, () => `the shell banner (driver first):\n${why()}`, 90_000)
    expect(dev1.out).toContain('virtio-mmio v2 console device, peer 1, generation 1')
    await shell(dev1, 'echo first', 'first\r\nspec$ ', why)

    // a new driver process: new peer id, new generation of its record, a new handshake
    drv1.p.kill('SIGKILL')
    await waitFor(() => dev1.err.includes('lab: remote peer 0 left'), () => `the killed driver announced:\n${why()}`, 60_000)
    drv = keep(specProc(t.sock(), 'driver'))
    await waitFor(() => banners(dev1.out) === 2, () => `a second banner after the driver restart:\n${why()}`, 90_000)
    await shows(drv, 'out', '[lab] spec driver: peer 2, generation 2')
    await shell(dev1, 'echo second', 'second\r\nspec$ ', why)

    // a new device process: the driver sees the device record's new generation and starts over
    dev1.p.kill('SIGKILL')
    await waitFor(() => drv.err.includes('lab: remote peer 1 left'), () => `the killed device announced:\n${why()}`, 60_000)
    const trace2 = join(t.dir, 'device2.jsonl')
    const dev2 = keep(specProc(t.sock(), 'device', ['--stdin', '--trace', trace2]))
    const why2 = () => `device 2: ${dev2.out}${dev2.err}\ndriver: ${drv.out}${drv.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev2.out) === 1, () => `the banner on the restarted device:\n${why2()}`, 90_000)
    expect(dev2.out).toContain('virtio-mmio v2 console device, peer 3, generation 2')
    await shows(drv, 'out', '[lab] spec driver: resetting the device and handshaking again')
    await shell(dev2, 'hello 2', 'spec$ ', why2)
    await waitFor(() => specHellos(dev2.out) === 2, () => `two hello lines after the device restart:\n${why2()}`, 60_000)
    dev2.p.kill('SIGTERM')
    await exited(dev2, 'device 2')
    expect(dev2.code).toBe(0)
    // the restarted device saw a complete handshake from the driver that was already running
    expect(regWrites(readTrace(trace2), 'Status')).toEqual([0, 1, 3, 11, 15])
    drv.p.kill('SIGTERM')
    await exited(drv, 'driver 2')
    expect(drv.code).toBe(0)
    expect(drv.err).not.toMatch(/Error|throw/)
  }, 400_000)

  it('a fault injected in the driver process: the device process (hosting the server) reports its code and NEEDS_RESET, then recovers', async () => {
    // run --fabric hosted: the device's process is the ivshmem-server, the driver attaches to it
    const trace = join(t.dir, 'device.jsonl')
    const dev = keep(specProc(t.sock(), 'device', ['--stdin', '--trace', trace], { hosted: true }))
    await waitFor(() => dev.out.includes('peer 0, generation 1'), () => `device booted: ${dev.out}${dev.err}`, 60_000)
    const drvTrace = join(t.dir, 'driver.jsonl')
    const drv = keep(specProc(t.sock(), 'driver', ['--fault', 'bad-head@4s', '--trace', drvTrace]))
    const why = () => `device: ${dev.out}${dev.err}\ndriver: ${drv.out}${drv.err}`
    await waitFor(() => banners(dev.out) === 1, () => `the banner:\n${why()}`, 90_000)
    // the driver's handshake after the device's DEVICE_NEEDS_RESET prints the banner again
    await waitFor(() => drv.out.includes('[lab] spec driver: DEVICE_NEEDS_RESET') && banners(dev.out) === 2, () => `NEEDS_RESET and a new handshake:\n${why()}`, 120_000)
    await shell(dev, 'echo recovered', 'recovered\r\nspec$ ', why)
    dev.p.kill('SIGTERM')
    drv.p.kill('SIGTERM')
    await exited(dev, 'device')
    await exited(drv, 'driver')
    const ev = readTrace(trace)
    const errs = ev.filter((e) => e.k === 'error')
    expect(errs).toEqual([expect.objectContaining({ side: 'device', where: 'device', code: 'InvalidDescriptorIndex' })])
    // after the error: Status gets DEVICE_NEEDS_RESET (0x40) and a config interrupt (bit 1)
    const after = ev.filter((e) => e.i > errs[0]!.i && e.k === 'store' && e.side === 'device')
    expect(after.find((e) => e.name === 'Status')).toMatchObject({ old: '0x0000000f', new: '0x0000004f' })
    expect(after.find((e) => e.name === 'InterruptStatus')).toMatchObject({ new: '0x00000002' })
    expect(ev.some((e) => e.op === 'state' && e.state === 'failed' && e.detail === 'DEVICE_NEEDS_RESET: InvalidDescriptorIndex')).toBe(true)
    // and the driver reset it (Status 0) and handshook again
    expect(regWrites(ev, 'Status')).toEqual([0, 1, 3, 11, 15, 0, 1, 3, 11, 15])
    // the fault is in the driver's own trace, applied there
    expect(readTrace(drvTrace).find((e) => e.op === 'fault')).toMatchObject({ kind: 'bad-head', applied: true })
    expect(dev.err).toMatch(/lab: hosted fabric up: hosted at .*: device = peer 0; [01] remote peers?/)
  }, 300_000)

  it('both sides gone, the driver back first: its doorbells to the stale device record are dropped, the new device restarts the handshake', async () => {
    const srv = await server()
    const dev1 = keep(specProc(t.sock(), 'device', ['--stdin']))
    await waitFor(() => dev1.out.includes('peer 0, generation 1'), () => `device 1 booted: ${dev1.out}${dev1.err}`, 60_000)
    const drv1 = keep(specProc(t.sock(), 'driver'))
    const why1 = () => `device: ${dev1.out}${dev1.err}\ndriver: ${drv1.out}${drv1.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev1.out) === 1, () => `the first pair's banner:\n${why1()}`, 90_000)
    dev1.p.kill('SIGKILL')
    drv1.p.kill('SIGKILL')
    await waitFor(() => srv.out.includes('free peer 0') && srv.out.includes('free peer 1'), () => `both left:\n${srv.out}`, 60_000)
    // the shm keeps both records (the server lives): the new driver meets the dead device's
    const drvTrace = join(t.dir, 'driver.jsonl')
    const drv = keep(specProc(t.sock(), 'driver', ['--trace', drvTrace]))
    await waitFor(() => drv.out.includes('[lab] spec driver: peer 2, generation 2'), () => `driver 2 booted: ${drv.out}${drv.err}`, 60_000)
    await waitFor(() => readTrace(drvTrace).some((e) => e.k === 'doorbell' && e.outcome === 'dropped'), () => `a dropped doorbell to the stale id:\n${drv.out}${drv.err}`, 60_000)
    const dev = keep(specProc(t.sock(), 'device', ['--stdin']))
    const why = () => `device: ${dev.out}${dev.err}\ndriver: ${drv.out}${drv.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev.out) === 1, () => `the banner after both restarted:\n${why()}`, 90_000)
    expect(dev.out).toContain('virtio-mmio v2 console device, peer 3, generation 2')
    await shell(dev, 'echo back', 'back\r\nspec$ ', why)
    dev.p.kill('SIGTERM')
    drv.p.kill('SIGTERM')
    await exited(dev, 'device')
    await exited(drv, 'driver')
    expect([dev.code, drv.code]).toEqual([0, 0])
    const ev = readTrace(drvTrace)
    expect(ev.find((e) => e.k === 'doorbell' && e.outcome === 'dropped')).toMatchObject({ from: 2, to: 0, reason: 'no peer 0' })
    expect(ev.some((e) => e.k === 'doorbell' && e.outcome === 'sent' && e.to === 3)).toBe(true)
  }, 300_000)

  it('a scenario restart inside the device process (--restart device@15s): it rejoins with a new id and the remote driver handshakes again', async () => {
    const srv = await server()
    const dev = keep(specProc(t.sock(), 'device', ['--stdin', '--restart', 'device@15s']))
    await waitFor(() => dev.out.includes('peer 0, generation 1'), () => `device booted: ${dev.out}${dev.err}`, 60_000)
    const drv = keep(specProc(t.sock(), 'driver'))
    const why = () => `device: ${dev.out}${dev.err}\ndriver: ${drv.out}${drv.err}\nserver: ${srv.out}`
    await waitFor(() => banners(dev.out) === 1, () => `the first banner:\n${why()}`, 90_000)
    await waitFor(() => banners(dev.out) === 2, () => `the banner after the in-process restart:\n${why()}`, 90_000)
    expect(dev.out).toContain('virtio-mmio v2 console device, peer 2, generation 2')
    await shows(dev, 'err', 'lab: device (peer 0) left')
    await shows(dev, 'err', `lab: device is ivshmem peer 2 on ${t.sock()}`)
    await shell(dev, 'echo rejoined', 'rejoined\r\nspec$ ', why)
    await waitFor(() => drv.err.includes('lab: remote peer 0 left') && drv.err.includes('lab: remote peer 2 joined'), () => `the driver saw the device leave and rejoin:\n${why()}`, 60_000)
    await shows(drv, 'out', '[lab] spec driver: resetting the device and handshaking again')
  }, 300_000)
})
