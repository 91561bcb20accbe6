// injectFault on the service (docs/spec-profile.md §7): a fault applied to the running session
// now, in both profiles; the reply says what was done; bad kinds are refused with a code.
import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { dispatch, LabRequestError } from '../../src/host/validate'
import type { FaultKind, LabEvent, TraceEvent } from '../../src/shared/contract'

let svc: LabService | null = null
afterEach(() => {
  svc?.dispose()
  svc = null
})

const MS = 1e6
const S = 1e9

/** a paused service (no timers), its session run by hand; pushed trace events collected */
async function paused(cfg: ConstructorParameters<typeof LabService>[0]) {
  const s = new LabService(cfg)
  svc = s
  await s.control({ cmd: 'pause' })
  const pushed: TraceEvent[] = []
  s.subscribe((e: LabEvent) => e.type === 'trace' && pushed.push(...e.events))
  return { s, pushed, errors: () => s.session.trace.slice(0, s.session.trace.n).filter((e) => e.k === 'error') }
}

describe('injectFault', () => {
  it('spec profile: bad-head now -> the device reports InvalidDescriptorIndex; the fault event is pushed at once', async () => {
    const { s, pushed, errors } = await paused({ profile: 'spec', shmSize: 64 * 1024 })
    s.session.run(2 * S)
    const r = await s.injectFault('bad-head')
    expect(r).toMatchObject({ kind: 'bad-head', applied: true, t: 2 * S })
    expect(r.detail).toMatch(/^bad-head on transmitq \(desc \d+\), expect InvalidDescriptorIndex$/)
    expect(pushed.filter((e) => e.op === 'fault')).toEqual([expect.objectContaining({ kind: 'bad-head', applied: true, detail: r.detail, t: 2 * S })])
    s.session.run(2 * S + 300 * MS)
    expect(errors()[0]).toMatchObject({ side: 'device', code: 'InvalidDescriptorIndex' })
  })

  it('seed profile: bad-head arms the next chain; the device prints "Invalid descriptor! "', async () => {
    const { s, errors } = await paused({})
    s.session.run(9.5 * S)
    const r = await s.injectFault('bad-head')
    expect(r).toEqual({ kind: 'bad-head', applied: true, detail: 'armed: the next transmitq chain the driver lays gets bad-head', t: 9.5 * S })
    s.session.run(11 * S)
    expect(s.session.consoleText('device')).toContain("I'm qInvalid descriptor! \r\n")
    expect(errors().map((e) => e.code)).toContain('InvalidDescriptorIndex')
  })

  it('a kind that cannot act yet answers applied false with the reason (not an error)', async () => {
    const { s } = await paused({})
    s.session.run(2 * S)
    expect(await s.injectFault('stale-used-id')).toEqual({
      kind: 'stale-used-id',
      applied: false,
      detail: 'not applicable now: the seed device is not serving transmitq yet',
      t: 2 * S
    })
  })

  it('fabric kinds act in either profile: drop-doorbell drops the next doorbell', async () => {
    const { s } = await paused({})
    s.session.run(9.5 * S)
    expect(await s.injectFault('drop-doorbell')).toMatchObject({ applied: true, detail: 'the next doorbell will be dropped' })
    s.session.run(9.6 * S)
    const ev = s.session.trace.slice(0, s.session.trace.n).filter((e) => e.op === 'fault')
    expect(ev.map((e) => e.detail)).toEqual(['the next doorbell will be dropped', 'doorbell 0x0 from peer 1 dropped'])
  })

  it('refuses an unknown kind with FAULT_KIND (direct call) and a request error (transport)', async () => {
    const { s } = await paused({})
    await expect(s.injectFault('bad-heap' as FaultKind)).rejects.toMatchObject({ code: 'FAULT_KIND', message: expect.stringMatching(/^injectFault: kind must be one of drop-doorbell, .* \(got 'bad-heap'\)$/) })
    await expect(dispatch(s, 'injectFault', ['bad-heap'])).rejects.toBeInstanceOf(LabRequestError)
    expect(s.session.trace.slice(0, s.session.trace.n).some((e) => e.op === 'fault')).toBe(false)
  })
})

describe('a kind whose side is not in this lab', () => {
  it('is refused with FAULT_NOT_APPLICABLE (order device-only: no driver for ring faults); device kinds still act', async () => {
    const { s } = await paused({ order: 'device-only' })
    s.session.run(2 * S)
    await expect(s.injectFault('bad-head')).rejects.toMatchObject({
      code: 'FAULT_NOT_APPLICABLE',
      message: 'injectFault: bad-head: no driver in this lab (order device-only): ring faults act on the driver’s chains'
    })
    expect(await s.injectFault('device-stall')).toMatchObject({ applied: true })
  })
})

describe('injected faults in a saved trace', () => {
  it('are marked injected and applied again by a replay: every event matches', async () => {
    const { s } = await paused({})
    s.session.run(9.5 * S)
    await s.injectFault('bad-head')
    s.session.run(10 * S)
    const saved = s.session.trace.slice(0, s.session.trace.n)
    expect(saved.filter((e) => e.op === 'fault')[0]).toMatchObject({ kind: 'bad-head', injected: true })
    const r = await s.loadTrace(saved)
    expect(r).toEqual({ ok: true, message: expect.stringMatching(new RegExp(`^replayed to 9\\.990 s: all ${saved.length} events match the file$`)) })
    expect(s.session.consoleText('device')).toContain("I'm qInvalid descriptor! \r\n")
  })
})
