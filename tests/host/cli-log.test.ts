// Issue #10 item 1, the CLI side: --log-file SIDE=FILE, --log-dir DIR, --log-timestamps on `run`;
// bad flags and files that cannot be opened or written: one line on stderr, exit 2.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from './cli-io'

const tmp = () => mkdtempSync(join(tmpdir(), 'vlab-cli-log-'))
const OPENED = /^── instance_1 log opened \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, virtio-lab run, profile seed, order device-first ──\n/

describe('virtio-lab run --log-*', () => {
  it('--log-dir: instance_1.log holds exactly the device console bytes, the restart marked between them', async () => {
    const d = tmp()
    const ref = await cli('run', '--console', 'device', '--until', '8s', '--restart', 'device@4s', '--quiet')
    const r = await cli('run', '--console', 'device', '--until', '8s', '--restart', 'device@4s', '--quiet', '--log-dir', d)
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    expect(r.out).toBe(ref.out) // stdout is unchanged by logging
    // the device console is ASCII: the file reads as UTF-8 (the lab's lines are UTF-8)
    const log = readFileSync(join(d, 'instance_1.log'), 'utf8')
    const head = OPENED.exec(log)
    expect(head).not.toBeNull()
    const body = log.slice(head![0].length)
    // the restart came after a complete line: no newline of the lab's before the marker
    const marker = /── instance_1 restarted at 4\.000 s, peer \d+ ──\n/
    expect(body.match(new RegExp(marker.source, 'g'))).toHaveLength(1)
    const [before, after] = body.split(marker)
    expect(before).toMatch(/\n$/)
    expect(before! + after!).toBe(ref.out)
    expect(after).toMatch(/^\*\*\* Booting Zephyr/)
    // the driver's log: the lab's diagnostic lines for instance_2
    expect(readFileSync(join(d, 'instance_2.log'), 'utf8')).toMatch(/^── instance_2 log opened .* ──\n\[lab\] /)
  })

  it('--log-file SIDE=FILE with --log-timestamps: every line begins with its virtual time', async () => {
    const d = tmp()
    const p = join(d, 'dev.log')
    const r = await cli('run', '--until', '3s', '--quiet', '--log-file', `instance_1=${p}`, '--log-timestamps')
    expect(r.code).toBe(0)
    expect(existsSync(join(d, 'instance_2.log'))).toBe(false)
    const lines = readFileSync(p, 'utf8').split('\n').slice(1).filter(Boolean)
    expect(lines.length).toBeGreaterThan(5)
    for (const l of lines) expect(l).toMatch(/^\[ {2,3}\d\.\d{6}\] /)
    expect(lines[0]).toMatch(/^\[ {3}0\.\d{6}\] \*\*\* Booting Zephyr/)
  })

  it('bad log flags and unusable files: one line on stderr, exit 2, nothing run', async () => {
    const d = tmp()
    const cases: [string[], RegExp][] = [
      [['--log-file', 'x.log'], /^virtio-lab: --log-file must be SIDE=FILE with SIDE device, driver, instance_1 or instance_2, got 'x\.log'\n$/],
      [['--log-file', 'host=x.log'], /^virtio-lab: --log-file must be SIDE=FILE/],
      [['--log-file', `device=${d}/a`, '--log-file', `device=${d}/b`], /^virtio-lab: --log-file: the device console is already logged to '.*\/a'\n$/],
      [['--log-timestamps'], /^virtio-lab: --log-timestamps needs --log-file or --log-dir\n$/],
      [['--log-dir', join(d, 'missing')], /^virtio-lab: cannot open the instance_1 console log '.*\/missing\/instance_1\.log': ENOENT\n$/],
      [['--log-file', `driver=${d}`], /^virtio-lab: cannot open the instance_2 console log '.*': EISDIR\n$/]
    ]
    if (existsSync('/dev/full')) cases.push([['--log-file', 'device=/dev/full'], /^virtio-lab: cannot write the instance_1 console log '\/dev\/full': ENOSPC\n$/])
    for (const [flags, msg] of cases) {
      const r = await cli('run', '--until', '1s', ...flags)
      expect(r.code, flags.join(' ')).toBe(2)
      expect(r.err, flags.join(' ')).toMatch(msg)
      expect(r.out).toBe('')
    }
  })

  it('a failing second log closes the first; --help and the README table list the log options', async () => {
    const d = tmp()
    const r = await cli('run', '--until', '1s', '--log-file', `device=${join(d, 'ok.log')}`, '--log-file', `driver=${join(d, 'no', 'x.log')}`)
    expect(r.code).toBe(2)
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1)
    expect(readFileSync(join(d, 'ok.log'), 'utf8')).toMatch(/^── instance_1 log opened .* ──\n$/)
    const h = await cli('--help')
    for (const f of ['--log-file SIDE=FILE', '--log-dir DIR', '--log-timestamps']) expect(h.out).toContain(f)
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain('| `--log-file SIDE=FILE` | run, serve: append')
  })
})
