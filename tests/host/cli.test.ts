// The CLI, in process: exact stdout for --console device, one-line errors with exit 2.
import { readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main, type Io } from '../../src/host/cli'

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) }
  const code = await main(argv, io)
  return { code, out, err }
}

const expected = readFileSync(join(__dirname, '../fixtures/seed-device-console.txt'), 'utf8').trimEnd().split('\n')

describe('virtio-lab run', () => {
  it('--console device writes exactly the device UART bytes, nothing else', async () => {
    const r = await cli('run', '--console', 'device', '--until', '13s', '--quiet')
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    const lines = r.out.split('\n')
    // own printk lines end in \r\n (console driver), forwarded bytes in \n
    expect(lines[0]).toBe(expected[0] + '\r')
    expect(lines.slice(0, 17).map((l) => l.replace(/\r$/, '').trimEnd())).toEqual(expected.slice(0, 17))
    expect(lines[17]).toBe(expected[17])
    expect(lines[18]).toBe(expected[18])
  })

  it('--console both labels each line with its side; the explanation goes to stderr', async () => {
    const r = await cli('run', '--until', '10s')
    expect(r.code).toBe(0)
    expect(r.out).toContain('device | Config Status DRIVER_OK')
    expect(r.out).toContain('driver | [virtio_mmio] HVL: queue 1 configuration acknowledged')
    expect(r.out.split('\n').filter(Boolean).every((l) => /^(device|driver) \| /.test(l))).toBe(true)
    expect(r.err).toContain('lab: device (instance_1) is ivshmem peer 0 and rings peer 1')
  })

  it('driver-first completes with exit 0, the failure on the driver console and the reason on stderr', async () => {
    const r = await cli('run', '--order', 'driver-first', '--console', 'driver', '--until', '8s')
    expect(r.code).toBe(0)
    expect(r.out).toContain('metal: error: Bad magic value 00000000')
    expect(r.err).toContain('No Hello line reached the device.')
  })

  it('--trace writes one JSON object per line, identical for two runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlab-'))
    await cli('run', '--until', '9s', '--quiet', '--console', 'device', '--trace', join(dir, 'a.jsonl'))
    await cli('run', '--until', '9s', '--quiet', '--console', 'device', '--trace', join(dir, 'b.jsonl'))
    const a = readFileSync(join(dir, 'a.jsonl'), 'utf8')
    expect(a).toBe(readFileSync(join(dir, 'b.jsonl'), 'utf8'))
    const ev = a.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(ev.map((e) => e.i)).toEqual(ev.map((_, i) => i))
    expect(ev.find((e) => e.k === 'store' && e.name === 'QueuePFN' && e.side === 'driver')).toMatchObject({ off: 0x40, w: 4, old: '0x00000000', new: '0x000afb01' })
    expect(ev.find((e) => e.k === 'doorbell')).toMatchObject({ side: 'driver', from: 1, to: 0, vector: 0, outcome: 'sent' })
  })

  it('--driver-base different from the device base: the device reads the wrong place (docs/wire-protocol.md#addresses)', async () => {
    const r = await cli('run', '--driver-base', '0xafa01000', '--console', 'device', '--until', '12s')
    expect(r.code).toBe(0)
    expect(r.out).toContain('vring descriptor: 0xafb02000:')
    expect(r.out).toContain('Invalid descriptor! ')
    expect(r.err).toContain('lab: The guests map BAR2 at different addresses (driver 0xafa01000, device 0xafa00000)')
  })

  it('--vectors 1 works (the seed uses vector 0 only)', async () => {
    const r = await cli('run', '--vectors', '1', '--console', 'device', '--until', '10s', '--quiet')
    expect(r.out).toContain('[8010]: Hello World')
  })
})

describe('bad input: one line on stderr, exit 2', () => {
  const cases: [string[], string][] = [
    [['run', '--vectors', '65'], "virtio-lab: --vectors must be an integer 1..64 (ivshmem-server -n), got '65'\n"],
    [['run', '--vectors', '0'], "virtio-lab: --vectors must be an integer 1..64 (ivshmem-server -n), got '0'\n"],
    [['run', '--shm-size', '3M'], 'virtio-lab: --shm-size: shm size must be a power of two from 64K to 1G (QEMU\'s BAR2 and ivshmem-server -l), got 3145728\n'],
    [['run', '--shm-size', '1M'], 'virtio-lab: --shm-size: the seed layout needs at least 2M of shm (its vring heap ends at 0x180800), got 1M\n'],
    [['run', '--order', 'sideways'], "virtio-lab: --order must be one of device-first, driver-first, device-only, driver-only, got 'sideways'\n"],
    [['run', '--until', 'soon'], "virtio-lab: --until: cannot read 'soon' as a time (e.g. 20s)\n"],
    [['run', '--speed', '-1'], "virtio-lab: --speed must be 'max' or a positive factor, got '-1'\n"],
    [['run', '--restart', 'device'], "virtio-lab: --restart must be device@TIME or driver@TIME, got 'device'\n"],
    [['run', '--console', 'all'], "virtio-lab: --console must be device, driver or both, got 'all'\n"],
    [['run', '--bogus'], 'virtio-lab: unknown option --bogus\n'],
    [['run', '--vectors'], 'virtio-lab: --vectors needs a value\n'],
    [['run', '--order', 'a', '--order', 'b'], 'virtio-lab: --order given more than once\n'],
    [['fly'], "virtio-lab: unknown command 'fly' (run, serve or --help)\n"],
    [['run', '--driver-base', 'high'], "virtio-lab: --driver-base: cannot read 'high' as an address (e.g. 0xafa00000)\n"],
    [['run', '--device-base', '0xafa00800'], 'virtio-lab: --device-base: deviceBase must be a non-zero 4 KiB-aligned virtual address with the whole shm below 2^48, got 0xafa00800\n'],
    [['serve', '--host', '0.0.0.0'], 'virtio-lab: --host 0.0.0.0 is not loopback: pass --token too\n'],
    [['serve', '--port', '70000'], "virtio-lab: --port must be an integer 0..65535, got '70000'\n"]
  ]
  for (const [argv, msg] of cases)
    it(argv.join(' '), async () => {
      const r = await cli(...argv)
      expect(r.code).toBe(2)
      expect(r.err).toBe(msg)
      expect(r.out).toBe('')
    })

  it('--help prints the usage and exits 0', async () => {
    const r = await cli('--help')
    expect(r.code).toBe(0)
    expect(r.out).toContain('virtio-lab run   [options]')
  })
})
