// The scenario field table's own pieces: text forms, combinations, untrusted input bounds.
import { describe, expect, it } from 'vitest'
import { DEFAULT_SCENARIO, FIELDS, SCENARIO_KEYS, fmtDuration, parseDuration, parseSize, parseSpeed, type ScenarioConfig } from '../../src/shared/scenario'
import { crossCheck, jsonBounds, parseFieldText, validateUntrustedPatch } from '../../src/shared/scenario-check'
import { checkScenario } from '../../src/lab/config'
import { PROFILES } from '../../src/profiles/index'

describe('text forms', () => {
  it('durations, sizes, speeds read as documented', () => {
    expect(parseDuration('20s')).toBe(20e9)
    expect(parseDuration('1.5s')).toBe(1.5e9)
    expect(parseDuration('250us')).toBe(250_000)
    expect(parseDuration('2m')).toBe(120e9)
    expect(parseDuration('9000h')).toBe(9000 * 3600e9) // read; the schema refuses it by name
    expect(parseDuration('soon')).toBeNull()
    expect(parseSize('0x400000')).toBe(4 << 20)
    expect(parseSize('4MiB')).toBe(4 << 20)
    expect(parseSize('-4M')).toBeNull()
    expect(parseSpeed('×100')).toBe(100)
    expect(parseSpeed('x0.5')).toBe(0.5)
    expect(parseSpeed('-1')).toBeNull()
    expect(parseSpeed('Infinity')).toBeNull()
  })

  it('every field formats its default to a text that parses back to it', () => {
    for (const k of SCENARIO_KEYS) {
      const f = FIELDS[k] as unknown as { format(v: unknown): string }
      const r = parseFieldText(k, f.format(DEFAULT_SCENARIO[k]))
      expect(r, k).toEqual({ ok: true, value: DEFAULT_SCENARIO[k] })
    }
    expect(fmtDuration(1_500_000_000)).toBe('1500ms')
    expect(fmtDuration(20_000)).toBe('20us')
    expect(fmtDuration(8760 * 3600e9)).toBe('8760h')
  })
})

describe('combinations (docs/architecture.md#fabric-seam, #time)', () => {
  const real = (p: Partial<ScenarioConfig>): ScenarioConfig => ({ ...DEFAULT_SCENARIO, fabric: 'attached', socket: '/tmp/ivshmem_socket', ...p })

  it('a real fabric needs a socket and refuses virtual-time knobs, naming each', () => {
    expect(crossCheck(real({}))).toEqual([])
    expect(crossCheck(real({ socket: null }))).toEqual([{ field: 'socket', message: "socket is required for the attached fabric (the ivshmem-server's Unix socket path)" }])
    expect(crossCheck(real({ speed: 'max', latency: 0 }))).toEqual([
      { field: 'latency', message: 'latency does not apply to the attached fabric: it runs on the wall clock (leave latency at 20us)' },
      { field: 'speed', message: 'speed does not apply to the attached fabric: it runs on the wall clock (leave speed at 1)' }
    ])
    expect(crossCheck(real({ fabric: 'hosted', role: 'device' }))).toEqual([])
  })

  it('lists at their default compare by content: a scenario parsed from JSON (new empty arrays) is not refused', () => {
    const parsed = JSON.parse(JSON.stringify(real({}))) as ScenarioConfig
    expect(parsed.faults).not.toBe(DEFAULT_SCENARIO.faults)
    expect(crossCheck(parsed)).toEqual([])
    // faults run on the wall clock there too (docs/spec-profile.md §11)
    expect(crossCheck(real({ faults: [{ kind: 'bad-head', at: 1e9 }] }))).toEqual([])
  })

  it('the emulated fabric refuses a socket and a role other than both', () => {
    expect(crossCheck({ ...DEFAULT_SCENARIO, socket: '/tmp/s', role: 'driver' }).map((e) => e.field)).toEqual(['socket', 'role'])
  })

  it('the semantic check refuses what this build does not have, and reports every problem', () => {
    // a build without the spec profile registered
    const reg = PROFILES as Partial<typeof PROFILES>
    const spec = reg.spec
    delete reg.spec
    let errors
    try {
      errors = checkScenario({ ...DEFAULT_SCENARIO, profile: 'spec', fabric: 'hosted' })
    } finally {
      reg.spec = spec
    }
    expect(errors).toEqual([
      { field: 'profile', message: "profile 'spec' is not built into this version (available: seed)" },
      { field: 'fabric', message: "fabric 'hosted' is not built into this version (available: emulated)" },
      { field: 'socket', message: "socket is required for the hosted fabric (the ivshmem-server's Unix socket path)" }
    ])
    expect(checkScenario({ ...DEFAULT_SCENARIO, driverBase: 2 ** 48 - 0x10000, shmSize: 1 << 20 }).map((e) => e.field)).toEqual(['shmSize', 'driverBase'])
  })
})

describe('untrusted scenarios (trace headers, settings)', () => {
  it('depth and size are measured without recursion', () => {
    let deep: unknown = 1
    for (let i = 0; i < 200_000; i++) deep = [deep]
    expect(jsonBounds(deep, 8, 1 << 16).depth).toBe(9)
    expect(validateUntrustedPatch(deep)).toEqual({ ok: false, field: null, message: 'the scenario must be an object (got an array)' })
    expect(validateUntrustedPatch({ a: deep })).toEqual({ ok: false, field: null, message: 'the scenario is nested more than 8 levels deep' })
    expect(validateUntrustedPatch({ vectors: 3 })).toEqual({ ok: true, value: { vectors: 3 } })
    expect(validateUntrustedPatch(null)).toMatchObject({ ok: false, message: 'the scenario must be an object (got null)' })
  })
})
