// @vitest-environment happy-dom
// VringInspector on rings the real snapshot builder decoded from a seed run (tests/renderer/real.ts):
// ≈ 9 s in, transmitq holds one used and one available Hello byte.
import { describe, it, expect, beforeEach } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import VringInspector from '../../src/renderer/src/components/VringInspector.vue'
import { useSelectionStore } from '../../src/renderer/src/stores/selection'
import { corruptTx, midRun } from './real'

describe('VringInspector', () => {
  let pinia: ReturnType<typeof createPinia>
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  const rings = () => midRun().rings

  it('renders both rings with their guest addresses, shm offsets and 4 descriptors each', () => {
    const w = mount(VringInspector, { props: { rings: rings() }, global: { plugins: [pinia] } })
    const r0 = w.get('[data-testid="ring-0"]')
    expect(r0.get('[data-testid="ring-guest-addr"]').text()).toBe('0xafb01000')
    expect(r0.get('[data-testid="ring-num"]').text()).toBe('4')
    expect(r0.text()).toContain('0x101000')
    expect(r0.text()).toContain('0xafb01040') // avail VA
    expect(r0.text()).toContain('0xafb02000') // used VA: align_up(16n + 2(n+1)), Q6
    expect(r0.findAll('[data-testid^="ring-0-desc-"]')).toHaveLength(4)
    const r1 = w.get('[data-testid="ring-1"]')
    expect(r1.get('[data-testid="ring-guest-addr"]').text()).toBe('0xafb03000')
    expect(r1.findAll('[data-testid^="ring-1-desc-"]')).toHaveLength(4)
  })

  it('colours each descriptor by the owner the lab decoded for it', () => {
    const rs = rings()
    const w = mount(VringInspector, { props: { rings: rs }, global: { plugins: [pinia] } })
    const tx = rs.find((r) => r.queue === 1)!
    // the fixture has a used and an available descriptor; every row shows exactly its owner
    expect(tx.desc.map((d) => d.owner)).toEqual(expect.arrayContaining(['used', 'avail']))
    for (const d of tx.desc) {
      expect(w.get(`[data-testid="ring-1-desc-${d.i}"]`).classes()).toContain('owner-' + d.owner)
      expect(w.get(`[data-testid="ring-1-desc-${d.i}"] [data-testid="desc-owner"]`).text()).toBe(d.owner)
    }
  })

  it('shows desc fields, the bytes in hex and ASCII, the END marker, and the indices', () => {
    const rs = rings()
    const tx = rs.find((r) => r.queue === 1)!
    const w = mount(VringInspector, { props: { rings: rs }, global: { plugins: [pinia] } })
    const used = tx.desc.find((d) => d.owner === 'used')!
    const row = w.get(`[data-testid="ring-1-desc-${used.i}"]`)
    expect(row.text()).toContain(used.addr)
    expect(row.text()).toContain('0x' + used.off!.toString(16).padStart(6, '0'))
    const b = used.bytes[0]
    expect(row.text()).toContain(`${b.toString(16).padStart(2, '0')} |${String.fromCharCode(b)}|`)
    expect(w.get('[data-testid="ring-1-desc-3"]').text()).toContain('END') // next = 0x8000, no NEXT flag
    expect(w.get('[data-testid="ring-1-avail"] [data-testid="avail-idx"]').text()).toBe(String(tx.avail.idx))
    expect(w.get('[data-testid="ring-1-used"] [data-testid="used-idx"]').text()).toBe(String(tx.used.idx))
  })

  it('clicking a descriptor selects its entry and its buffer (cross-highlight)', async () => {
    const rs = rings()
    const avail = rs.find((r) => r.queue === 1)!.desc.find((d) => d.owner === 'avail')!
    const w = mount(VringInspector, { props: { rings: rs }, global: { plugins: [pinia] } })
    await w.get(`[data-testid="ring-1-desc-${avail.i}"]`).trigger('click')
    expect(useSelectionStore().selection).toEqual({
      key: `desc:1:${avail.i}`,
      label: `transmitq desc[${avail.i}]`,
      off: 0x103000 + 16 * avail.i,
      len: 16,
      extra: [{ off: avail.off, len: 1 }]
    })
    expect(w.get(`[data-testid="ring-1-desc-${avail.i}"]`).classes()).toContain('selected')
  })

  it('shows the errors the lab finds in a ring a hostile peer corrupted', () => {
    // avail.idx of transmitq (shm 0x103042) set 9 ahead of used.idx
    const s = corruptTx()
    const tx = s.rings.find((r) => r.queue === 1)!
    expect(tx.errors.length).toBeGreaterThan(0)
    const w = mount(VringInspector, { props: { rings: s.rings }, global: { plugins: [pinia] } })
    const shown = w.get('[data-testid="ring-1-errors"]').text()
    for (const e of tx.errors) expect(shown).toContain(e)
  })
})
