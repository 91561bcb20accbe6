// @vitest-environment happy-dom
// Chain errors on a ring the real lab decoded after a hostile store (tests/fixtures/real-snapshots.ts:
// the available TX descriptor's next points at desc 9 of 4); tests/lab/ring-view.test.ts covers the walker.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import VringInspector from '../../src/renderer/src/components/VringInspector.vue'
import { badChain, midRun } from './real'

describe('VringInspector: chain errors', () => {
  it('lists each failing chain with its code, descriptor, slot and head', () => {
    const s = badChain()
    const tx = s.rings.find((r) => r.queue === 1)!
    const errs = tx.chainErrors ?? []
    expect(errs.map((e) => e.code)).toEqual(['InvalidDescriptorIndex'])
    const w = mount(VringInspector, { props: { rings: s.rings }, global: { plugins: [createPinia()] } })
    const items = w.findAll('[data-testid="ring-1-chain-errors"] li')
    expect(items.map((i) => i.attributes('data-testid'))).toEqual(['chain-error-InvalidDescriptorIndex'])
    const e = errs[0]!
    expect(items[0]!.text()).toBe(`⚠ InvalidDescriptorIndex at desc[${e.desc}] (avail[${e.slot}], head ${e.head}): ${e.message}`)
  })

  it('shows no list when every pending chain walks', () => {
    const w = mount(VringInspector, { props: { rings: midRun().rings }, global: { plugins: [createPinia()] } })
    expect(w.find('[data-testid="ring-0-chain-errors"]').exists()).toBe(false)
    expect(w.find('[data-testid="ring-1-chain-errors"]').exists()).toBe(false)
  })
})
