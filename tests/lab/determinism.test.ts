import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { S, scenario } from '../helpers'
import type { ScenarioConfig } from '../../src/shared/contract'

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

  it('speed does not change what happens', () => {
    expect(traceOf({ speed: 1 }, 10 * S)).toBe(traceOf({ speed: 'max' }, 10 * S))
  })
})
