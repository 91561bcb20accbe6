// @vitest-environment happy-dom
// The fault panel (docs/spec-profile.md §7): a button per kind, grouped; a click calls injectFault
// and shows the reply; disabled with the reason where a kind cannot act; "schedule" parses
// KIND@TIME with the scenario's parser, shows its message next to the control, and configures.
import { describe, it, expect, beforeEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import FaultPanel from '../../src/renderer/src/components/FaultPanel.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { FAULT_KINDS } from '../../src/shared/scenario'
import type { LabSnapshot } from '../../src/shared/contract'
import { fakeApi, snapshot } from './support'

async function setup(snap: LabSnapshot = snapshot()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi(snap)
  const store = useLabStore()
  await store.init(api)
  const w = mount(FaultPanel, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { api, store, w }
}

const btn = (w: Awaited<ReturnType<typeof setup>>['w'], k: string) => w.get(`[data-testid="fault-btn-${k}"]`)

describe('FaultPanel', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('one button per kind, in three groups, all enabled on an emulated lab', async () => {
    const { w } = await setup()
    const groups = w.findAll('[role="group"]')
    expect(groups.map((g) => g.attributes('aria-label'))).toEqual(['fabric faults', 'ring faults', 'device faults'])
    expect(w.findAll('[data-testid^="fault-btn-"]').map((b) => b.text())).toEqual([...FAULT_KINDS])
    expect(w.findAll('button[disabled]')).toHaveLength(0)
    expect(w.get('[data-testid="fault-group-device"]').text()).toContain('stale-used-id')
  })

  it('a click applies the kind now and shows the reply next to the buttons', async () => {
    const { api, w } = await setup()
    await btn(w, 'bad-head').trigger('click')
    await flushPromises()
    expect(api.injectFault).toHaveBeenCalledWith('bad-head')
    expect(w.get('[data-testid="fault-result"]').text()).toBe('bad-head at 1.500 s: did bad-head')
    api.injectFault.mockResolvedValueOnce({ kind: 'stale-used-id', applied: false, detail: 'not applicable now: receiveq not ready', t: 0 })
    await btn(w, 'stale-used-id').trigger('click')
    await flushPromises()
    const r = w.get('[data-testid="fault-result"]')
    expect(r.text()).toBe('stale-used-id at 0.000 s: not applied: not applicable now: receiveq not ready')
    expect(r.classes()).toContain('bad')
  })

  it('an error from the service (e.g. FAULT_NOT_APPLICABLE) is shown, not thrown', async () => {
    const { api, w } = await setup()
    api.injectFault.mockRejectedValueOnce(new Error('injectFault: bad-head: no driver in this lab (order device-only)'))
    await btn(w, 'bad-head').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="fault-result"]').text()).toBe('bad-head: injectFault: bad-head: no driver in this lab (order device-only)')
  })

  it('kinds that cannot act are disabled with the reason (device-only: no driver; real fabric, role device: the driver runs elsewhere)', async () => {
    const base = snapshot()
    const { w } = await setup({ ...base, config: { ...base.config, order: 'device-only' } })
    expect(btn(w, 'bad-head').attributes('disabled')).toBeDefined()
    expect(btn(w, 'bad-head').attributes('aria-describedby')).toBe('fault-reason-ring')
    expect(w.get('[data-testid="fault-reason-ring"]').text()).toMatch(/^no driver in this lab \(order device-only\)/)
    expect(btn(w, 'device-stall').attributes('disabled')).toBeUndefined()
    expect(btn(w, 'drop-doorbell').attributes('disabled')).toBeUndefined()

    setActivePinia(createPinia())
    const real = await setup({ ...base, config: { ...base.config, fabric: 'attached', socket: '/tmp/s', role: 'device' } })
    expect(btn(real.w, 'zero-len').attributes('disabled')).toBeDefined()
    expect(real.w.get('[data-testid="fault-reason-ring"]').text()).toBe('ring faults act on the driver, which runs in another process on this attached fabric (role device): inject them there')
    expect(btn(real.w, 'drop-doorbell').attributes('disabled')).toBeUndefined()
    expect(btn(real.w, 'device-stall').attributes('disabled')).toBeUndefined()
    expect(real.w.get('[data-testid="fault-sched-add"]').attributes('disabled')).toBeUndefined()
  })

  it('schedule: a bad time gets the scenario parser message next to the control, configure not called', async () => {
    const { api, w } = await setup()
    await w.get('[data-testid="fault-sched-kind"]').setValue('zero-len')
    await w.get('[data-testid="fault-sched-time"]').setValue('soon')
    await w.get('[data-testid="fault-schedule"]').trigger('submit')
    await flushPromises()
    const msg = w.get('[data-testid="fault-sched-msg"]')
    expect(msg.text()).toMatch(/^faults must be KIND@TIME like bad-head@3s, KIND one of drop-doorbell, .* \(got 'zero-len@soon'\)$/)
    expect(msg.element.parentElement).toBe(w.get('[data-testid="fault-sched-time"]').element.closest('form'))
    expect(w.get('[data-testid="fault-sched-time"]').attributes('aria-invalid')).toBe('true')
    expect(api.configure).not.toHaveBeenCalled()
  })

  it('schedule: KIND@TIME is added to the scenario faults (configure, which resets the lab)', async () => {
    const base = snapshot()
    const { api, w } = await setup({ ...base, config: { ...base.config, faults: [{ kind: 'drop-doorbell', at: 1e9 }] } })
    await w.get('[data-testid="fault-sched-kind"]').setValue('zero-len')
    await w.get('[data-testid="fault-sched-time"]').setValue('3s')
    await w.get('[data-testid="fault-schedule"]').trigger('submit')
    await flushPromises()
    expect(api.configure).toHaveBeenCalledWith({ faults: [{ kind: 'drop-doorbell', at: 1e9 }, { kind: 'zero-len', at: 3e9 }] })
    expect(w.get('[data-testid="fault-sched-msg"]').text()).toBe('scheduled zero-len@3s; lab reset (faults: drop-doorbell@1s, zero-len@3s)')
  })

  it('keyboard: buttons are native buttons in tab order; the time field submits its form on Enter', async () => {
    const { api, w } = await setup()
    for (const b of w.findAll('[data-testid^="fault-btn-"]')) {
      expect(b.element.tagName).toBe('BUTTON')
      expect(b.attributes('tabindex')).toBeUndefined()
    }
    // the schedule controls are one form with a submit button: Enter in the time field submits it
    expect(w.get('[data-testid="fault-sched-time"]').element.closest('form')).toBe(w.get('[data-testid="fault-schedule"]').element)
    expect(w.get('[data-testid="fault-sched-add"]').attributes('type')).toBe('submit')
    expect(w.get('[data-testid="fault-sched-time"]').element.closest('label')?.textContent).toContain('at')
    void api
    expect(w.get('[data-testid="fault-result"]').attributes('aria-live')).toBe('polite')
  })
})
