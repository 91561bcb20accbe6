import { describe, expect, it } from 'vitest'
import { DEFAULT_SCENARIO, LAB_METHODS } from '../../src/shared/contract'
import {
  dispatch,
  LabRequestError,
  parseScenarioPatch,
  scenarioConfigSchema,
  validateCall
} from '../../src/host/validate'
import { FakeLab } from './fake-lab'

const msg = (method: string, params: unknown): string => {
  try {
    validateCall(method, params)
  } catch (e) {
    expect(e).toBeInstanceOf(LabRequestError)
    return (e as Error).message
  }
  throw new Error(`expected ${method} ${JSON.stringify(params)} to be refused`)
}

describe('validateCall: configure', () => {
  it('accepts the default scenario and partials', () => {
    expect(validateCall('configure', [DEFAULT_SCENARIO]).args[0]).toEqual(DEFAULT_SCENARIO)
    expect(validateCall('configure', [{}]).args[0]).toEqual({})
    expect(validateCall('configure', [{ speed: 'max', vectors: 64, shmSize: 1 << 30, until: null }]).args).toHaveLength(1)
    expect(scenarioConfigSchema.safeParse(DEFAULT_SCENARIO).success).toBe(true)
  })

  it('names the field, the rule and the value', () => {
    expect(msg('configure', [{ vectors: 65 }])).toBe('configure: vectors must be an integer 1..64 (got 65)')
    expect(msg('configure', [{ vectors: 0 }])).toBe('configure: vectors must be an integer 1..64 (got 0)')
    expect(msg('configure', [{ vectors: 2.5 }])).toBe('configure: vectors must be an integer 1..64 (got 2.5)')
    expect(msg('configure', [{ vectors: '2' }])).toBe('configure: vectors must be an integer 1..64 (got "2")')
  })

  it('shmSize must be a power of two 64 KiB..1 GiB', () => {
    for (const ok of [65536, 1 << 20, 4 << 20, 1 << 30]) expect(() => validateCall('configure', [{ shmSize: ok }])).not.toThrow()
    for (const bad of [32768, 100_000, 3 << 20, 2 ** 31, -65536]) {
      expect(msg('configure', [{ shmSize: bad }])).toMatch(/^configure: shmSize must be a power of two .* \(got -?\d+\)$/)
    }
  })

  it('speed is max or 0.01..10000', () => {
    for (const ok of ['max', 0.01, 1, 10000, 2.5]) expect(() => validateCall('configure', [{ speed: ok }])).not.toThrow()
    for (const bad of [0, 0.001, 10001, 'fast', Number.NaN, null]) {
      expect(msg('configure', [{ speed: bad }])).toMatch(/^configure: speed must be 'max' or a number 0\.01\.\.10000/)
    }
  })

  it('ns fields are bounded non-negative integers', () => {
    expect(msg('configure', [{ latency: -1 }])).toMatch(/^configure: latency must be an integer number of ns/)
    expect(msg('configure', [{ latency: 1e9 + 1 }])).toBe('configure: latency must be an integer number of ns 0..1000000000 (got 1000000001)')
    expect(msg('configure', [{ until: 0 }])).toMatch(/^configure: until must be null or an integer number of ns 1\.\./)
    expect(msg('configure', [{ gap: 0.5 }])).toMatch(/^configure: gap must be/)
    expect(msg('configure', [{ until: -5 }])).toMatch(/^configure: until must be null or/)
    expect(validateCall('configure', [{ latency: 0, gap: 0, until: 5_000_000_000 }]).args[0]).toBeTruthy()
  })

  it('enums and restarts', () => {
    expect(msg('configure', [{ order: 'both' }])).toMatch(/^configure: order must be one of 'device-first'/)
    expect(msg('configure', [{ profile: 'nope' }])).toBe("configure: profile must be 'seed' or 'spec' (got \"nope\")")
    expect(msg('configure', [{ shmState: 'dirty' }])).toMatch(/shmState must be 'fresh' or 'leftover'/)
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: 1 }, { side: 'x', at: 1 }] }])).toBe(
      "configure: restarts[1].side must be 'device' or 'driver' (got \"x\")"
    )
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: -1 }] }])).toMatch(/^configure: restarts\[0\]\.at must be/)
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: 1, extra: 1 }] }])).toBe(
      "configure: unknown field 'extra' in restarts[0]"
    )
    expect(msg('configure', [{ restarts: 'none' }])).toMatch(/^configure: restarts must be an array/)
    const many = Array.from({ length: 33 }, () => ({ side: 'device', at: 0 }))
    expect(msg('configure', [{ restarts: many }])).toMatch(/^configure: restarts must be an array of at most 32/)
  })

  it('refuses unknown fields and non-objects', () => {
    expect(msg('configure', [{ vector: 2 }])).toBe("configure: unknown field 'vector'")
    expect(msg('configure', [null])).toBe('configure: config must be an object with ScenarioConfig fields (got null)')
    expect(msg('configure', [])).toBe('configure: expected 1 param (config), got 0')
  })
})

describe('validateCall: other methods', () => {
  it('accepts well-formed calls of every method', () => {
    const good: Record<string, unknown[]> = {
      getSnapshot: [],
      configure: [{ vectors: 4 }],
      control: [{ cmd: 'step', count: 10 }],
      sendInput: ['device', 'hello\r\n\u00ff'],
      getTrace: [0, 100],
      snapshotAt: [12],
      readShm: [0x1000, 4096],
      consoleSince: ['driver', 0]
    }
    for (const m of LAB_METHODS) expect(validateCall(m, good[m]).method).toBe(m)
    for (const c of [
      { cmd: 'start' },
      { cmd: 'pause' },
      { cmd: 'resume' },
      { cmd: 'step' },
      { cmd: 'reset' },
      { cmd: 'restart', side: 'driver' },
      { cmd: 'speed', speed: 'max' }
    ]) {
      expect(() => validateCall('control', [c])).not.toThrow()
    }
    expect(validateCall('getSnapshot', undefined).args).toEqual([])
  })

  it('gives specific messages', () => {
    expect(msg('control', [{ cmd: 'jump' }])).toMatch(/^control: cmd must be one of 'start', .* \(got "jump"\)$/)
    expect(msg('control', [{ cmd: 'step', count: 0 }])).toBe('control: count must be an integer 1..1000000 (got 0)')
    expect(msg('control', [{ cmd: 'restart' }])).toBe("control: side must be 'device' or 'driver' (got nothing)")
    expect(msg('control', [{ cmd: 'start', now: true }])).toBe("control: unknown field 'now'")
    expect(msg('sendInput', ['uart', 'x'])).toBe("sendInput: side must be 'device' or 'driver' (got \"uart\")")
    expect(msg('sendInput', ['device', '\u2603'])).toMatch(/^sendInput: data must be a latin1 string/)
    expect(msg('sendInput', ['device', 'x'.repeat(65_537)])).toMatch(/^sendInput: data must be a latin1 string of at most 65536/)
    expect(msg('getTrace', [0])).toBe('getTrace: expected 2 params (from, count), got 1')
    expect(msg('getTrace', [-1, 5])).toBe('getTrace: from must be an integer >= 0 (got -1)')
    expect(msg('readShm', [0, 4097])).toBe('readShm: len must be an integer 0..4096 (got 4097)')
    expect(msg('snapshotAt', ['1'])).toBe('snapshotAt: i must be an integer trace index >= 0 (got "1")')
    expect(msg('getSnapshot', [1])).toBe('getSnapshot: expected 0 params, got 1')
    expect(msg('getSnapshot', { 0: 1 })).toMatch(/^getSnapshot: params must be an array/)
  })

  it('refuses unknown and prototype method names', () => {
    for (const m of ['nope', 'subscribe', 'constructor', '__proto__', 'toString', '']) {
      expect(msg(m, [])).toMatch(/^unknown method .* \(expected one of getSnapshot, configure/)
    }
  })
})

describe('dispatch', () => {
  it('calls the service with validated args and returns its result', async () => {
    const lab = new FakeLab()
    const r = (await dispatch(lab, 'readShm', [10, 3])) as number[]
    expect(r).toEqual([10, 11, 12])
    expect(lab.calls).toEqual([{ method: 'readShm', args: [10, 3] }])
  })

  it('rejects invalid calls without touching the service', async () => {
    const lab = new FakeLab()
    await expect(dispatch(lab, 'configure', [{ vectors: 65 }])).rejects.toThrow(
      'configure: vectors must be an integer 1..64 (got 65)'
    )
    await expect(dispatch(lab, 'subscribe', [])).rejects.toThrow(/unknown method "subscribe"/)
    expect(lab.calls).toEqual([])
  })

  it('passes service errors through', async () => {
    const lab = new FakeLab()
    lab.failNext = 'lab exploded'
    await expect(dispatch(lab, 'getSnapshot', [])).rejects.toThrow('lab exploded')
  })
})

describe('parseScenarioPatch', () => {
  it('uses the given context in messages', () => {
    expect(parseScenarioPatch({ vectors: 99 }, 'settings')).toEqual({
      ok: false,
      message: 'settings: vectors must be an integer 1..64 (got 99)'
    })
    expect(parseScenarioPatch({ vectors: 3 })).toEqual({ ok: true, value: { vectors: 3 } })
  })
})
