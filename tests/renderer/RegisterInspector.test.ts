// @vitest-environment happy-dom
// RegisterInspector on registers the real snapshot builder decoded from a seed run (tests/renderer/real.ts).
import { describe, it, expect, beforeEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import RegisterInspector from '../../src/renderer/src/components/RegisterInspector.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { useSelectionStore } from '../../src/renderer/src/stores/selection'
import { early, midRun } from './real'
import { fakeApi } from './support'

describe('RegisterInspector', () => {
  let pinia: ReturnType<typeof createPinia>
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  it('renders the MagicValue row with value 0x74726976 decoded as "virt", written by the device', () => {
    const w = mount(RegisterInspector, { props: { regs: midRun().regs }, global: { plugins: [pinia] } })
    const row = w.get('[data-testid="reg-0x000"]')
    expect(row.get('[data-testid="reg-name"]').text()).toBe('MagicValue')
    expect(row.get('[data-testid="reg-value"]').text()).toBe('0x74726976')
    expect(row.get('[data-testid="reg-writer"]').text()).toContain('device')
    // the decoding sits in a detail row, shown on demand
    expect(w.find('[data-testid="reg-0x000-detail"]').exists()).toBe(false)
  })

  it('shows the decoding in a detail row: → / the twisty open it, ← closes it', async () => {
    const w = mount(RegisterInspector, { props: { regs: midRun().regs }, global: { plugins: [pinia] } })
    await w.get('[data-testid="reg-0x000"] [data-testid="reg-expand"]').trigger('click')
    const d = w.get('[data-testid="reg-0x000-detail"]')
    expect(d.get('[data-testid="reg-fields"]').text()).toContain('virt')
    expect(d.text()).toContain('VIRTIO_MMIO_MAGIC_VALUE')
    expect(w.get('[data-testid="reg-0x000"] [data-testid="reg-expand"]').attributes('aria-expanded')).toBe('true')
    await w.get('[data-testid="reg-0x070"]').trigger('keydown', { key: 'ArrowRight' })
    expect(w.get('[data-testid="reg-0x070-detail"] [data-testid="reg-fields"]').text()).toContain('DRIVER_OK=1')
    await w.get('[data-testid="reg-0x070"]').trigger('keydown', { key: 'ArrowLeft' })
    expect(w.find('[data-testid="reg-0x070-detail"]').exists()).toBe(false)
  })

  it('every badge opens the Q1–Q35 legend at its quirk: what the seed does, what virtio 1.2 asks, where it shows', async () => {
    const w = mount(RegisterInspector, { props: { regs: midRun().regs }, global: { plugins: [pinia] }, attachTo: document.body })
    await w.get('[data-testid="reg-0x040"] [data-testid="quirk-Q3"]').trigger('click')
    const legend = w.get('[data-testid="quirk-legend"]')
    expect(legend.findAll('li')).toHaveLength(35)
    const q3 = legend.get('[data-testid="legend-Q3"]')
    expect(q3.classes()).toContain('on')
    expect(q3.text()).toContain('0xAABBAABB')
    expect(q3.text()).toContain('virtio 1.2')
    expect(q3.text()).toContain('register inspector (QueuePFN')
    expect(q3.text()).not.toContain('](') // markdown links rendered as text
    await legend.trigger('keydown', { key: 'Escape' })
    expect(w.find('[data-testid="quirk-legend"]').exists()).toBe(false)
    await w.get('[data-testid="quirk-legend-open"]').trigger('click')
    expect(w.get('[data-testid="quirk-legend"]').findAll('li.on')).toHaveLength(0)
    w.unmount()
  })

  it('shows every quirk the profile flags, as a badge whose title is the rule it breaks', () => {
    const regs = midRun().regs
    const pfn = regs.find((r) => r.off === 0x040)!
    expect(pfn.value >>> 0).toBe(0xaabbaabb)
    const w = mount(RegisterInspector, { props: { regs }, global: { plugins: [pinia] } })
    const row = w.get('[data-testid="reg-0x040"]')
    expect(row.get('[data-testid="reg-value"]').text()).toBe('0xaabbaabb')
    expect(row.findAll('[data-testid^="quirk-"]').map((b) => b.text())).toEqual(pfn.quirks.map((q) => q.q))
    expect(pfn.quirks.map((q) => q.q)).toContain('Q3')
    for (const q of pfn.quirks) expect(row.get(`[data-testid="quirk-${q.q}"]`).attributes('title')).toBe(`${q.q}: ${q.rule}`)
    // and on every register, not only QueuePFN
    const badges = w.findAll('button.quirk').length
    expect(badges).toBe(regs.reduce((n, r) => n + r.quirks.length, 0))
  })

  it('highlights exactly the values that changed since the previous snapshot', async () => {
    const before = early().regs // before the device published its registers
    const after = midRun().regs
    const w = mount(RegisterInspector, { props: { regs: before }, global: { plugins: [pinia] } })
    expect(w.findAll('tr.changed')).toHaveLength(0)
    await w.setProps({ regs: after })
    const old = new Map(before.map((r) => [r.off, r.value]))
    const want = after.filter((r) => old.get(r.off) !== r.value).map((r) => r.off)
    expect(want).toContain(0x000)
    for (const r of after) {
      expect(w.get(`[data-testid="reg-0x${r.off.toString(16).padStart(3, '0')}"]`).classes().includes('changed')).toBe(want.includes(r.off))
    }
  })

  it('clicking a row selects its 4 bytes for the hex view; the last-write link time-travels to that event', async () => {
    const regs = midRun().regs
    const api = fakeApi()
    const store = useLabStore()
    await store.init(api)
    const w = mount(RegisterInspector, { props: { regs }, global: { plugins: [pinia] } })
    await w.get('[data-testid="reg-0x040"]').trigger('click')
    expect(useSelectionStore().selection).toMatchObject({ key: 'reg:0x040', off: 0x40, len: 4 })
    expect(w.get('[data-testid="reg-0x040"]').classes()).toContain('selected')
    const pfn = regs.find((r) => r.off === 0x040)!
    await w.get('[data-testid="reg-0x040"] a.evlink').trigger('click')
    await flushPromises()
    expect(api.snapshotAt).toHaveBeenCalledWith(pfn.lastWriteEvent)
    expect(store.viewingEvent).toBe(pfn.lastWriteEvent)
  })
})
