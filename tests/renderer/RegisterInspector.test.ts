// @vitest-environment happy-dom
import { describe, it, expect, beforeEach } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import RegisterInspector from '../../src/renderer/src/components/RegisterInspector.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { reg, seedRegs } from './support'

describe('RegisterInspector', () => {
  let pinia: ReturnType<typeof createPinia>
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  it('renders the MagicValue row with value 0x74726976 decoded as "virt"', () => {
    const w = mount(RegisterInspector, { props: { regs: seedRegs() }, global: { plugins: [pinia] } })
    const row = w.get('[data-testid="reg-0x000"]')
    expect(row.get('[data-testid="reg-name"]').text()).toBe('MagicValue')
    expect(row.get('[data-testid="reg-value"]').text()).toBe('0x74726976')
    expect(row.get('[data-testid="reg-fields"]').text()).toContain('virt')
    expect(row.text()).toContain('VIRTIO_MMIO_MAGIC_VALUE')
    expect(row.get('[data-testid="reg-writer"]').text()).toContain('device')
    // every cell has a row with a lower-case 3-digit hex test id
    expect(w.find('[data-testid="reg-0x004"]').exists()).toBe(true)
    expect(w.find('[data-testid="reg-0x040"]').exists()).toBe(true)
    expect(w.find('[data-testid="reg-0x070"]').text()).toContain('DRIVER_OK')
  })

  it('flags QueuePFN = 0xaabbaabb with the Q3 badge, its tooltip naming the spec rule', () => {
    const w = mount(RegisterInspector, { props: { regs: seedRegs(0xaabbaabb) }, global: { plugins: [pinia] } })
    const row = w.get('[data-testid="reg-0x040"]')
    expect(row.get('[data-testid="reg-value"]').text()).toBe('0xaabbaabb')
    const badge = row.get('[data-testid="quirk-Q3"]')
    expect(badge.text()).toBe('Q3')
    expect(badge.attributes('title')).toMatch(/^Q3: .*QueueReady/)
  })

  it('adds the Q3 badge itself when the service did not list it for the ack value', () => {
    const regs = [reg(0x040, 'QueuePFN', 0xaabbaabb)]
    const w = mount(RegisterInspector, { props: { regs }, global: { plugins: [pinia] } })
    expect(w.get('[data-testid="reg-0x040"]').find('[data-testid="quirk-Q3"]').exists()).toBe(true)
    const w2 = mount(RegisterInspector, { props: { regs: [reg(0x040, 'QueuePFN', 0xafb01)] }, global: { plugins: [pinia] } })
    expect(w2.get('[data-testid="reg-0x040"]').find('[data-testid="quirk-Q3"]').exists()).toBe(false)
  })

  it('highlights a value that changed since the previous snapshot, and only that one', async () => {
    const w = mount(RegisterInspector, { props: { regs: seedRegs(0xafb01) }, global: { plugins: [pinia] } })
    expect(w.get('[data-testid="reg-0x040"]').classes()).not.toContain('changed')
    await w.setProps({ regs: seedRegs(0xaabbaabb) })
    expect(w.get('[data-testid="reg-0x040"]').classes()).toContain('changed')
    expect(w.get('[data-testid="reg-0x000"]').classes()).not.toContain('changed')
    expect(w.get('[data-testid="reg-0x070"]').classes()).not.toContain('changed')
  })

  it('clicking a row selects its 4 bytes for the hex view; the last-write link time-travels', async () => {
    const w = mount(RegisterInspector, { props: { regs: seedRegs() }, global: { plugins: [pinia] } })
    const store = useLabStore()
    await w.get('[data-testid="reg-0x040"]').trigger('click')
    expect(store.selection).toMatchObject({ key: 'reg:0x040', off: 0x40, len: 4 })
    expect(w.get('[data-testid="reg-0x040"]').classes()).toContain('selected')
  })
})
