// @vitest-environment happy-dom
// Console toolbar features: search (addon-search), copy, save log, clear, timestamps.
// Assertions are on bytes and text (clipboard contents, Blob bytes, terminal buffer), not on calls.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
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
  let seq = 0
  /** push bytes as the service would (next stream offset), flush the frame batch, wait for xterm */
  async function feed(data: string): Promise<void> {
    api.push({ type: 'console', side: 'device', data, seq })
    seq += data.length
    store.flush()
    await w.vm.whenIdle()
    await flushPromises()
  }
  /** the lab's virtual time moves on (the next console chunk is stamped with it) */
  function at(tNs: number, n: number): void {
    api.push({ type: 'snapshot', snap: snapshot({ seq: n, t: tNs }) })
  }
  return { api, store, w, feed, at }
}

const $ = (w: Pane, id: string) => w.get(`[data-testid="console-device-${id}"]`)

async function settled(w: Pane): Promise<void> {
  await flushPromises()
  await w.vm.whenIdle()
  await flushPromises()
}

describe('console search (addon-search)', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('typing finds matches, counts them, next / previous walk and wrap', async () => {
    const { w, feed } = await setup()
    await feed('alpha Hello\r\nbeta hello world\r\ngamma HELLO\r\nno match here\r\n')
    expect(w.find('[data-testid="console-device-search"]').exists()).toBe(false)
    await $(w, 'search-toggle').trigger('click')
    // type the term one key at a time: type-ahead keeps the first match active
    for (const prefix of ['h', 'he', 'hel', 'hell', 'hello']) await $(w, 'search').setValue(prefix)
    expect($(w, 'search-count').text()).toBe('1/3')
    await $(w, 'search-next').trigger('click')
    expect($(w, 'search-count').text()).toBe('2/3')
    await $(w, 'search-next').trigger('click')
    expect($(w, 'search-count').text()).toBe('3/3')
    await $(w, 'search-next').trigger('click')
    expect($(w, 'search-count').text()).toBe('1/3') // wraps
    await $(w, 'search-prev').trigger('click')
    expect($(w, 'search-count').text()).toBe('3/3')
    // Enter / Shift+Enter in the field do the same
    await $(w, 'search').trigger('keydown', { key: 'Enter' })
    expect($(w, 'search-count').text()).toBe('1/3')
    await $(w, 'search').trigger('keydown', { key: 'Enter', shiftKey: true })
    expect($(w, 'search-count').text()).toBe('3/3')
    w.unmount()
  })

  it('type-ahead stays on the match being typed instead of jumping to the next one', async () => {
    const { w, feed } = await setup()
    await feed('ha hello\r\nhello again\r\n')
    await $(w, 'search-toggle').trigger('click')
    await $(w, 'search').setValue('h')
    await $(w, 'search').setValue('he') // first "he": row 0, column 3
    expect($(w, 'search-count').text()).toBe('1/2')
    for (const prefix of ['hel', 'hell', 'hello']) {
      await $(w, 'search').setValue(prefix)
      expect($(w, 'search-count').text()).toBe('1/2')
    }
    w.unmount()
  })

  it('case-sensitive and regex toggles change the matches; bad regex and no match are said', async () => {
    const { w, feed } = await setup()
    await feed('alpha Hello\r\nbeta hello world\r\ngamma HELLO\r\n')
    await $(w, 'search-toggle').trigger('click')
    await $(w, 'search').setValue('Hello')
    expect($(w, 'search-count').text()).toBe('1/3')
    await $(w, 'search-case').setValue(true)
    expect($(w, 'search-count').text()).toBe('1/1')
    await $(w, 'search-case').setValue(false)
    await $(w, 'search-regex').setValue(true)
    await $(w, 'search').setValue('^(beta|gamma) h')
    expect($(w, 'search-count').text()).toBe('1/2')
    await $(w, 'search').setValue('hel(')
    expect($(w, 'search-count').text()).toBe('invalid regex')
    await $(w, 'search-regex').setValue(false)
    await $(w, 'search').setValue('zebra')
    expect($(w, 'search-count').text()).toBe('no match')
    await $(w, 'search').setValue('')
    expect($(w, 'search-count').text()).toBe('')
    w.unmount()
  })
})

describe('console copy', () => {
  let writeText: ReturnType<typeof vi.fn<(s: string) => Promise<void>>>
  beforeEach(() => {
    setActivePinia(createPinia())
    writeText = vi.fn<(s: string) => Promise<void>>(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
  })
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'clipboard')
  })

  it('without a selection copies the whole log, byte for byte (not the formatted view)', async () => {
    const { w, feed } = await setup()
    const a = 'VIRTIO_MMIO_MAGIC_VALUE: 0x74726976\r\n'
    const b = 'caf\xe9 \x07bell\n'
    await feed(a)
    await feed(b)
    await $(w, 'timestamps').setValue(true) // the view gets prefixes, the copy must not
    await settled(w)
    await $(w, 'copy').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledTimes(1)
    expect(writeText.mock.calls[0][0]).toBe(a + b)
    expect($(w, 'note').text()).toBe(`copied log: ${a.length + b.length} chars`)
    w.unmount()
  })

  it('with a selection copies just the selected text', async () => {
    const { w, feed } = await setup()
    await feed('alpha Hello\r\nbeta\r\n')
    w.vm.select(6, 0, 5)
    await $(w, 'copy').trigger('click')
    await flushPromises()
    expect(writeText.mock.calls[0][0]).toBe('Hello')
    expect($(w, 'note').text()).toBe('copied selection: 5 chars')
    w.unmount()
  })

  it('an empty console copies nothing and says so', async () => {
    const { w } = await setup()
    await $(w, 'copy').trigger('click')
    await flushPromises()
    expect(writeText).not.toHaveBeenCalled()
    expect($(w, 'note').text()).toBe('nothing to copy')
    w.unmount()
  })
})

describe('console save log', () => {
  let blobs: Blob[]
  let clicked: { download: string; href: string }[]
  beforeEach(() => {
    setActivePinia(createPinia())
    blobs = []
    clicked = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b: Blob | MediaSource) => {
      blobs.push(b as Blob)
      return 'blob:lab/' + blobs.length
    })
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ download: this.download, href: this.getAttribute('href') ?? '' })
    })
  })
  afterEach(() => vi.restoreAllMocks())

  it('downloads a Blob with exactly the received bytes as instance_1-device-<time>.log', async () => {
    const { w, feed } = await setup()
    const data = 'Config Status DRIVER_OK\r\n[8010]: Hello\n\xff\x00\xe9end'
    await feed(data.slice(0, 10))
    await feed(data.slice(10))
    await $(w, 'timestamps').setValue(true) // the file is the raw log, never the formatted view
    await $(w, 'hex').setValue(true)
    await settled(w)
    await $(w, 'save').trigger('click')
    expect(blobs).toHaveLength(1)
    expect(clicked).toHaveLength(1)
    expect(clicked[0].href).toBe('blob:lab/1')
    expect(clicked[0].download).toMatch(/^instance_1-device-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.log$/)
    const bytes = Array.from(new Uint8Array(await blobs[0].arrayBuffer()))
    expect(bytes).toEqual(Array.from(data, (c) => c.charCodeAt(0)))
    expect(blobs[0].type).toMatch(/^text\/plain/)
    expect($(w, 'note').text()).toBe(`saved ${data.length} bytes as ${clicked[0].download}`)
    // the anchor does not stay in the document
    expect(document.querySelectorAll('a[download]')).toHaveLength(0)
    w.unmount()
  })
})

describe('console clear', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('clears the screen but keeps the byte counters, and says how many bytes were cleared', async () => {
    const { w, feed, store } = await setup()
    await feed('before one\r\nbefore two\r\n') // 24 bytes
    expect(w.vm.terminalText()).toBe('before one\nbefore two')
    await $(w, 'clear').trigger('click')
    await settled(w)
    expect(w.vm.terminalText()).toBe('')
    expect($(w, 'text').element.textContent).toBe('')
    expect($(w, 'rx').text()).toBe('24')
    expect($(w, 'written').text()).toBe('24')
    expect($(w, 'note').text()).toContain('cleared 24 bytes from the view')
    expect(store.received.device).toBe(24)
    // later bytes show, and the counters keep counting from 24
    await feed('after\r\n')
    expect(w.vm.terminalText()).toBe('after')
    expect($(w, 'rx').text()).toBe('31')
    expect($(w, 'written').text()).toBe('31')
    // a re-render (timestamps on) does not bring the cleared bytes back
    await $(w, 'timestamps').setValue(true)
    await settled(w)
    expect(w.vm.terminalText()).toBe(`[${fmtTimePrefix(snapshot().t)}] after`)
    expect($(w, 'rx').text()).toBe('31')
    expect($(w, 'written').text()).toBe('31')
    w.unmount()
  })
})

describe('console timestamps', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('prefix each line with the virtual time its first byte arrived; toggling re-renders from the kept bytes', async () => {
    const { w, feed, at } = await setup()
    at(1_500_000_000, 2)
    await feed('one\r\ntw')
    at(2_250_000_000, 3)
    await feed('o\r\nthree\r\n')
    at(12_345_678_901, 4)
    await feed('four')
    const plain = 'one\ntwo\nthree\nfour'
    expect(w.vm.terminalText()).toBe(plain)
    await $(w, 'timestamps').setValue(true)
    await settled(w)
    expect(w.vm.terminalText()).toBe(
      ['[   1.500000] one', '[   1.500000] two', '[   2.250000] three', '[  12.345679] four'].join('\n')
    )
    // counters are about bytes received, not characters displayed
    expect($(w, 'rx').text()).toBe('21')
    expect($(w, 'written').text()).toBe('21')
    await $(w, 'timestamps').setValue(false)
    await settled(w)
    expect(w.vm.terminalText()).toBe(plain)
    expect($(w, 'written').text()).toBe('21')
    // new bytes after a toggle continue the same line without a second prefix
    await $(w, 'timestamps').setValue(true)
    await settled(w)
    await feed(' more\r\nfive\r\n')
    expect(w.vm.terminalText().split('\n').slice(-2)).toEqual(['[  12.345679] four more', '[  12.345679] five'])
    w.unmount()
  })

  it('hex view with timestamps prefixes every 16-byte row', async () => {
    const { w, feed, at } = await setup()
    at(3_000_000_000, 2)
    await feed('0123456789abcdefXY')
    await $(w, 'hex').setValue(true)
    await $(w, 'timestamps').setValue(true)
    await settled(w)
    expect(w.vm.terminalText()).toBe(
      [
        '[   3.000000] 00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|',
        '[   3.000000] 00000010  58 59 ' // the row in progress
      ].join('\n')
    )
    w.unmount()
  })
})
