// Time travel: registers and rings "as they were" right after trace event i must equal what a
// second, identical session holds when it has emitted exactly i + 1 events (determinism).
import { describe, expect, it } from 'vitest'
import { LabSession } from '../../src/lab/session'
import { historicalInput, TimeTravelError } from '../../src/lab/snapshot'
import { S, scenario } from '../helpers'

function at(until: number) {
  const s = new LabSession(scenario(), { trace: { keep: 1_000_000 } })
  s.run(until)
  return s
}

describe('historicalInput', () => {
  const live = at(10 * S)

  it('reconstructs shm exactly at scheduler-event boundaries, memsets included', () => {
    const ref = new LabSession(scenario(), { trace: { keep: 1_000_000 } })
    let checked = 0
    // walk the reference forward and compare at a spread of points, including before the device wipe
    while (ref.sched.now < 10 * S && ref.step()) {
      const i = ref.trace.n - 1
      if (i < 0 || ref.sched.executed % 13 !== 3) continue
      const past = historicalInput(live, i)
      expect(Buffer.compare(Buffer.from(past.shm.read(0, 0x110000)), Buffer.from(ref.shm.read(0, 0x110000)))).toBe(0)
      checked++
    }
    expect(checked).toBeGreaterThan(20)
  })

  it('last writers are those of that moment', () => {
    const pfn = live.trace.slice(0, live.trace.n).find((e) => e.k === 'store' && e.name === 'QueuePFN' && e.side === 'driver')!
    const past = historicalInput(live, pfn.i)
    expect(past.shm.r32(0x40)).toBe(0xafb01)
    expect(past.regMeta(0x40)).toEqual({ lastWriter: 'driver', lastWriteT: pfn.t, lastWriteEvent: pfn.i })
    expect(live.shm.r32(0x40)).toBe(0xaabbaabb)
  })

  it('refuses events outside the kept trace', () => {
    expect(() => historicalInput(live, live.trace.n)).toThrow(TimeTravelError)
    expect(() => historicalInput(live, -1)).toThrow(expect.objectContaining({ code: 'TIME_TRAVEL_RANGE' }))
  })
})
