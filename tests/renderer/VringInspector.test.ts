// @vitest-environment happy-dom
import { describe, it, expect, beforeEach } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import VringInspector from '../../src/renderer/src/components/VringInspector.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { ring } from './support'

describe('VringInspector', () => {
  let pinia: ReturnType<typeof createPinia>
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  const rings = () => [ring(0, 0x101000, ['free', 'free', 'free', 'free']), ring(1, 0x103000, ['used', 'avail', 'avail', 'free'])]

  it('renders both rings with their guest addresses, shm offsets and 4 descriptors each', () => {
    const w = mount(VringInspector, { props: { rings: rings() }, global: { plugins: [pinia] } })
    const r0 = w.get('[data-testid="ring-0"]')
    expect(r0.get('[data-testid="ring-guest-addr"]').text()).toBe('0xafb01000')
    expect(r0.get('[data-testid="ring-num"]').text()).toBe('4')
    expect(r0.text()).toContain('0x101000')
    expect(r0.text()).toContain('0xafb01040') // avail VA
    expect(r0.text()).toContain('0xafb02000') // used VA
    expect(r0.findAll('[data-testid^="ring-0-desc-"]')).toHaveLength(4)
    const r1 = w.get('[data-testid="ring-1"]')
    expect(r1.get('[data-testid="ring-guest-addr"]').text()).toBe('0xafb03000')
    expect(r1.findAll('[data-testid^="ring-1-desc-"]')).toHaveLength(4)
  })

  it('colours descriptors by owner (free / avail / used)', () => {
    const w = mount(VringInspector, { props: { rings: rings() }, global: { plugins: [pinia] } })
    const cls = (i: number) => w.get(`[data-testid="ring-1-desc-${i}"]`).classes()
    expect(cls(0)).toContain('owner-used')
    expect(cls(1)).toContain('owner-avail')
    expect(cls(2)).toContain('owner-avail')
    expect(cls(3)).toContain('owner-free')
    expect(w.get('[data-testid="ring-1-desc-1"] [data-testid="desc-owner"]').text()).toBe('avail')
  })

  it('shows desc fields, free-running and masked indices, and the END marker', () => {
    const w = mount(VringInspector, { props: { rings: rings() }, global: { plugins: [pinia] } })
    const d3 = w.get('[data-testid="ring-1-desc-3"]')
    expect(d3.text()).toContain('END')
    expect(d3.find('[title="next = 0x8000"]').exists()).toBe(true)
    expect(d3.text()).toContain('0xafa80930')
    expect(d3.text()).toContain('0x080930')
    expect(d3.text()).toContain('4b |K|') // bytes hex + ASCII
    const avail = w.get('[data-testid="ring-1-avail"]')
    expect(avail.get('[data-testid="avail-idx"]').text()).toBe('6')
    expect(avail.text()).toContain('slot 2') // 6 % 4
    expect(w.get('[data-testid="ring-1-used"]').text()).toContain('id 3 len 1')
  })

  it('clicking a descriptor selects its entry and buffer (cross-highlight)', async () => {
    const w = mount(VringInspector, { props: { rings: rings() }, global: { plugins: [pinia] } })
    await w.get('[data-testid="ring-1-desc-2"]').trigger('click')
    const store = useLabStore()
    expect(store.selection).toMatchObject({ key: 'desc:1:2', off: 0x103000 + 32, len: 16, extra: [{ off: 0x80920, len: 1 }] })
    expect(w.get('[data-testid="ring-1-desc-2"]').classes()).toContain('selected')
  })

  it('shows ring errors', () => {
    const r = ring(1, 0x103000, ['free', 'free', 'free', 'free'])
    r.errors = ['avail.idx 9 is 5 ahead of used.idx 4']
    const w = mount(VringInspector, { props: { rings: [r] }, global: { plugins: [pinia] } })
    expect(w.get('[data-testid="ring-1-errors"]').text()).toContain('5 ahead')
  })
})
