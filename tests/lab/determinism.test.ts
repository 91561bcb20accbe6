import { describe, expect, it, vi } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { LabService } from '../../src/host/service'
import { S, scenario } from '../helpers'
import type { ScenarioConfig, Speed } from '../../src/shared/contract'

function traceOf(p: Partial<ScenarioConfig>, until: number): string {
  const out: string[] = []
  const s = new LabSession(scenario(p), { trace: { sink: (l) => out.push(l) } })
  s.run(until)
  return out.join('\n')
}

describe('determinism', () => {
  it('same scenario, same trace, byte for byte', () => {
    const a = traceOf({}, 12 * S)
    const b = traceOf({}, 12 * S)
    expect(a.length).toBeGreaterThan(100_000)
    expect(a).toBe(b)
  })

  it('also with restarts and leftover shm', () => {
    const p: Partial<ScenarioConfig> = { order: 'driver-first', shmState: 'leftover', restarts: [{ side: 'driver', at: 3 * S }] }
    expect(traceOf(p, 8 * S)).toBe(traceOf(p, 8 * S))
  })

  it('a different latency changes the trace (the test can fail)', () => {
    expect(traceOf({ latency: 1000 }, 10 * S)).not.toBe(traceOf({ latency: 2000 }, 10 * S))
  })

})

/** The LabService paces the session against the wall clock: at speed N each tick runs to "wall time
 *  elapsed × N", at max it runs 50 ms virtual slices capped by a wall budget. Fake timers make the
 *  wall clock step in 17 ms ticks, so each speed cuts the same virtual run into different slices. */
async function serviceTrace(speed: Speed, until: number): Promise<string> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
  const svc = new LabService({ ...scenario({ speed }), until })
  try {
    svc.start()
    // ticks are 17 ms of (fake) wall time; run them until the service has reached `until`
    for (let i = 0; svc.session.sched.now < until; i++) {
      if (i > 100_000) throw new Error(`speed ${speed}: stuck at ${svc.session.sched.now} ns`)
      await vi.advanceTimersByTimeAsync(17)
    }
    const tr = svc.session.trace
    return JSON.stringify(tr.slice(0, tr.n))
  } finally {
    svc.dispose()
    vi.useRealTimers()
  }
}

describe('determinism across speeds (the LabService slices virtual time by wall time)', () => {
  const until = 11 * S // past DRIVER_OK (driver starts at 1 s) and through the first Hello line
  it('speed does not change what happens: x1, x7 and max give the same trace as one run()', async () => {
    const s = new LabSession(scenario({ until }), { trace: { keep: 200_000 } })
    s.start()
    s.run(until)
    const direct = JSON.stringify(s.trace.slice(0, s.trace.n))
    expect(direct.length).toBeGreaterThan(100_000)
    for (const speed of [1, 7, 'max'] as const) expect(await serviceTrace(speed, until), `speed ${speed}`).toBe(direct)
  })
})
