// The CLI, in process: exact stdout for --console device, one-line errors with exit 2.
import { nativeSupport } from '../../src/ivshmem/native'
import { readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main, type Io } from '../../src/host/cli'
import { cli } from './cli-io'


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
    expect(r.out).toContain('driver | [lab] [virtio_mmio] HVL: queue 1 configuration acknowledged')
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
    [['run', '--vectors', '65'], "virtio-lab: --vectors: vectors must be at most 64 (got '65')\n"],
    [['run', '--vectors', '0'], "virtio-lab: --vectors: vectors must be at least 1 (got '0')\n"],
    [['run', '--shm-size', '3M'], "virtio-lab: --shm-size: shmSize must be a power of two (ivshmem-server -l) (got '3M')\n"],
    [['run', '--shm-size', '1M'], 'virtio-lab: --shm-size: shmSize must be at least 2M for the seed profile (its vring heap ends at 0x180800) (got 1M)\n'],
    [['run', '--order', 'sideways'], "virtio-lab: --order: order must be one of device-first, driver-first, device-only, driver-only (got 'sideways')\n"],
    [['run', '--until', 'soon'], "virtio-lab: --until: until must be a time like 20s, or empty for never (got 'soon')\n"],
    [['run', '--until', '9000h'], "virtio-lab: --until: until must be at most 1 year (8760h) (got '9000h')\n"],
    [['run', '--speed', '-1'], "virtio-lab: --speed: speed must be 'max' or a number like 1, 10, ×100 (got '-1')\n"],
    [['run', '--speed', '0.001'], "virtio-lab: --speed: speed must be at least 0.01 (got '0.001')\n"],
    [['run', '--restart', 'device'], "virtio-lab: --restart: restarts must be device@TIME or driver@TIME, like driver@12s (got 'device')\n"],
    [['run', '--console', 'all'], "virtio-lab: --console must be device, driver or both, got 'all'\n"],
    [['run', '--bogus'], 'virtio-lab: unknown option --bogus\n'],
    [['run', '--vectors'], 'virtio-lab: --vectors needs a value\n'],
    [['run', '--order', 'a', '--order', 'b'], 'virtio-lab: --order given more than once\n'],
    [['fly'], "virtio-lab: unknown command 'fly' (run, serve, compare, server or --help)\n"],
    [['run', '--driver-base', 'high'], "virtio-lab: --driver-base: driverBase must be an address like 0xafa00000 (got 'high')\n"],
    [['run', '--driver-base', '0'], "virtio-lab: --driver-base: driverBase must be at least 0x1000 (got '0')\n"],
    [['run', '--device-base', '0xafa00800'], "virtio-lab: --device-base: deviceBase must be 4 KiB-aligned (a multiple of 0x1000) (got '0xafa00800')\n"],
    [['run', '--profile', 'virtio2'], "virtio-lab: --profile: profile must be one of seed, spec (got 'virtio2')\n"],
    // serve joins real fabrics where the addon is built; a server that is not there is bad input
    [
      ['serve', '--fabric', 'attached', '--socket', '/tmp/vlab-no-such-dir/ivshmem_socket'],
      nativeSupport().ok
        ? 'virtio-lab: --socket: attached /tmp/vlab-no-such-dir/ivshmem_socket: SOCK_MISSING: no ivshmem-server socket at /tmp/vlab-no-such-dir/ivshmem_socket (start one: virtio-lab server -S /tmp/vlab-no-such-dir/ivshmem_socket)\n'
        : `virtio-lab: --fabric: fabric 'attached' needs the native ivshmem addon (npm run build:native), unavailable here: ${nativeSupport().reason}\n`
    ],
    [['run', '--fault', 'bogus@1s'], "virtio-lab: --fault: faults must be KIND@TIME like bad-head@3s, KIND one of drop-doorbell, merge-doorbells, delay-irq, bad-head, next-out-of-range, desc-loop, avail-jump, len-beyond-shm, zero-len, tx-write-flag, stale-used-id, device-stall (got 'bogus@1s')\n"],
    [['run', '--socket', '/tmp/ivshmem_socket'], 'virtio-lab: --socket: socket applies to the attached and hosted fabrics only; the emulated fabric runs both sides in process (leave socket empty)\n'],
    [['run', '--trace', '/nonexistent-dir/t.jsonl'], "virtio-lab: --trace: cannot open '/nonexistent-dir/t.jsonl': ENOENT\n"],
    // a real-fabric run writes its trace too: the file is opened before the server is joined
    [['run', '--attach', '/tmp/vlab-no-such-dir/s', '--trace', '/nonexistent-dir/t.jsonl'], "virtio-lab: --trace: cannot open '/nonexistent-dir/t.jsonl': ENOENT\n"],
    [['run', '--stdin'], 'virtio-lab: --stdin applies to the attached and hosted fabrics (wall clock); an emulated run takes no typed input\n'],
    [['run', '--stdin=yes'], 'virtio-lab: --stdin takes no value\n'],
    [['serve', '--host', '0.0.0.0'], 'virtio-lab: --host 0.0.0.0 is not loopback: pass --token too\n'],
    [['serve', '--host', 'bad host!'], "virtio-lab: --host must be an IP address or a host name, got 'bad host!'\n"],
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
    expect(r.err).toBe('')
  })

  it('no arguments: the usage on stderr, exit 2 (a usage error)', async () => {
    const r = await cli()
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toContain('virtio-lab run   [options]')
  })

  it('an address that cannot be bound exits 2 with one line', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface here
    const r = await cli('serve', '--host', '192.0.2.1', '--token', 't', '--port', '0')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/^virtio-lab: [^\n]*192\.0\.2\.1[^\n]*\n$/)
  })

  it('--trace to a target that takes no writes fails before the run and names the file', async () => {
    // /dev/full opens but every write fails (ENOSPC); the header is written before emulation starts
    let consoled = false
    const io: Io = { out: () => (consoled = true), err: (s) => (err += s) }
    let err = ''
    const code = await main(['run', '--trace', '/dev/full', '--until', '10s'], io)
    expect(code).toBe(2)
    expect(err).toBe("virtio-lab: --trace: cannot write '/dev/full': ENOSPC\n")
    expect(consoled).toBe(false)
  })
})

describe('encodings: messages in UTF-8, console bytes raw', () => {
  afterEach(() => vi.restoreAllMocks())

  it('--help and errors are written as UTF-8, console bytes as latin1 (one byte per char)', async () => {
    const writes: { fd: 'out' | 'err'; bytes: Buffer }[] = []
    const spy = (fd: 'out' | 'err') => (chunk: string | Uint8Array, enc?: unknown) => {
      writes.push({ fd, bytes: typeof chunk === 'string' ? Buffer.from(chunk, (enc as BufferEncoding) ?? 'utf8') : Buffer.from(chunk) })
      return true
    }
    vi.spyOn(process.stdout, 'write').mockImplementation(spy('out') as never)
    vi.spyOn(process.stderr, 'write').mockImplementation(spy('err') as never)
    expect(await main(['--help'])).toBe(0)
    const help = Buffer.concat(writes.filter((w) => w.fd === 'out').map((w) => w.bytes))
    expect(help.toString('utf8')).toContain('virtio-lab — Virtio Serial Lab')
    expect(help.includes(Buffer.from([0xe2, 0x80, 0x94]))).toBe(true) // '—' as UTF-8
    writes.length = 0
    expect(await main(['run', '--speed', 'fast'])).toBe(2)
    expect(Buffer.concat(writes.map((w) => w.bytes)).toString('utf8')).toBe("virtio-lab: --speed: speed must be 'max' or a number like 1, 10, ×100 (got 'fast')\n")
    writes.length = 0
    // the console: a byte 0xff typed into the device comes back as the single byte 0xff
    expect(await main(['run', '--console', 'device', '--until', '9s', '--quiet', '--order', 'device-only'])).toBe(0)
    const out = Buffer.concat(writes.filter((w) => w.fd === 'out').map((w) => w.bytes))
    expect(out.toString('latin1')).toContain('*** Booting Zephyr OS')
    expect(out.length).toBe(out.toString('latin1').length)
  })
})
