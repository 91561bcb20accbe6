// The app's console logs (src/host/console-log-control.ts) on a real LabService: started mid-run
// (from the next byte), restarts marked, stopped, a file that cannot be opened, a write that fails.
import { closeSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConsoleLogControl } from '../../src/host/console-log-control'
import { LabService } from '../../src/host/service'
import { S } from '../helpers'

const NOW = () => new Date('2026-12-02T07:30:00.000Z')
const HEAD = '── instance_1 log opened 2026-12-02T07:30:00.000Z, virtio-lab app, profile seed ──\n'
const tmp = () => mkdtempSync(join(tmpdir(), 'vlab-logctl-'))

function step(svc: LabService, to: number): void {
  for (let t = svc.session.clock.now + 50e6; t <= to; t += 50e6) {
    svc.session.run(t)
    svc.flush()
  }
}

describe('ConsoleLogControl', () => {
  it('started mid-run it logs from the next byte on, a restart marked at its offset', () => {
    const svc = new LabService({ restarts: [{ side: 'device', at: 5 * S }] })
    let changes = 0
    const ctl = new ConsoleLogControl(svc, { now: NOW, onChange: () => changes++ })
    step(svc, 2 * S)
    const p = join(tmp(), 'd.log')
    expect(ctl.start('device', p)).toEqual({ ok: true })
    const from = svc.session.consoles.device.total
    expect(from).toBeGreaterThan(0)
    step(svc, 8 * S)
    expect(ctl.status('device')).toEqual({ path: p, bytes: svc.session.consoles.device.total - from, error: null })
    expect(ctl.status('driver')).toBeNull()
    const text = svc.session.consoleText('device')
    const m = svc.session.consoles.device.marks[0]!
    const lf = text[m.seq - 1] === '\n' ? '' : '\n'
    expect(readFileSync(p, 'utf8')).toBe(HEAD + text.slice(from, m.seq) + lf + `── ${m.text} ──\n` + text.slice(m.seq))
    expect(changes).toBe(1)
    svc.dispose()
  })

  it('stop closes the log: later bytes are not written', () => {
    const svc = new LabService()
    const ctl = new ConsoleLogControl(svc, { now: NOW })
    const p = join(tmp(), 's.log')
    ctl.start('device', p)
    step(svc, 10 * S)
    ctl.stop('device')
    const at = svc.session.consoles.device.total
    step(svc, 12 * S)
    expect(svc.session.consoles.device.total).toBeGreaterThan(at) // the Hello lines go on
    expect(readFileSync(p, 'utf8')).toBe(HEAD + svc.session.consoleText('device').slice(0, at))
    expect(ctl.status('device')).toBeNull()
    svc.dispose()
  })

  it('a file that cannot be opened: ok false with the errno, nothing logged', () => {
    const svc = new LabService()
    const ctl = new ConsoleLogControl(svc, { now: NOW })
    const p = join(tmp(), 'missing', 'x.log')
    expect(ctl.start('driver', p)).toEqual({ ok: false, message: `cannot open the instance_2 console log '${p}': ENOENT` })
    expect(ctl.status('driver')).toBeNull()
    svc.dispose()
  })

  it('a write that fails later: the log stops, the status says why, the trace has a CONSOLE_LOG error', () => {
    const svc = new LabService()
    const ctl = new ConsoleLogControl(svc, { now: NOW })
    const p = join(tmp(), 'e.log')
    ctl.start('device', p)
    step(svc, 1 * S)
    const internal = ctl as unknown as { logs: { device?: { log: { fd: number } } } }
    closeSync(internal.logs.device!.log.fd)
    expect(() => step(svc, 3 * S)).not.toThrow()
    expect(ctl.status('device')).toEqual({ path: p, bytes: 0, error: `cannot write the instance_1 console log '${p}': EBADF` })
    const tr = svc.session.trace
    const errs = tr.slice(tr.first, tr.n - tr.first).filter((e) => e.k === 'error' && e.code === 'CONSOLE_LOG')
    expect(errs).toHaveLength(1)
    expect(errs[0]).toMatchObject({ side: 'device', errno: 'EBADF' })
    svc.dispose()
  })
})
