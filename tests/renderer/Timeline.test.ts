// @vitest-environment happy-dom
// Timeline: virtual scrolling over the whole kept trace, the display filter (errors as you type),
// selection out of live mode, keyboard, go to #N / time, a clean view after a reset, the FABRIC
// lane's linked steps, and "export all matching" streamed page by page.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import Timeline from '../../src/renderer/src/components/Timeline.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import type { TraceEvent, TraceKind } from '../../src/shared/contract'
import { fakeApi, snapshot } from './support'

type W = VueWrapper<InstanceType<typeof Timeline>>

/** a trace of n events: 'store' everywhere, 'irq' at every 100th index, extra kinds where given */
function makeTrace(n: number, special: Record<number, Partial<TraceEvent> & { k: TraceKind }> = {}, from = 0): TraceEvent[] {
  const out: TraceEvent[] = []
  for (let i = from; i < n; i++) {
    const base: TraceEvent =
      i % 100 === 0
        ? { i, t: i * 1000, k: 'irq', side: 'driver', to: 1, vector: 0, count: 1 }
        : { i, t: i * 1000, k: 'store', side: 'device', off: 0x70, name: 'Status', w: 4, old: '0x00000000', new: '0x00000004' }
    out.push(special[i] ? { i, t: i * 1000, ...special[i] } : base)
  }
  return out
}

function withTotal(total: number, first = 0, seq = 2) {
  const s = snapshot({ seq })
  s.counters = { ...s.counters, traceEvents: total, traceFirst: first }
  return s
}

async function setup(trace: TraceEvent[], firstKept = 0) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi(withTotal(trace.length, firstKept, 1))
  const service = { trace, firstKept }
  // the service: events [from, from + count) it still keeps, at most 5000 per call
  api.getTrace.mockImplementation(async (from: number, count: number) => {
    const a = Math.max(Math.trunc(from), service.firstKept)
    const b = Math.min(service.trace.length, Math.trunc(from) + Math.min(5000, Math.trunc(count)))
    return service.trace.slice(a, Math.max(a, b))
  })
  const store = useLabStore()
  await store.init(api)
  const w = mount(Timeline, { global: { plugins: [pinia] }, attachTo: document.body }) as W
  await idle()
  return { api, store, w, service }
}

/** let refreshes, block loads, filter debounce and scans finish */
async function idle(ms = 0): Promise<void> {
  for (let k = 0; k < 4; k++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, ms))
  }
  await flushPromises()
}
const FILTER_WAIT = 260

const listed = (w: W): number[] => w.findAll('[data-testid^="event-"]').map((e) => Number(e.attributes('data-testid')!.slice(6)))
const $ = (w: W, id: string) => w.get(`[data-testid="${id}"]`)
const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, k) => a + k * step)

async function filter(w: W, text: string): Promise<void> {
  await $(w, 'timeline-filter').setValue(text)
  await idle(FILTER_WAIT)
  await idle()
}
async function scrollTo(w: W, px: number): Promise<void> {
  const el = $(w, 'timeline-list').element as HTMLElement
  el.scrollTop = px
  await $(w, 'timeline-list').trigger('scroll')
  await idle()
}
async function press(w: W, key: string): Promise<void> {
  await $(w, 'timeline-list').trigger('keydown', { key })
  await idle()
}

describe('Timeline: virtual scrolling over the kept trace', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('live: the newest events from the pushed tail, without an RPC; only the rows in view are rendered', async () => {
    const trace = makeTrace(3000)
    const { api, w } = await setup([])
    api.push({ type: 'trace', events: trace.slice(2700) })
    api.push({ type: 'snapshot', snap: withTotal(3000) })
    await idle(300)
    const ids = listed(w)
    expect(ids[ids.length - 1]).toBe(2999)
    expect(ids.length).toBeLessThan(50) // a 400 px view + overscan, not 3000 rows
    expect(ids).toEqual(range(ids[0], 2999))
    expect(api.getTrace).not.toHaveBeenCalled()
    expect($(w, 'timeline-live').attributes('aria-pressed')).toBe('true')
    w.unmount()
  })

  it('the first event of the run is reachable by scrolling; the middle loads in blocks of 500', async () => {
    const { api, w } = await setup(makeTrace(20_000))
    await $(w, 'timeline-first').trigger('click')
    await idle()
    expect(listed(w)[0]).toBe(0)
    expect($(w, 'timeline-live').attributes('aria-pressed')).toBe('false')
    await scrollTo(w, 10_000 * 18)
    expect(listed(w)).toContain(10_005)
    expect(Math.max(...api.getTrace.mock.calls.map((c) => c[1]))).toBeLessThanOrEqual(500)
    expect(w.findAll('[data-testid="row-pending"]')).toHaveLength(0)
    w.unmount()
  })

  it('a sliding trace: rows start at the oldest kept event; a trimmed block teaches where that is', async () => {
    const { w, api } = await setup(makeTrace(10_000), 9_700)
    expect($(w, 'timeline-first-kept').text()).toBe('kept from #9700')
    await $(w, 'timeline-first').trigger('click')
    await idle()
    expect(listed(w)[0]).toBe(9700)
    // an older service that does not say: an empty block moves the front on
    api.push({ type: 'snapshot', snap: withTotal(10_000, 0, 5) })
    await idle(300)
    expect(listed(w)[0]).toBe(9700)
    w.unmount()
  })
})

describe('Timeline: display filter', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('scans the whole kept trace for matches (5000 per call) and lists only them', async () => {
    const { api, w } = await setup(makeTrace(12_000, { 7000: { k: 'doorbell', side: 'driver', from: 1, to: 0, vector: 0, outcome: 'dropped' } }))
    await filter(w, 'kind == irq')
    expect($(w, 'timeline-filter-status').text()).toBe('119 matching of 12000 scanned') // #7000 is the doorbell
    await $(w, 'timeline-first').trigger('click')
    await idle()
    expect(listed(w).slice(0, 5)).toEqual([0, 100, 200, 300, 400])
    expect(w.findAll('[data-kind]').every((e) => e.attributes('data-kind') === 'irq')).toBe(true)
    expect(Math.max(...api.getTrace.mock.calls.map((c) => c[1]))).toBeLessThanOrEqual(5000)
    await filter(w, 'kind == doorbell && dropped')
    expect(listed(w)).toEqual([7000])
    // the kind toggles narrow the text filter further
    await $(w, 'timeline-kind-doorbell').setValue(false)
    await idle()
    expect(listed(w)).toEqual([])
    expect($(w, 'timeline-empty').text()).toBe('no events match the filter')
    w.unmount()
  })

  it('shows the error as you type, with its column, and keeps the last valid filter', async () => {
    const { w } = await setup(makeTrace(1000))
    await filter(w, 'kind == irq')
    expect(listed(w)).toHaveLength(10)
    await filter(w, 'kind == irq && sied == driver')
    expect($(w, 'timeline-filter-status').text()).toBe("col 16: unknown field 'sied' (try side, kind, reg, off, q, vector, t, dropped…)")
    expect($(w, 'timeline-filter').attributes('aria-invalid')).toBe('true')
    expect(listed(w)).toHaveLength(10)
    await filter(w, '')
    expect($(w, 'timeline-filter').attributes('aria-invalid')).toBe('false')
    expect(listed(w).length).toBeGreaterThan(10)
    w.unmount()
  })

  it('live with a filter: new events extend the matches', async () => {
    const trace = makeTrace(1000)
    const { api, w, service } = await setup(trace)
    await filter(w, 'kind == irq')
    expect(listed(w)).toEqual(range(0, 900, 100))
    service.trace = makeTrace(1300)
    api.push({ type: 'trace', events: service.trace.slice(1000) })
    api.push({ type: 'snapshot', snap: withTotal(1300) })
    await idle(300)
    expect(listed(w)).toEqual(range(0, 1200, 100))
    w.unmount()
  })
})

describe('Timeline: selection and keyboard', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('selecting an event leaves live mode; the row stays in view while events keep arriving', async () => {
    const { api, store, w, service } = await setup(makeTrace(3000))
    const target = listed(w)[10]
    await $(w, 'event-' + target).trigger('click')
    await idle()
    expect(store.viewingEvent).toBe(target)
    expect(api.snapshotAt).toHaveBeenCalledWith(target)
    expect($(w, 'timeline-live').attributes('aria-pressed')).toBe('false')
    service.trace = makeTrace(4000)
    api.push({ type: 'trace', events: service.trace.slice(3000) })
    api.push({ type: 'snapshot', snap: withTotal(4000) })
    await idle(300)
    expect(listed(w)).toContain(target)
    expect($(w, 'event-' + target).classes()).toContain('selected')
    expect($(w, 'timeline-list').attributes('aria-activedescendant')).toBe('tl-ev-' + target)
    w.unmount()
  })

  it('a time travel started elsewhere (compare panel, register #event) brings its row into view', async () => {
    const { store, w } = await setup(makeTrace(3000))
    expect(listed(w)).not.toContain(40)
    await store.viewEvent(40)
    await idle()
    expect(listed(w)).toContain(40)
    expect($(w, 'event-40').classes()).toContain('selected')
    expect($(w, 'timeline-live').attributes('aria-pressed')).toBe('false')
    w.unmount()
  })

  it('arrow keys move from the selection (to the next match when filtered); Home / End; Esc back to live', async () => {
    const { store, w } = await setup(makeTrace(3000))
    await $(w, 'timeline-goto').setValue('#1500')
    await $(w, 'timeline-goto').trigger('submit')
    await idle()
    expect(store.viewingEvent).toBe(1500)
    await press(w, 'ArrowDown')
    expect(store.viewingEvent).toBe(1501)
    await press(w, 'ArrowUp')
    await press(w, 'ArrowUp')
    expect(store.viewingEvent).toBe(1499)
    expect(listed(w)).toContain(1499)
    await filter(w, 'kind == irq')
    await press(w, 'ArrowDown')
    expect(store.viewingEvent).toBe(1500)
    await press(w, 'ArrowDown')
    expect(store.viewingEvent).toBe(1600)
    await press(w, 'Home')
    expect(store.viewingEvent).toBe(0)
    await press(w, 'End')
    expect(store.viewingEvent).toBe(2900)
    expect(listed(w)).toContain(2900)
    await press(w, 'Escape')
    expect(store.viewingEvent).toBe(null)
    expect($(w, 'timeline-live').attributes('aria-pressed')).toBe('true')
    w.unmount()
  })

  it('go to a time finds the first event at or after it; bad input and unkept events are said', async () => {
    const { store, w } = await setup(makeTrace(3000), 500)
    const go = async (text: string) => {
      await $(w, 'timeline-goto').setValue(text)
      await $(w, 'timeline-goto').trigger('submit')
      await idle()
    }
    await go('1.2345ms') // 1 234 500 ns: event 1235 (t = i µs)
    expect(store.viewingEvent).toBe(1235)
    expect(listed(w)).toContain(1235)
    await go('12 apples')
    expect($(w, 'timeline-goto-msg').text()).toBe('"12 apples" is neither an event number (#1234) nor a time (12.5s, 300ms, 40us)')
    await go('#10')
    expect($(w, 'timeline-goto-msg').text()).toBe('#10 is no longer kept (kept from #500)')
    await go('#3000')
    expect($(w, 'timeline-goto-msg').text()).toBe('no event #3000 yet (newest is #2999)')
    expect(store.viewingEvent).toBe(1235)
    w.unmount()
  })
})

describe('Timeline: a new run', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('after a reset the view starts clean at event 0 of the new run; the old run\'s answers are dropped', async () => {
    const { api, w, service } = await setup(makeTrace(20_000), 15_000)
    expect($(w, 'timeline-first-kept').text()).toBe('kept from #15000')
    // a block of the old run is still in flight when the reset arrives
    let release: () => void = () => undefined
    api.getTrace.mockImplementationOnce(async () => {
      await new Promise<void>((r) => (release = r))
      return makeTrace(19_000).slice(18_000)
    })
    await scrollTo(w, 3000 * 18)
    service.trace = makeTrace(300)
    service.firstKept = 0
    api.push({ type: 'reset', config: snapshot().config })
    release()
    await idle()
    // the old run's snapshot (20 000 events) no longer counts; the new run's events arrive
    api.push({ type: 'trace', events: service.trace })
    api.push({ type: 'snapshot', snap: withTotal(300, 0, 9) })
    await idle(300)
    expect(w.find('[data-testid="timeline-first-kept"]').exists()).toBe(false)
    expect($(w, 'timeline-range').text()).toMatch(/ \/ 300$/)
    await $(w, 'timeline-first').trigger('click')
    await idle()
    expect(listed(w)[0]).toBe(0)
    expect(listed(w).every((i) => i < 300)).toBe(true)
    w.unmount()
  })
})

describe('Timeline: FABRIC lane', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('draws doorbell → signal → irq in the fabric lane; selecting one marks the chain as steps 1-2-3', async () => {
    const { w } = await setup(
      makeTrace(50, {
        10: { k: 'doorbell', side: 'driver', from: 1, to: 0, vector: 0, value: '0x00000000', outcome: 'sent' },
        11: { k: 'doorbell', side: 'driver', from: 1, to: 0, vector: 1, value: '0x00000001', outcome: 'sent' },
        12: { k: 'signal', side: 'device', from: 1, to: 0, vector: 0, count: 1, outcome: 'delivered' },
        14: { k: 'irq', side: 'device', to: 0, vector: 0, count: 1, outcome: 'delivered' },
        20: { k: 'doorbell', side: 'driver', from: 1, to: 0, vector: 0, value: '0x00000000', outcome: 'sent' }
      })
    )
    await $(w, 'timeline-first').trigger('click')
    await idle()
    const fabricCell = $(w, 'event-10').get('.cell.fabric')
    expect(fabricCell.text()).toContain('doorbell')
    expect(fabricCell.text()).toContain('peer 1 → peer 0 v0')
    expect($(w, 'event-10').get('.cell.driver').text()).toBe('')
    await $(w, 'event-12').trigger('click')
    await idle()
    const steps = Object.fromEntries(w.findAll('[data-testid="chain-step"]').map((s) => [s.element.closest('[data-kind]')!.getAttribute('data-testid'), s.text()]))
    expect(steps).toEqual({ 'event-10': '1', 'event-12': '2', 'event-14': '3' })
    w.unmount()
  })
})

describe('Timeline export: every matching kept event', () => {
  let blobs: Blob[]
  let names: string[]
  beforeEach(() => {
    setActivePinia(createPinia())
    blobs = []
    names = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b: Blob | MediaSource) => {
      blobs.push(b as Blob)
      return 'blob:lab/' + blobs.length
    })
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download)
    })
  })
  afterEach(() => vi.restoreAllMocks())

  const special = {
    5: { k: 'console' as const, side: 'device' as const, data: 'Hi, "you"\n' },
    7: { k: 'error' as const, msg: 'desc 9 out of range' },
    11_100: { k: 'console' as const, side: 'driver' as const, data: 'ok' }
  }

  it('CSV of the matching events across the whole kept trace: exact header and rows', async () => {
    const { api, w } = await setup(makeTrace(12_000, special))
    await filter(w, 'kind in {console, error}')
    await $(w, 'timeline-export-csv').trigger('click')
    await idle()
    expect(names).toEqual(['trace-5-11100-filtered.csv'])
    expect(blobs[0].type).toMatch(/^text\/csv/)
    expect(await blobs[0].text()).toBe(
      ['i,t_ns,kind,side,summary', '5,5000,console,device,"""Hi, ""you""\\n"""', '7,7000,error,,msg=desc 9 out of range', '11100,11100000,console,driver,"""ok"""', ''].join('\r\n')
    )
    expect(Math.max(...api.getTrace.mock.calls.map((c) => c[1]))).toBeLessThanOrEqual(5000)
    expect($(w, 'timeline-export-result').text()).toBe('saved 3 events as trace-5-11100-filtered.csv')
    w.unmount()
  })

  it('JSON Lines, unfiltered: every kept event, one object per line, as received', async () => {
    const trace = makeTrace(7000, special)
    const { w } = await setup(trace, 1000)
    await $(w, 'timeline-export-jsonl').trigger('click')
    await idle()
    expect(names).toEqual(['trace-1000-6999.jsonl'])
    const lines = (await blobs[0].text()).split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(6000)
    expect(lines.map((l) => JSON.parse(l))).toEqual(trace.slice(1000))
    w.unmount()
  })
})
