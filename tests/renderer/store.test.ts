// @vitest-environment happy-dom
// The store applies pushed snapshots at most every SNAPSHOT_MIN_MS, newest wins; replies to the
// user's own calls apply at once. Console timestamps use the newest time, unthrottled.
import { describe, it, expect, vi, afterEach } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import { useLabStore, SNAPSHOT_MIN_MS } from '../../src/renderer/src/stores/lab'
import { fakeApi, snapshot } from './support'

afterEach(() => vi.useRealTimers())

describe('snapshot throttling', () => {
  it('a burst of pushed snapshots reaches the inspectors as the first and then the newest', async () => {
    setActivePinia(createPinia())
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const api = fakeApi(snapshot({ seq: 1, t: 1_000 }))
    const store = useLabStore()
    await store.init(api)
    vi.advanceTimersByTime(SNAPSHOT_MIN_MS)
    const applied: number[] = []
    const stop = watch(() => store.snapshot, (s) => applied.push(s!.seq), { flush: 'sync' })
    for (let k = 2; k <= 11; k++) api.push({ type: 'snapshot', snap: snapshot({ seq: k, t: k * 1_000 }) })
    expect(store.snapshot!.seq).toBe(2) // the first of the burst at once
    vi.advanceTimersByTime(SNAPSHOT_MIN_MS)
    expect(store.snapshot!.seq).toBe(11) // then only the newest
    expect(applied).toEqual([2, 11])
    stop()
  })

  it('a reply to a control call applies at once, even inside the throttle window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    setActivePinia(createPinia())
    const api = fakeApi(snapshot({ seq: 1, t: 1_000 }))
    const store = useLabStore()
    await store.init(api)
    api.push({ type: 'snapshot', snap: snapshot({ seq: 2, t: 2_000 }) }) // held: init just applied
    expect(store.snapshot!.seq).toBe(1)
    store.applySnapshot(snapshot({ seq: 3, t: 3_000, paused: true }))
    expect(store.snapshot!.seq).toBe(3)
    vi.advanceTimersByTime(SNAPSHOT_MIN_MS)
    expect(store.snapshot!.seq).toBe(3) // the held older one does not win afterwards
  })
})

describe('console times', () => {
  it('splits a batch at the line starts the service marked, each chunk with its own virtual time', async () => {
    setActivePinia(createPinia())
    const api = fakeApi(snapshot({ seq: 1, t: 99_000_000_000 }))
    const store = useLabStore()
    await store.init(api)
    api.push({ type: 'console', side: 'device', data: 'one\ntwo\nth', seq: 0, t: 1_000, times: [[0, 1_000], [4, 2_000], [8, 3_000]] })
    // a duplicate-overlapping batch: the repeated bytes are trimmed, the marks still line up
    api.push({ type: 'console', side: 'device', data: 'three\nfo', seq: 8, t: 3_000, times: [[0, 3_000], [6, 4_000]] })
    expect(store.consoleChunks('device').map((c) => [c.data, c.t])).toEqual([
      ['one\n', 1_000],
      ['two\n', 2_000],
      ['th', 3_000],
      ['ree\n', 3_000],
      ['fo', 4_000]
    ])
    // garbled marks are ignored; without marks the bytes take the newest snapshot time
    api.push({ type: 'console', side: 'device', data: 'ur\n', seq: 16, times: [['x', 1] as unknown as [number, number]] })
    api.push({ type: 'console', side: 'device', data: 'six', seq: 19 })
    expect(store.consoleChunks('device').slice(-2).map((c) => [c.data, c.t])).toEqual([
      ['ur\n', 99_000_000_000],
      ['six', 99_000_000_000]
    ])
    expect(store.consoleText('device')).toBe('one\ntwo\nthree\nfour\nsix')
  })
})
