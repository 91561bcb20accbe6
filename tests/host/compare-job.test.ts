// compare() (#9 deliverable 8): both profiles run off the tick loop in slices, with progress
// events, cancel, one at a time, emulated fabric only; the result is the CLI's comparison.
import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { compareJob } from '../../src/host/compare-job'
import { compareProfiles } from '../../src/lab/compare'
import type { LabEvent } from '../../src/shared/contract'
import { S, scenario } from '../helpers'

let svc: LabService | null = null
afterEach(() => {
  svc?.dispose()
  svc = null
})

const progress = (s: LabService) => {
  const ev: Extract<LabEvent, { type: 'compare' }>[] = []
  s.subscribe((e) => void (e.type === 'compare' && ev.push(e)))
  return ev
}

describe('LabService.compare', () => {
  it('returns the divergences register by register, fact by fact and step by step, with progress', async () => {
    svc = new LabService({ speed: 'max' }, { compare: { until: 4 * S, sliceMs: 1, progressMs: 0 } })
    const ev = progress(svc)
    // the event loop keeps turning while the compare runs (timers fire between its slices)
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const r = await svc.compare()
    clearInterval(timer)
    expect(ticks).toBeGreaterThan(1)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.registers.find((x) => x.reg === 'Version')).toMatchObject({ off: 0x004, seed: '0x1', spec: '0x2', q: 'Q1' })
    expect(r.registers.find((x) => x.reg === 'QueuePFN')).toMatchObject({ off: 0x040, seed: '0xaabbaabb', q: 'Q3' })
    const st = r.events.find((e) => e.what === 'Status stores by the driver')!
    expect(st.seedAt).toMatchObject({ k: 'store', text: 'Status ← 0x1' })
    expect(st.specAt).toMatchObject({ k: 'store', text: 'Status ← 0x0' })
    const first = r.steps.find((x) => x.kind === 'register store')!
    expect(first).toMatchObject({ n: 0, q: 'Q9' })
    expect(first.seed!.t).toBeGreaterThan(0)
    expect(first.spec!.text).toBe('Status ← 0x0') // the spec driver resets first (§3.1.1)
    for (const x of r.steps) expect(x.q).toMatch(/^Q\d+$/)
    // the sliced run is the same computation as the CLI's
    const cli = compareProfiles(scenario(), 4 * S)
    expect({ registers: r.registers, events: r.events, steps: r.steps }).toEqual({ registers: cli.registers, events: cli.events, steps: cli.steps })
    // progress: seed then spec, fraction never goes back
    expect(ev.length).toBeGreaterThan(2)
    expect(ev[0]!.profile).toBe('seed')
    expect(ev.at(-1)!.profile).toBe('spec')
    for (let k = 1; k < ev.length; k++) expect(ev[k]!.fraction).toBeGreaterThanOrEqual(ev[k - 1]!.fraction)
  })

  it('cancel stops it; a second compare while one runs is refused; cancel with none running is false', async () => {
    svc = new LabService({ speed: 'max' }, { compare: { until: 20 * S, sliceMs: 1, progressMs: 0 } })
    expect(await svc.cancelCompare()).toBe(false)
    const ev = progress(svc)
    const a = svc.compare()
    expect(await svc.compare()).toMatchObject({ ok: false, code: 'COMPARE_BUSY' })
    await new Promise<void>((res) => {
      const u = svc!.subscribe((e) => {
        if (e.type === 'compare') {
          u()
          res()
        }
      })
    })
    expect(await svc.cancelCompare()).toBe(true)
    const r = await a
    expect(r).toMatchObject({ ok: false, code: 'COMPARE_CANCELLED' })
    if (!r.ok) expect(r.message).toMatch(/cancelled in the (seed|spec) run at t = /)
    expect(ev.at(-1)!.fraction).toBeLessThan(1)
    // a new one can start after
    expect(await svc.cancelCompare()).toBe(false)
  })

  it('progress events are spaced (one per progressMs of wall time)', async () => {
    svc = new LabService({ speed: 'max' }, { compare: { until: 2 * S, sliceMs: 1, progressMs: 3_600_000 } })
    const ev = progress(svc)
    expect((await svc.compare()).ok).toBe(true)
    expect(ev).toHaveLength(1)
  })

  it('refuses a real fabric with the reason', async () => {
    const r = await compareJob(scenario({ fabric: 'attached', socket: '/tmp/ivshmem_socket' }))
    expect(r).toMatchObject({ ok: false, code: 'COMPARE_REAL_FABRIC' })
    if (!r.ok) expect(r.message).toMatch(/emulated fabric/)
  })
})
