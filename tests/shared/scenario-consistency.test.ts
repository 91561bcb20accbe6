// @vitest-environment happy-dom
// One scenario schema (src/shared/scenario.ts): the CLI, configure (dispatch -> LabService) and the
// Controls form accept and refuse the same values with the same messages, table-driven from the
// field descriptors; and every consumer enumerates the descriptors, so adding a field = one descriptor.
import { afterAll, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Mock } from 'vitest'
import { CliError, RUN_OPTIONS, SCENARIO_OPTIONS, parseFlags, scenarioFrom, usage } from '../../src/host/cli-args'
import { dispatch } from '../../src/host/validate'
import { LabService } from '../../src/host/service'
import { DEFAULT_SCENARIO, FIELDS, SCENARIO_KEYS, scenarioPatchSchema, type ScenarioConfig, type ScenarioKey } from '../../src/shared/scenario'

// The renderer side belongs to the web TypeScript project (tsconfig.web.json); this test spans both,
// so it loads the component, store and fake API by path (typed here by what the test uses).
interface FakeApi {
  configure: Mock<(cfg: Partial<ScenarioConfig>) => Promise<unknown>>
  control: Mock<(c: unknown) => Promise<unknown>>
}
const web = (p: string) => `../../src/renderer/src/${p}`
const Controls = ((await import(/* @vite-ignore */ web('components/Controls.vue'))) as { default: Parameters<typeof mount>[0] }).default
const { useLabStore } = (await import(/* @vite-ignore */ web('stores/lab'))) as { useLabStore: () => { init(api: unknown): Promise<void> } }
const { fakeApi } = (await import(/* @vite-ignore */ ['..', 'renderer', 'support'].join('/'))) as { fakeApi: () => FakeApi }

type Verdict = { ok: true } | { ok: false; message: string; all?: string[] }

/** fields that exist on real fabrics only are judged with fabric = attached on every path */
const contextOf = (k: ScenarioKey): Partial<ScenarioConfig> => (desc(k).realFabricOnly ? { fabric: 'attached' } : {})

/** the rule of a message without its context: "--x: " / "configure: " prefixes and "(got ...)" */
const core = (m: string) => m.replace(/^(--[a-z-]+|configure|control): /, '').replace(/ \(got [^)]*\)$/, '')

const flagOf = (k: ScenarioKey) => (FIELDS[k] as { flag: string }).flag
const desc = (k: ScenarioKey) => FIELDS[k] as unknown as { parse(t: string): { ok: boolean; value?: unknown }; format(v: unknown): string; repeatable?: boolean; control: string; realFabricOnly?: boolean; choices?: readonly string[] }

function viaCli(k: ScenarioKey, text: string): Verdict {
  const items = desc(k).repeatable ? text.split(/[\s,]+/).filter(Boolean) : [text]
  const ctx = Object.entries(contextOf(k)).flatMap(([c, v]) => [`--${flagOf(c as ScenarioKey)}`, String(v)])
  const argv = [...ctx, ...items.flatMap((t) => [`--${flagOf(k)}`, t])]
  try {
    scenarioFrom(parseFlags(argv, [...SCENARIO_OPTIONS, ...RUN_OPTIONS]))
    return { ok: true }
  } catch (e) {
    expect(e).toBeInstanceOf(CliError)
    return { ok: false, message: (e as Error).message }
  }
}

const svc = new LabService()
afterAll(() => svc.dispose())

async function viaConfigure(k: ScenarioKey, value: unknown): Promise<Verdict> {
  try {
    const r = (await dispatch(svc, 'configure', [{ ...contextOf(k), [k]: value }])) as { ok: boolean; errors?: { message: string }[] }
    return r.ok ? { ok: true } : { ok: false, message: r.errors![0]!.message }
  } catch (e) {
    return { ok: false, message: (e as Error).message }
  }
}

/** the real Controls form; its configure goes through dispatch to a real LabService */
async function viaForm(k: ScenarioKey, text: string): Promise<Verdict> {
  setActivePinia(createPinia())
  const api = fakeApi()
  const sent: Partial<ScenarioConfig>[] = []
  api.configure.mockImplementation(async (cfg) => {
    sent.push(cfg)
    return (await dispatch(svc, 'configure', [cfg])) as never
  })
  const store = useLabStore()
  await store.init(api)
  const w = mount(Controls)
  await flushPromises()
  if (desc(k).realFabricOnly) {
    await w.get(`[data-testid="ctl-${flagOf('fabric')}"]`).setValue('attached')
  }
  const el = w.get(`[data-testid="ctl-${flagOf(k)}"]`)
  if (el.element.tagName === 'SELECT' && !desc(k).choices?.includes(text)) {
    // a select cannot hold a foreign value: the form cannot send it at all
    w.unmount()
    return { ok: false, message: `${k} must be one of ${desc(k).choices!.join(', ')}` }
  }
  await el.setValue(text)
  await w.get('form').trigger('submit')
  await flushPromises()
  const err = w.find(`[data-testid="error-${k}"]`)
  const all = w.findAll('[data-testid^="error-"]').map((e) => e.text())
  const res: Verdict = all.length ? { ok: false, message: err.exists() ? err.text() : all[0]!, all } : sent.length ? { ok: true } : { ok: false, message: 'not sent' }
  w.unmount()
  return res
}

/** speed is applied live in the form; the control command goes through the same schema */
async function viaFormSpeed(text: string): Promise<Verdict> {
  setActivePinia(createPinia())
  const api = fakeApi()
  api.control.mockImplementation(async (c) => (await dispatch(svc, 'control', [c])) as never)
  const store = useLabStore()
  await store.init(api)
  const w = mount(Controls)
  await flushPromises()
  const sel = w.get(`[data-testid="ctl-${flagOf('speed')}"]`)
  // the select offers its choices plus the current value: put the text in as the current value
  ;(w.vm as unknown as { $: { setupState: { form: Record<string, string> } } }).$.setupState.form.speed = text
  await flushPromises()
  await sel.setValue(text)
  await flushPromises()
  const err = w.find('[data-testid="error-speed"]')
  const res: Verdict = err.exists() ? { ok: false, message: err.text() } : api.control.mock.calls.length ? { ok: true } : { ok: false, message: 'not sent' }
  w.unmount()
  return res
}

const restarts = (n: number) => Array.from({ length: n }, (_, i) => `driver@${i + 1}s`).join(', ')
const restartValues = (n: number) => Array.from({ length: n }, (_, i) => ({ side: 'driver', at: (i + 1) * 1e9 }))

/** [field, text, the value configure gets, accepted?] — the brief's drifts and limits on each side */
const CASES: [ScenarioKey, string, unknown, boolean][] = [
  ['speed', '0.001', 0.001, false],
  ['speed', '0.01', 0.01, true],
  ['speed', '50000', 50000, false],
  ['speed', '500000', 500000, false],
  ['speed', '10000', 10000, true],
  ['speed', 'max', 'max', true],
  ['shmSize', '0x400000', 0x400000, true],
  ['shmSize', '0x300000', 0x300000, false],
  ['shmSize', '4M', 4 << 20, true],
  ['shmSize', '1M', 1 << 20, false],
  ['shmSize', '2G', 2 ** 31, false],
  ['driverBase', '0', 0, false],
  ['driverBase', '0x1000', 0x1000, true],
  ['deviceBase', '0xafa00800', 0xafa00800, false],
  ['until', '9000h', 9000 * 3600e9, false],
  ['until', '8760h', 8760 * 3600e9, true],
  ['until', '', null, true],
  ['gap', '8761h', 8761 * 3600e9, false],
  ['latency', '2s', 2e9, false],
  ['latency', '250us', 250_000, true],
  ['vectors', '64', 64, true],
  ['vectors', '65', 65, false],
  ['vectors', '0', 0, false],
  ['restarts', restarts(32), restartValues(32), true],
  ['restarts', restarts(33), restartValues(33), false],
  ['restarts', restarts(1000), restartValues(1000), false],
  ['restarts', 'driver@9000h', [{ side: 'driver', at: 9000 * 3600e9 }], false],
  ['order', 'driver-first', 'driver-first', true],
  ['profile', 'spec', 'spec', true],
  ['fabric', 'attached', 'attached', false],
  ['role', 'device', 'device', false],
  ['socket', '/tmp/ivshmem_socket', '/tmp/ivshmem_socket', false]
]

/** generic cases from the descriptors alone: the default's text is accepted, junk is refused */
const GENERIC: [ScenarioKey, string, unknown, boolean][] = SCENARIO_KEYS.flatMap((k): [ScenarioKey, string, unknown, boolean][] => {
  const d = desc(k)
  const def = (DEFAULT_SCENARIO as Record<string, unknown>)[k]
  // real-fabric fields are judged on fabric = attached, which this build refuses on every path
  const out: [ScenarioKey, string, unknown, boolean][] = [[k, d.format(def), def, !d.realFabricOnly]]
  // junk: no parser reads '%%'; configure gets the junk string itself
  if (!d.parse('%%').ok) out.push([k, '%%', '%%', false])
  return out
})

describe('CLI, configure and the form agree, field by field', () => {
  for (const [k, text, value, accepted] of [...GENERIC, ...CASES]) {
    const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text
    it(`${k} = '${shown}' is ${accepted ? 'accepted' : 'refused'} everywhere`, async () => {
      const cli = viaCli(k, text)
      const conf = await viaConfigure(k, value)
      const form = k === 'speed' ? await viaFormSpeed(text) : await viaForm(k, text)
      expect({ cli: cli.ok, configure: conf.ok, form: form.ok }).toEqual({ cli: accepted, configure: accepted, form: accepted })
      if (k === 'speed') {
        // speed also travels alone, live: control({ cmd: 'speed' }) goes through the same schema
        const live = await dispatch(svc, 'control', [{ cmd: 'speed', speed: value }]).then(() => true, () => false)
        expect(live).toBe(accepted)
      }
      // real fabrics: configure (serve, the app) goes on to join the server, so its words are the
      // connection's (tests/ivshmem/real/service.test.ts); the schema's words are compared elsewhere
      const real = !!contextOf(k).fabric || (k === 'fabric' && value !== 'emulated')
      if (!cli.ok && !form.ok && !real) {
        // same rule, same words (the CLI names its flag, configure its method)
        expect((form.all ?? [form.message]).map(core)).toContain(core(cli.message))
        const parsed = desc(k).parse(text)
        if (parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(value) && !conf.ok) expect(core(conf.message)).toBe(core(cli.message))
      }
    })
  }

  it('the messages name the field and the limit', async () => {
    expect(viaCli('until', '9000h')).toEqual({ ok: false, message: "--until: until must be at most 1 year (8760h) (got '9000h')" })
    expect(await viaConfigure('driverBase', 0)).toEqual({ ok: false, message: 'configure: driverBase must be at least 0x1000 (got 0)' })
    expect(await viaForm('restarts', restarts(1000))).toMatchObject({ ok: false, message: expect.stringMatching(/^restarts must have at most 32 entries/) })
  })
})

describe('adding a field = one descriptor: every consumer enumerates the table', () => {
  it('defaults, the schema, CLI flags and --help cover exactly the descriptors', () => {
    expect(Object.keys(DEFAULT_SCENARIO).sort()).toEqual([...SCENARIO_KEYS].sort())
    expect(scenarioPatchSchema.safeParse(DEFAULT_SCENARIO).success).toBe(true)
    expect(SCENARIO_OPTIONS.map((o) => o.key)).toEqual(SCENARIO_KEYS)
    const help = usage()
    for (const k of SCENARIO_KEYS) expect(help).toContain(`--${flagOf(k)} `)
  })

  it('the form renders one control per descriptor (real-fabric ones when the fabric is real)', async () => {
    setActivePinia(createPinia())
    const store = useLabStore()
    await store.init(fakeApi())
    const w = mount(Controls)
    await flushPromises()
    const ids = () => w.findAll('[data-testid^="ctl-"]').map((e) => e.attributes('data-testid'))
    for (const k of SCENARIO_KEYS) if (!desc(k).realFabricOnly) expect(ids()).toContain(`ctl-${flagOf(k)}`)
    await w.get(`[data-testid="ctl-${flagOf('fabric')}"]`).setValue('hosted')
    for (const k of SCENARIO_KEYS) expect(ids()).toContain(`ctl-${flagOf(k)}`)
    w.unmount()
  })
})
