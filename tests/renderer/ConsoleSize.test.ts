// @vitest-environment happy-dom
// The device console pane reports xterm's size to resizeConsole when a fit changes cols/rows:
// debounced, once per change, never for the driver pane (docs/spec-profile.md#console-size).
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { RESIZE_DEBOUNCE_MS } from '../../src/renderer/src/composables/useConsoleSize'
import { fakeApi } from './support'

// happy-dom lays nothing out, so the fit addon is replaced by one that resizes the terminal to
// what the test says the pane now fits (the real addon computes it from the cell size)
const fits = vi.hoisted(() => ({ next: { cols: 80, rows: 24 } }))
vi.mock('@xterm/addon-fit', () => ({
  FitAddon: class {
    private term: { resize(c: number, r: number): void } | null = null
    activate(t: { resize(c: number, r: number): void }): void {
      this.term = t
    }
    dispose(): void {}
    fit(): void {
      this.term?.resize(fits.next.cols, fits.next.rows)
    }
  }
}))
// and a ResizeObserver the test triggers
const observers: (() => void)[] = []
class FakeRO {
  constructor(private readonly cb: () => void) {}
  observe(): void {
    observers.push(this.cb)
  }
  disconnect(): void {}
}

const { default: ConsolePane } = await import('../../src/renderer/src/components/ConsolePane.vue')

async function setup(side: 'device' | 'driver') {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi()
  await useLabStore().init(api)
  const w = mount(ConsolePane, { props: { side, title: side }, global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return { api, w }
}

/** the pane's box changed: the ResizeObserver fires, the pane fits (after its own 80 ms) */
async function paneResized(cols: number, rows: number): Promise<void> {
  fits.next = { cols, rows }
  for (const cb of observers) cb()
  await vi.advanceTimersByTimeAsync(100 + RESIZE_DEBOUNCE_MS)
  await flushPromises()
}

describe('ConsolePane console size', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.stubGlobal('ResizeObserver', FakeRO)
    observers.length = 0
    fits.next = { cols: 80, rows: 24 }
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('a fit that changes cols/rows calls resizeConsole once with the new size', async () => {
    const { api, w } = await setup('device')
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS)
    await flushPromises()
    expect(api.resizeConsole).toHaveBeenCalledTimes(1) // the first fit: 80x24
    expect(api.resizeConsole).toHaveBeenLastCalledWith('device', 80, 24)
    await paneResized(132, 43)
    expect(api.resizeConsole).toHaveBeenCalledTimes(2)
    expect(api.resizeConsole).toHaveBeenLastCalledWith('device', 132, 43)
    expect(w.get('[data-testid="console-device-size"]').text()).toBe('132×43')
    // a fit to the same size: nothing sent
    await paneResized(132, 43)
    expect(api.resizeConsole).toHaveBeenCalledTimes(2)
    // a drag: many fits within the debounce, one call with the last size
    fits.next = { cols: 100, rows: 30 }
    for (const cb of observers) cb()
    await vi.advanceTimersByTimeAsync(100)
    fits.next = { cols: 101, rows: 31 }
    for (const cb of observers) cb()
    await vi.advanceTimersByTimeAsync(100 + RESIZE_DEBOUNCE_MS)
    await flushPromises()
    expect(api.resizeConsole).toHaveBeenCalledTimes(3)
    expect(api.resizeConsole).toHaveBeenLastCalledWith('device', 101, 31)
    w.unmount()
  })

  it('the driver pane (the lab log) never calls it; a seed answer shows no size', async () => {
    const { api, w } = await setup('driver')
    await paneResized(120, 40)
    expect(api.resizeConsole).not.toHaveBeenCalled()
    w.unmount()
    const d = await setup('device')
    d.api.resizeConsole.mockResolvedValue({ applied: false, cols: 90, rows: 20, generation: null, interrupt: false, note: 'no SIZE in the seed (Q8)' })
    await paneResized(90, 20)
    expect(d.api.resizeConsole).toHaveBeenLastCalledWith('device', 90, 20)
    expect(d.w.find('[data-testid="console-device-size"]').exists()).toBe(false)
    d.w.unmount()
  })
})
