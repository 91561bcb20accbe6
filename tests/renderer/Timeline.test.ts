// @vitest-environment happy-dom
// Timeline: kind filters across the whole kept trace (paged getTrace scans with a per-click cap),
// and export of the listed events as JSON Lines / CSV.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import Timeline from '../../src/renderer/src/components/Timeline.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import type { TraceEvent, TraceKind } from '../../src/shared/contract'
import { fakeApi, snapshot } from './support'

type W = VueWrapper<InstanceType<typeof Timeline>>

/** a trace of n events: 'store' everywhere, 'irq' at every 100th index, extra kinds where given */
function makeTrace(n: number, special: Record<number, Partial<TraceEvent> & { k: TraceKind }> = {}): TraceEvent[] {
  const out: TraceEvent[] = []
  for (let i = 0; i < n; i++) {
    const base: TraceEvent =
      i % 100 === 0
        ? { i, t: i * 1000, k: 'irq', side: 'driver', vector: 0, count: 1 }
        : { i, t: i * 1000, k: 'store', side: 'device', off: 0x70, name: 'Status', w: 4, old: '0x00000000', new: '0x00000004' }
    out.push(special[i] ? { i, t: i * 1000, ...special[i] } : base)
  }
  return out
}

async function setup(trace: TraceEvent[], firstKept = 0) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const snap = snapshot()
  snap.counters = { ...snap.counters, traceEvents: trace.length }
  const api = fakeApi(snap)
  // the service: events [from, from + count) it still keeps, at most 5000 per call
  api.getTrace.mockImplementation(async (from: number, count: number) => {
    const a = Math.max(Math.trunc(from), firstKept)
    const b = Math.min(trace.length, Math.trunc(from) + Math.min(5000, Math.trunc(count)))
    return trace.slice(a, Math.max(a, b))
  })
  const store = useLabStore()
  await store.init(api)
  const w = mount(Timeline, { global: { plugins: [pinia] }, attachTo: document.body }) as W
  await idle(w)
  return { api, store, w }
}

async function idle(w: W): Promise<void> {
  await flushPromises()
  await vi.waitFor(() => expect(w.find('[data-testid="timeline-loading"]').exists()).toBe(false))
  await flushPromises()
}

const listed = (w: W): number[] => w.findAll('[data-testid^="event-"]').map((e) => Number(e.attributes('data-testid')!.slice(6)))
const kindsListed = (w: W): string[] => [...new Set(w.findAll('[data-testid^="event-"]').map((e) => e.attributes('data-kind')!))]
const $ = (w: W, id: string) => w.get(`[data-testid="${id}"]`)
const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, k) => a + k * step)

async function only(w: W, ...kinds: TraceKind[]): Promise<void> {
  await $(w, 'timeline-kinds-none').trigger('click')
  for (const k of kinds) await $(w, 'timeline-kind-' + k).setValue(true)
  await idle(w)
}

function maxCount(api: ReturnType<typeof fakeApi>): number {
  return Math.max(0, ...api.getTrace.mock.calls.map((c) => c[1]))
}

describe('Timeline filters across the trace', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('live, unfiltered: the newest 200 events, from the pushed tail without an RPC', async () => {
    const trace = makeTrace(3000)
    const { api, w } = await setup([])
    api.push({ type: 'trace', events: trace.slice(2700) })
    api.push({ type: 'snapshot', snap: snapshot({ seq: 2, counters: { ...snapshot().counters, traceEvents: 3000 } }) })
    await $(w, 'timeline-live').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual(range(2800, 2999))
    expect($(w, 'timeline-range').text()).toBe('2800–2999 / 3000')
    expect(w.find('[data-testid="timeline-scan"]').exists()).toBe(false)
    expect(api.getTrace).not.toHaveBeenCalled()
    w.unmount()
  })

  it('a filter pages back through getTrace until the page is filled or the trace exhausted', async () => {
    const { api, w } = await setup(makeTrace(3000))
    expect(listed(w)).toEqual(range(2800, 2999)) // one page of 200, unfiltered
    await only(w, 'irq')
    // only 30 irq events exist: the whole trace was scanned to find them
    expect(listed(w)).toEqual(range(0, 2900, 100))
    expect(kindsListed(w)).toEqual(['irq'])
    expect($(w, 'timeline-scan').text()).toBe('30 shown · 2970 hidden of 3000 scanned')
    expect($(w, 'timeline-range').text()).toBe('0–2999 / 3000')
    expect(maxCount(api)).toBeLessThanOrEqual(5000)
    // back to all kinds: the newest page again, no scan note
    await $(w, 'timeline-kinds-all').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual(range(2800, 2999))
    expect(w.find('[data-testid="timeline-scan"]').exists()).toBe(false)
    w.unmount()
  })

  it('pages forward with a filter: a full page of 200 visible events, then the next one', async () => {
    const { w } = await setup(makeTrace(3000))
    await only(w, 'store')
    await $(w, 'timeline-first').trigger('click')
    await idle(w)
    // 200 store events from #1: #100 and #200 are irq and hidden
    const first = range(1, 202).filter((i) => i % 100 !== 0)
    expect(listed(w)).toEqual(first)
    expect($(w, 'timeline-range').text()).toBe('0–202 / 3000')
    expect($(w, 'timeline-scan').text()).toBe('200 shown · 3 hidden of 203 scanned')
    await $(w, 'timeline-next').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual(range(203, 404).filter((i) => i % 100 !== 0))
    // and back again
    await $(w, 'timeline-prev').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual(range(1, 202).filter((i) => i % 100 !== 0))
    w.unmount()
  })

  it('caps a scan at 50 000 events per click, says so, and scans on with the next click', async () => {
    const trace = makeTrace(120_000, {
      10: { k: 'error', msg: 'avail idx jumped' },
      119_000: { k: 'error', msg: 'desc out of range' }
    })
    const { api, w } = await setup(trace)
    await only(w, 'error')
    expect(listed(w)).toEqual([119_000])
    expect($(w, 'timeline-scan').text()).toBe('1 shown · 49999 hidden of 50000 scanned · stopped after 50000 events, ◀ scans on')
    expect($(w, 'timeline-range').text()).toBe('70000–119999 / 120000')
    await $(w, 'timeline-prev').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual([])
    expect($(w, 'timeline-empty').text()).toBe('no events of the selected kinds in #20000–#69999 (50000 scanned); ◀ scans further')
    await $(w, 'timeline-prev').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual([10])
    expect($(w, 'timeline-scan').text()).toBe('1 shown · 19999 hidden of 20000 scanned')
    expect(maxCount(api)).toBeLessThanOrEqual(5000)
    w.unmount()
  })

  it('starts at the oldest event the service still keeps', async () => {
    const { w } = await setup(makeTrace(3000), 1000)
    await only(w, 'irq')
    await $(w, 'timeline-first').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual(range(1000, 2900, 100))
    expect($(w, 'timeline-first-kept').text()).toBe('kept from #1000')
    expect($(w, 'timeline-scan').text()).toBe('20 shown · 1980 hidden of 2000 scanned')
    w.unmount()
  })

  it('no kinds selected: nothing is fetched and the list says why', async () => {
    const { api, w } = await setup(makeTrace(3000))
    api.getTrace.mockClear()
    await $(w, 'timeline-kinds-none').trigger('click')
    await idle(w)
    expect(listed(w)).toEqual([])
    expect($(w, 'timeline-empty').text()).toBe('no event kinds selected')
    expect(api.getTrace).not.toHaveBeenCalled()
    w.unmount()
  })
})

describe('Timeline export', () => {
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
    2100: { k: 'console' as const, side: 'driver' as const, data: 'ok' }
  }

  it('CSV of the listed (filtered) events: exact header and rows', async () => {
    const { w } = await setup(makeTrace(2500, special))
    await only(w, 'console', 'error')
    expect(listed(w)).toEqual([5, 7, 2100])
    await $(w, 'timeline-export-csv').trigger('click')
    expect(names).toEqual(['trace-5-2100-filtered.csv'])
    expect(blobs[0].type).toMatch(/^text\/csv/)
    expect(await blobs[0].text()).toBe(
      [
        'i,t_ns,kind,side,summary',
        '5,5000,console,device,"""Hi, ""you""\\n"""',
        '7,7000,error,,msg=desc 9 out of range',
        '2100,2100000,console,driver,"""ok"""',
        ''
      ].join('\r\n')
    )
    w.unmount()
  })

  it('JSON Lines of the listed events: one event object per line, as received', async () => {
    const trace = makeTrace(2500, special)
    const { w } = await setup(trace)
    await only(w, 'console', 'error', 'irq')
    await $(w, 'timeline-export-jsonl').trigger('click')
    expect(names).toEqual(['trace-0-2400-filtered.jsonl'])
    const lines = (await blobs[0].text()).split('\n')
    expect(lines.pop()).toBe('')
    const want = trace.filter((e) => e.k === 'console' || e.k === 'error' || e.k === 'irq')
    expect(lines).toHaveLength(want.length)
    expect(lines.map((l) => JSON.parse(l))).toEqual(want)
    expect(lines[0]).toBe(JSON.stringify(trace[0]))
    w.unmount()
  })

  it('unfiltered export takes the page as shown; nothing listed disables the buttons', async () => {
    const { w } = await setup(makeTrace(300))
    await $(w, 'timeline-export-csv').trigger('click')
    expect(names).toEqual(['trace-100-299.csv'])
    const rows = (await blobs[0].text()).split('\r\n')
    expect(rows).toHaveLength(202) // header + 200 rows + final empty
    expect(rows[1]).toBe('100,100000,irq,driver,count=1')
    expect(rows[2]).toBe('101,101000,store,device,Status ← 0x00000004 (was 0x00000000) @0x70')
    await $(w, 'timeline-kinds-none').trigger('click')
    await idle(w)
    expect(($(w, 'timeline-export-csv').element as HTMLButtonElement).disabled).toBe(true)
    expect(($(w, 'timeline-export-jsonl').element as HTMLButtonElement).disabled).toBe(true)
    w.unmount()
  })
})

describe('Timeline against a sliding trace (max speed)', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('live with a filter: pages the service no longer keeps are skipped, the pushed tail still counts', async () => {
    // the service keeps only events >= 9700 (it trims faster than we page); the tail has 9700..9999
    const trace = makeTrace(10_000, { 9950: { k: 'error', msg: 'late' }, 500: { k: 'error', msg: 'gone' } })
    const { api, w } = await setup(trace, 9700)
    api.push({ type: 'trace', events: trace.slice(9700) })
    await only(w, 'error')
    expect(listed(w)).toEqual([9950])
    expect($(w, 'timeline-first-kept').text()).toBe('kept from #9700')
    expect($(w, 'timeline-scan').text()).toBe('1 shown · 299 hidden of 300 scanned')
    // live never binary-searches: a handful of calls, none of them getTrace(i, 1)
    expect(api.getTrace.mock.calls.filter((c) => c[1] === 1)).toEqual([])
    w.unmount()
  })
})

describe('Timeline navigation against live refreshes', () => {
  it('a live refresh scheduled before "first" does not take the page back to live', async () => {
    const trace = makeTrace(3000)
    const { store, w } = await setup(trace)
    // new events arrive: the timeline schedules a live refresh (250 ms after its last load)
    const snap = snapshot()
    snap.counters = { ...snap.counters, traceEvents: trace.length + 1 }
    trace.push({ i: 3000, t: 3_000_000, k: 'irq', side: 'driver', vector: 0, count: 1 })
    store.applySnapshot({ ...snap, seq: 999 })
    await flushPromises()
    await $(w, 'timeline-first').trigger('click')
    await idle(w)
    expect(listed(w)[0]).toBe(0)
    await new Promise((r) => setTimeout(r, 400)) // past the refresh the snapshot scheduled
    await idle(w)
    expect(listed(w)[0]).toBe(0)
    expect(listed(w)).toHaveLength(200)
  })
})
