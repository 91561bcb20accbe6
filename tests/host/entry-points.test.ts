// Issue #11: every entry point validates with the one scenario schema (src/shared/scenario.ts) and
// gives the same limits and the same words: configure (dispatch, the path of both Electron IPC and
// the WebSocket host), a trace file's scenario header (LabService.loadTrace) and the settings file
// (loadSettings). The CLI is compared with configure field by field in
// tests/shared/scenario-consistency.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dispatch } from '../../src/host/validate'
import { LabService } from '../../src/host/service'
import { loadSettings } from '../../src/main/settings'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import type { TraceEvent } from '../../src/shared/contract'

let dir: string
const svc = new LabService()
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vsl-entry-'))
})
afterAll(() => {
  svc.dispose()
  rmSync(dir, { recursive: true, force: true })
})

/** the rule without the path's own wording around it */
const core = (m: string) => m.replace(/^configure: /, '').replace(/ \(got [^)]*\)$/, '')

async function viaConfigure(patch: unknown): Promise<string | null> {
  try {
    const r = (await dispatch(svc, 'configure', [patch])) as { ok: boolean; errors?: { message: string }[] }
    return r.ok ? null : r.errors![0]!.message
  } catch (e) {
    return (e as Error).message
  }
}

async function viaTrace(patch: unknown): Promise<string | null> {
  const head: TraceEvent = { i: 0, t: 0, k: 'guest', op: 'scenario', config: { ...DEFAULT_SCENARIO, speed: 'max', until: 2e9, ...(patch as object) } } as TraceEvent
  const s = new LabService()
  try {
    const r = await s.loadTrace([head])
    return r.ok ? null : r.message
  } finally {
    s.dispose()
  }
}

let files = 0
function viaSettings(patch: unknown): string | null {
  const f = join(dir, `settings-${files++}.json`)
  writeFileSync(f, JSON.stringify({ version: 1, scenario: patch }))
  const r = loadSettings(f)
  if (r.warning === null) {
    // accepted by the file: the desktop shell then builds its service from it
    try {
      new LabService(r.settings.scenario).dispose()
    } catch (e) {
      return `refused only by the service: ${(e as Error).message}`
    }
    return null
  }
  expect(r.settings.scenario).toEqual(DEFAULT_SCENARIO)
  return r.warning
}

const restarts = (n: number) => Array.from({ length: n }, (_, i) => ({ side: 'driver', at: (i + 1) * 1e9 }))

/** [what, patch]: each refused on every path with the configure message inside the others' */
const REFUSED: [string, unknown][] = [
  ['speed above 10000', { speed: 500000 }],
  ['33 restarts', { restarts: restarts(33) }],
  ['until beyond a year', { until: 9000 * 3600e9 }],
  ['driverBase 0', { driverBase: 0 }],
  ['65 vectors', { vectors: 65 }],
  ['an unknown key', { bogus: 1 }],
  ['a real fabric without a socket', { fabric: 'attached' }],
  ['shm too small for the seed heap', { shmSize: 0x100000 }],
  ['a socket on the emulated fabric', { socket: '/tmp/x' }]
]

describe('configure, trace header and settings file refuse alike', () => {
  for (const [what, patch] of REFUSED) {
    it(`${what}`, async () => {
      const conf = await viaConfigure(patch)
      expect(conf, 'configure accepts it').not.toBeNull()
      const trace = await viaTrace(patch)
      const settings = viaSettings(patch)
      expect(trace).toContain(core(conf!))
      expect(settings).toContain(core(conf!))
      expect(settings).not.toMatch(/^refused only by the service/)
    })
  }

  it('a good patch passes everywhere', async () => {
    const patch = { vectors: 4, order: 'driver-first' }
    expect(await viaConfigure(patch)).toBeNull()
    expect(viaSettings(patch)).toBeNull()
    const t = await viaTrace(patch)
    expect(t === null || !/refused|invalid/.test(t)).toBe(true)
  })
})
