import { describe, expect, it } from 'vitest'
import { LAB_METHODS } from '../../src/shared/contract'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
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

  it('names the field, the limit and the value (the scenario schema\'s messages)', () => {
    expect(msg('configure', [{ vectors: 65 }])).toBe('configure: vectors must be at most 64 (got 65)')
    expect(msg('configure', [{ vectors: 0 }])).toBe('configure: vectors must be at least 1 (got 0)')
    expect(msg('configure', [{ vectors: 2.5 }])).toBe('configure: vectors must be a whole number (got 2.5)')
    expect(msg('configure', [{ vectors: '2' }])).toBe('configure: vectors must be a whole number (got "2")')
  })

  it('shmSize must be a power of two 64 KiB..1 GiB', () => {
    for (const ok of [65536, 1 << 20, 4 << 20, 1 << 30]) expect(() => validateCall('configure', [{ shmSize: ok }])).not.toThrow()
    expect(msg('configure', [{ shmSize: 32768 }])).toBe('configure: shmSize must be at least 64K (got 32768)')
    expect(msg('configure', [{ shmSize: 2 ** 31 }])).toBe('configure: shmSize must be at most 1G (got 2147483648)')
    for (const bad of [100_000, 3 << 20]) expect(msg('configure', [{ shmSize: bad }])).toBe(`configure: shmSize must be a power of two (ivshmem-server -l) (got ${bad})`)
  })

  it('speed is max or 0.01..10000', () => {
    for (const ok of ['max', 0.01, 1, 10000, 2.5]) expect(() => validateCall('configure', [{ speed: ok }])).not.toThrow()
    expect(msg('configure', [{ speed: 0.001 }])).toBe('configure: speed must be at least 0.01 (got 0.001)')
    expect(msg('configure', [{ speed: 0 }])).toBe('configure: speed must be at least 0.01 (got 0)')
    expect(msg('configure', [{ speed: 10001 }])).toBe('configure: speed must be at most 10000 (got 10001)')
    for (const bad of ['fast', Number.NaN, null]) expect(msg('configure', [{ speed: bad }])).toMatch(/^configure: speed must be 'max' or a number \(got /)
    expect(msg('control', [{ cmd: 'speed', speed: 0.001 }])).toBe('control: speed must be at least 0.01 (got 0.001)')
  })

  it('ns fields are bounded whole numbers, up to a year (past 2^53, which z.int() would refuse)', () => {
    expect(msg('configure', [{ latency: -1 }])).toBe('configure: latency must be at least 0s (got -1)')
    expect(msg('configure', [{ latency: 1e9 + 1 }])).toBe('configure: latency must be at most 1s (got 1000000001)')
    expect(msg('configure', [{ until: 0 }])).toBe('configure: until must be at least 1ns (got 0)')
    expect(msg('configure', [{ gap: 0.5 }])).toBe('configure: gap must be a whole number of ns (got 0.5)')
    expect(msg('configure', [{ until: 9000 * 3600e9 }])).toBe('configure: until must be at most 1 year (8760h) (got 32400000000000000)')
    expect(validateCall('configure', [{ latency: 0, gap: 365 * 24 * 3600e9, until: 365 * 24 * 3600e9 }]).args[0]).toBeTruthy()
  })

  it('enums and restarts', () => {
    expect(msg('configure', [{ order: 'both' }])).toBe('configure: order must be one of device-first, driver-first, device-only, driver-only (got "both")')
    expect(msg('configure', [{ profile: 'x' }])).toBe('configure: profile must be one of seed, spec (got "x")')
    expect(msg('configure', [{ shmState: 'dirty' }])).toBe('configure: shmState must be one of fresh, leftover (got "dirty")')
    expect(msg('configure', [{ fabric: 'usb' }])).toBe('configure: fabric must be one of emulated, attached, hosted (got "usb")')
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: 1 }, { side: 'x', at: 1 }] }])).toBe(
      'configure: restarts[1].side: restart side must be one of device, driver (got "x")'
    )
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: -1 }] }])).toBe('configure: restarts[0].at: restart time must be at least 0s (got -1)')
    expect(msg('configure', [{ restarts: [{ side: 'driver', at: 1, extra: 1 }] }])).toBe("configure: unknown field 'extra' in restarts[0]")
    expect(msg('configure', [{ restarts: 'none' }])).toBe('configure: restarts must be a list (got "none")')
    const many = Array.from({ length: 33 }, () => ({ side: 'device', at: 0 }))
    expect(msg('configure', [{ restarts: many }])).toBe('configure: restarts must have at most 32 entries (got 33 entries)')
  })

  it('refuses unknown fields and non-objects', () => {
    expect(msg('configure', [{ vector: 2 }])).toBe("configure: unknown field 'vector'")
    expect(msg('configure', [null])).toBe('configure: a scenario must be an object (got null)')
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
      consoleSince: ['driver', 0],
      resizeConsole: ['device', 132, 43],
      compare: [],
      cancelCompare: [],
      exportBegin: ['side == driver', 'csv'],
      exportNext: [1],
      exportCancel: [3],
      injectFault: ['bad-head']
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
    expect(msg('injectFault', ['bad-heap'])).toBe('injectFault: kind must be one of drop-doorbell, merge-doorbells, delay-irq, bad-head, next-out-of-range, desc-loop, avail-jump, len-beyond-shm, zero-len, tx-write-flag, stale-used-id, device-stall (got "bad-heap")')
    expect(msg('injectFault', [])).toBe('injectFault: expected 1 param (kind), got 0')
    expect(msg('getSnapshot', { 0: 1 })).toMatch(/^getSnapshot: params must be an array/)
    // console size: le16 config fields (virtio 1.2 §5.3.4), 0 is no size
    expect(validateCall('resizeConsole', ['device', 65535, 1]).args).toEqual(['device', 65535, 1])
    expect(msg('resizeConsole', ['device', 0, 25])).toBe('resizeConsole: cols must be an integer 1..65535 (CONSOLE_SIZE_RANGE) (got 0)')
    expect(msg('resizeConsole', ['device', 80, 65536])).toBe('resizeConsole: rows must be an integer 1..65535 (CONSOLE_SIZE_RANGE) (got 65536)')
    expect(msg('resizeConsole', ['device', 80.5, 25])).toMatch(/^resizeConsole: cols must be an integer 1\.\.65535/)
    expect(msg('resizeConsole', ['device', '80', 25])).toMatch(/^resizeConsole: cols must be .*\(got "80"\)$/)
    expect(msg('compare', [1])).toBe('compare: expected 0 params, got 1')
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
      'configure: vectors must be at most 64 (got 65)'
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
      message: 'settings: vectors must be at most 64 (got 99)'
    })
    expect(parseScenarioPatch({ vectors: 3 })).toEqual({ ok: true, value: { vectors: 3 } })
  })
})
