// @vitest-environment happy-dom
import { describe, it, expect, beforeEach, vi } from 'vitest'
import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ConsolePane from '../../src/renderer/src/components/ConsolePane.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { fmtTimePrefix } from '../../src/renderer/src/format'
import { fakeApi, snapshot } from './support'

type Pane = VueWrapper<InstanceType<typeof ConsolePane>>

async function setup() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi()
  const store = useLabStore()
  await store.init(api)
  const w = mount(ConsolePane, {
    props: { side: 'device', title: 'instance_1 — device side' },
    global: { plugins: [pinia] },
    attachTo: document.body
  }) as Pane
  await flushPromises()
  return { api, store, w }
}

/** push bytes as the service would, flush the frame batch, wait for xterm to commit them */
async function feed(api: ReturnType<typeof fakeApi>, store: ReturnType<typeof useLabStore>, w: Pane, data: string, seq: number) {
  api.push({ type: 'console', side: 'device', data, seq })
  store.flush()
  await w.vm.whenIdle()
  await flushPromises()
}

describe('ConsolePane', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('text mirror equals the bytes received; counters show received = written', async () => {
    const { api, store, w } = await setup()
    expect(w.get('[data-testid="console-device-title"]').text()).toBe('instance_1 — device side')
    const a = 'Dump the configuration for the virtio mmio device 0x4019ae60\r\n'
    const b = "[8010]: Hello World I'm qemu_cortex_a53 sending data over Virtio-MMIO Serial Port\n"
    await feed(api, store, w, a, 0)
    await feed(api, store, w, b, a.length)
    expect(w.get('[data-testid="console-device-text"]').element.textContent).toBe(a + b)
    expect(store.consoleText('device')).toBe(a + b)
    expect(w.get('[data-testid="console-device-rx"]').text()).toBe(String(a.length + b.length))
    expect(w.get('[data-testid="console-device-written"]').text()).toBe(String(a.length + b.length))
    expect(w.vm.terminalText()).toContain("Hello World I'm qemu_cortex_a53")
    w.unmount()
  })

  it('drops duplicates and fills gaps with consoleSince (no byte lost, none doubled)', async () => {
    const { api, store, w } = await setup()
    await feed(api, store, w, 'abc', 0)
    await feed(api, store, w, 'bcd', 1) // overlap: only 'd' is new
    api.consoleSince.mockResolvedValueOnce({ data: 'efg', seq: 4 })
    api.push({ type: 'console', side: 'device', data: 'hij', seq: 7 }) // gap 4..7
    await flushPromises()
    expect(api.consoleSince).toHaveBeenCalledWith('device', 4)
    store.flush()
    await w.vm.whenIdle()
    expect(w.get('[data-testid="console-device-text"]').element.textContent).toBe('abcdefghij')
    expect(store.lost.device).toBe(0)
    w.unmount()
  })

  it('hex view shows offsets, hex bytes and ASCII; the mirror keeps the plain text', async () => {
    const { api, store, w } = await setup()
    await w.get('[data-testid="console-device-hex"]').setValue(true)
    await flushPromises()
    await feed(api, store, w, 'Hello, virtio!!!\nX', 0)
    const text = w.vm.terminalText()
    expect(text).toContain('00000000  48 65 6c 6c 6f 2c 20 76  69 72 74 69 6f 21 21 21  |Hello, virtio!!!|')
    expect(text).toContain('00000010  0a 58')
    expect(w.get('[data-testid="console-device-text"]').element.textContent).toBe('Hello, virtio!!!\nX')
    // back to text: re-rendered from the log, nothing lost
    await w.get('[data-testid="console-device-hex"]').setValue(false)
    await flushPromises()
    await w.vm.whenIdle()
    expect(w.vm.terminalText()).toContain('Hello, virtio!!!')
    expect(w.vm.terminalText()).not.toContain('48 65')
    w.unmount()
  })

  it('timestamps prefix each line with the virtual time', async () => {
    const { api, store, w } = await setup()
    await w.get('[data-testid="console-device-timestamps"]').setValue(true)
    await flushPromises()
    await feed(api, store, w, 'one\ntwo\n', 0)
    const lines = w.vm.terminalText().split('\n')
    expect(lines[0]).toBe(`[${fmtTimePrefix(snapshot().t)}] one`)
    expect(lines[1]).toBe(`[${fmtTimePrefix(snapshot().t)}] two`)
    w.unmount()
  })

  it('typing sends the bytes to the device UART (sendInput), in order', async () => {
    const { api, w } = await setup()
    const ta = w.element.querySelector('textarea')
    expect(ta).not.toBeNull()
    // xterm's onData fires for text input on its helper textarea
    const core = w.element.querySelector('.xterm-helper-textarea') as HTMLTextAreaElement | null
    expect(core).not.toBeNull()
    core!.dispatchEvent(new InputEvent('input', { data: 'a', inputType: 'insertText', composed: true }))
    core!.dispatchEvent(new InputEvent('input', { data: 'b', inputType: 'insertText', composed: true }))
    await flushPromises()
    await vi.waitFor(() => expect(api.sendInput).toHaveBeenCalledTimes(2))
    expect(api.sendInput.mock.calls).toEqual([
      ['device', 'a'],
      ['device', 'b']
    ])
    w.unmount()
  })

  it('clear empties the view and the mirror; a lab reset zeroes the counters', async () => {
    const { api, store, w } = await setup()
    await feed(api, store, w, 'before\n', 0)
    await w.get('[data-testid="console-device-clear"]').trigger('click')
    await w.vm.whenIdle()
    expect(w.get('[data-testid="console-device-text"]').element.textContent).toBe('')
    expect(w.vm.terminalText()).toBe('')
    api.push({ type: 'reset', config: store.snapshot!.config })
    await w.vm.whenIdle()
    expect(w.get('[data-testid="console-device-rx"]').text()).toBe('0')
    await feed(api, store, w, 'after\n', 0)
    expect(w.get('[data-testid="console-device-text"]').element.textContent).toBe('after\n')
    w.unmount()
  })

  it('a restart puts a marker line between the half-printed line and the new boot banner, not in the log', async () => {
    const { api, store, w } = await setup()
    api.push({ type: 'console', side: 'device', data: 'old line\nhalf pri', seq: 0, t: 11e9, times: [[0, 11e9], [9, 11.9e9]] })
    // one publication: the new instance's banner after the restart mark (its stream offset: 17)
    const inst = snapshot().guests.device.instance
    api.push({
      type: 'console',
      side: 'device',
      data: '*** Booting Zephyr\n',
      seq: 17,
      t: 12.2e9,
      times: [[0, 12.2e9]],
      marks: [{ seq: 17, t: 12e9, n: 1, text: `${inst} restarted at 12.000 s, peer 3` }]
    })
    store.flush()
    await w.vm.whenIdle()
    await flushPromises()
    expect(w.vm.terminalText().split('\n')).toEqual(['old line', 'half pri', `── ${inst} restarted at 12.000 s, peer 3 ──`, '*** Booting Zephyr'])
    expect(store.consoleText('device')).toBe('old line\nhalf pri*** Booting Zephyr\n')
    expect(w.get('[data-testid="console-device-rx"]').text()).toBe('36')
    w.unmount()
  })

  it('says the seed firmware never reads its UART; capture keys and echo are off until asked for', async () => {
    const { w } = await setup()
    expect(w.get('[data-testid="console-device-deaf"]').text()).toContain('never reads its UART')
    expect(w.get('[data-testid="console-device-deaf"]').text()).toContain('Q23')
    expect((w.get('[data-testid="console-device-capture"]').element as HTMLInputElement).checked).toBe(false)
    expect((w.get('[data-testid="console-device-echo"]').element as HTMLInputElement).checked).toBe(false)
    w.unmount()
  })

  it('no notice where the profile says the firmware reads its console (the spec device)', async () => {
    const { store, w } = await setup()
    const snap = snapshot()
    snap.seq += 1
    snap.config = { ...snap.config, profile: 'spec' }
    snap.guests.device.consoleInput = { reads: true, why: 'receiveq' }
    store.applySnapshot(snap)
    await flushPromises()
    expect(w.find('[data-testid="console-device-deaf"]').exists()).toBe(false)
    const next = structuredClone(snap)
    next.seq += 1
    next.guests.device.consoleInput = { reads: false, why: 'the test firmware never reads it (Q99)' }
    store.applySnapshot(next)
    await flushPromises()
    expect(w.get('[data-testid="console-device-deaf"]').text()).toBe('the test firmware never reads it (Q99)')
    w.unmount()
  })
})
