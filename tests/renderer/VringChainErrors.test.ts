// @vitest-environment happy-dom
// Chain errors from the snapshot's ring view (tests/lab/ring-view.test.ts builds the real ones).
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import VringInspector from '../../src/renderer/src/components/VringInspector.vue'
import { ring } from './support'

describe('VringInspector: chain errors', () => {
  it('lists each failing chain with its code, descriptor, slot and head', () => {
    const r = ring(1, 0x103000, ['avail', 'avail', 'free', 'free'])
    r.chainErrors = [
      { code: 'InvalidDescriptorIndex', message: 'desc[1] (head 0).next = 9 >= queue size 4', slot: 0, head: 0, desc: 1 },
      { code: 'AddressOutOfRange', message: 'indirect table outside shm', slot: 1, head: 2, desc: null }
    ]
    const w = mount(VringInspector, { props: { rings: [r] }, global: { plugins: [createPinia()] } })
    const items = w.findAll('[data-testid="ring-1-chain-errors"] li')
    expect(items.map((i) => i.attributes('data-testid'))).toEqual(['chain-error-InvalidDescriptorIndex', 'chain-error-AddressOutOfRange'])
    expect(items[0]!.text()).toBe('⚠ InvalidDescriptorIndex at desc[1] (avail[0], head 0): desc[1] (head 0).next = 9 >= queue size 4')
    expect(items[1]!.text()).toBe('⚠ AddressOutOfRange (avail[1], head 2): indirect table outside shm')
  })

  it('shows no list when every pending chain walks', () => {
    const w = mount(VringInspector, { props: { rings: [ring(0, 0x101000, ['free', 'free', 'free', 'free'])] }, global: { plugins: [createPinia()] } })
    expect(w.find('[data-testid="ring-0-chain-errors"]').exists()).toBe(false)
  })
})
