// Issue #10 item 1: continuous console logs (src/host/console-log.ts) with real files in a tmp dir:
// bytes exact, restart markers, append, timestamps, written before close, errno codes.
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, chmodSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConsoleLog, ConsoleLogError, ConsoleLogFeed, stamp } from '../../src/host/console-log'
import { LabService } from '../../src/host/service'
import type { LabEvent } from '../../src/shared/contract'
import { S } from '../helpers'

const NOW = () => new Date('2026-12-02T07:30:00.000Z')
const HEAD = (inst: string, label = '') => `── ${inst} log opened 2026-12-02T07:30:00.000Z${label} ──\n`
/** the file as text: the lab's lines are UTF-8, the guest's bytes here ASCII */
const read = (p: string) => readFileSync(p, 'utf8')
const open: ConsoleLog[] = []
const tmp = () => mkdtempSync(join(tmpdir(), 'vlab-log-'))
function log(...a: ConstructorParameters<typeof ConsoleLog>): ConsoleLog {
  const l = new ConsoleLog(a[0], a[1], { now: NOW, ...a[2] })
  open.push(l)
  return l
}
/** the errno code a ConsoleLog constructor threw */
function openError(path: string): ConsoleLogError {
  try {
    log('device', path)
  } catch (e) {
    expect(e).toBeInstanceOf(ConsoleLogError)
    return e as ConsoleLogError
  }
  throw new Error(`opening '${path}' did not fail`)
}

afterEach(() => {
  for (const l of open.splice(0)) l.close()
})

describe('ConsoleLog', () => {
  it('writes the bytes exactly (latin1, every byte value), each write on disk before close', () => {
    const p = join(tmp(), 'a.log')
    const l = log('device', p, { label: 'test' })
    expect(read(p)).toBe(HEAD('instance_1', ', test'))
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')
    l.write('boot\r\n', 0)
    l.write(all, 1)
    // no close: the file already holds what was written (a crash loses nothing written)
    expect(readFileSync(p)).toEqual(Buffer.concat([Buffer.from(HEAD('instance_1', ', test') + 'boot\r\n'), Buffer.from(all, 'latin1')]))
    expect(readFileSync(p).subarray(-256)).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)))
    expect(l.bytes).toBe(6 + 256)
  })

  it('a marker gets a line of its own: after a newline when a line is half printed', () => {
    const p = join(tmp(), 'm.log')
    const l = log('driver', p)
    l.write('whole\n', 0)
    l.marker('instance_2 restarted at 7.000 s, peer 3')
    l.write('half pri', 0)
    l.marker('instance_2 restarted at 8.000 s,\nforged line')
    l.write('*** Booting\n', 0)
    expect(read(p)).toBe(
      HEAD('instance_2') + 'whole\n── instance_2 restarted at 7.000 s, peer 3 ──\nhalf pri\n── instance_2 restarted at 8.000 s, forged line ──\n*** Booting\n'
    )
  })

  it('appends to an existing file (picocom --logfile)', () => {
    const p = join(tmp(), 'ap.log')
    writeFileSync(p, 'earlier run\n')
    const l = log('device', p)
    l.write('x', 0)
    l.close()
    const l2 = log('device', p)
    l2.write('y\n', 0)
    expect(read(p)).toBe('earlier run\n' + HEAD('instance_1') + 'x' + HEAD('instance_1') + 'y\n')
  })

  it('--log-timestamps: each line starts with its virtual time, [s.uuuuuu] as the console pane', () => {
    const p = join(tmp(), 't.log')
    const l = log('device', p, { timestamps: true })
    l.write('ab', 1.5 * S)
    l.write('c\nde\n', 2 * S) // 'c' continues the line of 1.5 s; 'de' begins at 2 s
    l.write('\n', 3 * S)
    l.marker('m')
    l.write('f', 12.345678 * S)
    expect(stamp(12.345678 * S)).toBe('[  12.345678] ')
    expect(read(p)).toBe(HEAD('instance_1') + '[   1.500000] abc\n[   2.000000] de\n[   3.000000] \n── m ──\n[  12.345678] f')
  })

  it('open errors carry the errno: ENOENT (no such directory), EACCES, ENOSPC (full disk at the opening line), EISDIR', () => {
    const d = tmp()
    expect(openError(join(d, 'missing', 'x.log')).code).toBe('ENOENT')
    expect(openError(join(d, 'missing', 'x.log')).message).toBe(`cannot open the instance_1 console log '${join(d, 'missing', 'x.log')}': ENOENT`)
    expect(openError(d).code).toBe('EISDIR')
    if (existsSync('/dev/full')) {
      const e = openError('/dev/full')
      expect(e.code).toBe('ENOSPC')
      expect(e.message).toMatch(/^cannot write the instance_1 console log '\/dev\/full': ENOSPC$/)
    }
    // root ignores file modes: a sysfs file refuses writes even to root
    const ro = join(d, 'ro')
    mkdirSync(ro)
    chmodSync(ro, 0o500)
    const target = process.getuid?.() === 0 ? '/sys/kernel/notes' : join(ro, 'x.log')
    if (existsSync(target) || target.startsWith(ro)) expect(openError(target).code).toBe('EACCES')
  })

  it('a write that fails later stops the log, reports once, never throws', () => {
    const p = join(tmp(), 'late.log')
    const errs: ConsoleLogError[] = []
    const l = log('device', p, { onError: (e) => errs.push(e) })
    l.write('ok\n', 0)
    closeSync((l as unknown as { fd: number }).fd) // the descriptor goes bad under the log
    expect(() => l.write('lost\n', 0)).not.toThrow()
    expect(() => l.marker('after')).not.toThrow()
    l.write('more', 0)
    expect(errs.map((e) => e.code)).toEqual(['EBADF'])
    expect(l.error?.message).toBe(`cannot write the instance_1 console log '${p}': EBADF`)
    expect(l.open).toBe(false)
    expect(read(p)).toBe(HEAD('instance_1') + 'ok\n')
  })
})

describe('ConsoleLogFeed on the service (serve, the app)', () => {
  it('logs the published console exactly, restarts at their offsets, a reset as a new-run line', async () => {
    const svc = new LabService({ until: 9 * S, restarts: [{ side: 'device', at: 3 * S }, { side: 'device', at: 3.01 * S }, { side: 'device', at: 6 * S }] })
    const p = join(tmp(), 'svc.log')
    const feed = new ConsoleLogFeed(log('device', p))
    const pushes: LabEvent[] = []
    svc.tapConsole((e) => {
      pushes.push(e)
      feed.push(e)
    })
    for (let t = 50e6; t <= 9 * S; t += 50e6) {
      svc.session.run(t)
      svc.flush()
    }
    const s = svc.session
    let want = HEAD('instance_1')
    const text = s.consoleText('device')
    let from = 0
    for (const m of s.consoles.device.marks) {
      want += text.slice(from, m.seq) + (m.seq > 0 && text[m.seq - 1] !== '\n' ? '\n' : '') + `── ${m.text} ──\n`
      from = m.seq
    }
    want += text.slice(from)
    expect(s.consoles.device.marks).toHaveLength(3)
    expect(read(p)).toBe(want)
    // pushes replayed (a duplicate delivery) add nothing
    for (const e of pushes) feed.push(e)
    expect(read(p)).toBe(want)
    // a reset: a new run, from its offset 0
    await svc.control({ cmd: 'reset' })
    svc.session.run(1 * S)
    svc.flush()
    expect(read(p)).toBe(want + (want.endsWith('\n') ? '' : '\n') + '── new run (reset), profile seed, order device-first ──\n' + svc.session.consoleText('device'))
    svc.dispose()
  })

  it('ignores the other side, and says when bytes were not logged', () => {
    const p = join(tmp(), 'gap.log')
    const feed = new ConsoleLogFeed(log('driver', p))
    feed.push({ type: 'console', side: 'device', data: 'dev', seq: 0 })
    feed.push({ type: 'console', side: 'driver', data: 'ab\n', seq: 0 })
    feed.push({ type: 'console', side: 'driver', data: 'ef\n', seq: 5 })
    expect(read(p)).toBe(HEAD('instance_2') + 'ab\n── 2 byte(s) not logged ──\nef\n')
  })
})
