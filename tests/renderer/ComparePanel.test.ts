// @vitest-environment happy-dom
// The compare panel (docs/spec-profile.md#compare-ui): one button, progress, then the divergences
// register by register (Q badge opens the legend), fact by fact and step by step; rows are
// focusable and selectable; a step of the profile the lab runs travels to the lab's own event.
import { describe, it, expect, beforeEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ComparePanel from '../../src/renderer/src/components/ComparePanel.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import type { CompareResult, TraceEvent } from '../../src/shared/contract'
import { fakeApi, snapshot } from './support'
import { realCompare } from './real'

const S = 1e9
// the real comparison and the real seed run (the lab the panel sits in runs the default seed scenario)
const { comparison: real, seedTrace: seedRun } = realCompare()

async function setup(over: Parameters<typeof snapshot>[0] = {}) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi(snapshot(over))
  let finish: (r: CompareResult) => void = () => {}
  api.compare.mockImplementation(() => new Promise<CompareResult>((res) => (finish = res)))
  api.getTrace.mockImplementation(async (from: number, count: number): Promise<TraceEvent[]> => seedRun.slice(from, from + count))
  await useLabStore().init(api)
  const w = mount(ComparePanel, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { api, w, finish: (r: CompareResult) => finish(r) }
}

describe('ComparePanel', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('one click: progress, then register rows with Q badges that open the legend', async () => {
    const { api, w, finish } = await setup()
    await w.get('[data-testid="compare-run"]').trigger('click')
    expect(api.compare).toHaveBeenCalledTimes(1)
    expect(w.get('[data-testid="compare-run"]').attributes('disabled')).toBeDefined()
    api.push({ type: 'compare', profile: 'spec', t: 1.5 * S, until: 3 * S, fraction: 0.75 })
    await flushPromises()
    expect(w.get('[data-testid="compare-progress"]').attributes('value')).toBe('75')
    expect(w.get('[data-testid="compare-status"]').text()).toMatch(/running the spec profile… 75%/)
    await w.get('[data-testid="compare-cancel"]').trigger('click')
    expect(api.cancelCompare).toHaveBeenCalledTimes(1)
    finish({ ok: true, ...real })
    await flushPromises()
    expect(w.find('[data-testid="compare-progress"]').exists()).toBe(false)
    const rows = w.findAll('[data-testid="compare-reg"]')
    expect(rows.length).toBe(real.registers.length)
    const version = w.get('[data-testid="compare-reg"][data-reg="Version"]')
    expect(version.text()).toMatch(/0x004\s*Version\s*0x1\s*0x2\s*Q1/)
    await version.get('[data-testid="compare-q"]').trigger('click')
    expect(w.get('[data-testid="legend-Q1"]').classes()).toContain('on')
    expect(w.findAll('[data-testid="compare-fact"]').length).toBe(real.events.length)
    expect(w.findAll('[data-testid="compare-step"]').length).toBe(real.steps.length)
    w.unmount()
  })

  it('rows are focusable and selectable: a register highlights its cell, a seed step travels to the lab event', async () => {
    const { api, w, finish } = await setup()
    await w.get('[data-testid="compare-run"]').trigger('click')
    finish({ ok: true, ...real })
    await flushPromises()
    const version = w.get('[data-testid="compare-reg"][data-reg="Version"]')
    expect(version.attributes('tabindex')).toBe('0')
    ;(version.element as HTMLElement).focus()
    await version.trigger('keydown', { key: 'Enter' })
    expect(useLabStore().selection).toMatchObject({ key: 'reg:0x004', off: 4, len: 4 })
    expect(w.get('[data-testid="compare-detail"]').text()).toMatch(/^Version @ 0x004: seed 0x1, spec 0x2 — Q1/)
    await version.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(w.findAll('tr[data-row]')[1]!.element)
    // the first divergent driver store: the lab runs seed and its own trace has that event
    const step = real.steps.find((s) => s.kind === 'register store')!
    await w.findAll('[data-testid="compare-step"]')[real.steps.indexOf(step)]!.trigger('click')
    await flushPromises()
    expect(api.snapshotAt).toHaveBeenCalledWith(step.seed!.i)
    expect(w.get('[data-testid="compare-detail"]').text()).toContain(`timeline at #${step.seed!.i}`)
    // a lab whose trace differs there: detail only, no travel
    api.snapshotAt.mockClear()
    api.getTrace.mockImplementation(async (from: number) => [{ ...seedRun[from]!, t: seedRun[from]!.t + 1 }])
    await w.findAll('[data-testid="compare-fact"]')[0]!.trigger('click')
    await flushPromises()
    expect(api.snapshotAt).not.toHaveBeenCalled()
    expect(w.get('[data-testid="compare-detail"]').text()).toMatch(/not in the lab's own trace/)
    w.unmount()
  })

  it('refuses a real fabric with the reason next to the button', async () => {
    const base = snapshot()
    const { api, w } = await setup({ config: { ...base.config, fabric: 'attached', socket: '/tmp/ivshmem_socket' } })
    expect(w.get('[data-testid="compare-run"]').attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="compare-refused"]').text()).toMatch(/emulated fabric only .*attached fabric/)
    await w.get('[data-testid="compare-run"]').trigger('click')
    expect(api.compare).not.toHaveBeenCalled()
    w.unmount()
  })

  it('a refused or cancelled compare says why', async () => {
    const { w, finish } = await setup()
    await w.get('[data-testid="compare-run"]').trigger('click')
    finish({ ok: false, code: 'COMPARE_CANCELLED', message: 'compare cancelled in the seed run at t = 1.000 s' })
    await flushPromises()
    expect(w.get('[data-testid="compare-status"]').text()).toBe('compare cancelled in the seed run at t = 1.000 s')
    expect(w.find('[data-testid="compare-reg"]').exists()).toBe(false)
    w.unmount()
  })
})
