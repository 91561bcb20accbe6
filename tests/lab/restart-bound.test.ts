// Issue #11 item 3: restarts must not leak. 3,000 device restarts on the emulated session keep a
// bounded amount: memset undo bytes (the journal's cap), peers listed (DEPARTED_KEEP + connected),
// peer ids per side (IDS_KEEP), trace events (the ring's keep); time travel says how far back it
// reaches (TIME_TRAVEL_RANGE beyond it, counters.timeTravelFirst in the snapshot).
import { describe, expect, it } from 'vitest'
import { LabSession, IDS_KEEP } from '../../src/lab/session'
import { buildSnapshot, historicalInput, liveInput } from '../../src/lab/snapshot'
import { UndoJournal } from '../../src/lab/undo'
import { DEPARTED_KEEP } from '../../src/ivshmem/fabric'
import { MS, S, scenario } from '../helpers'

const RESTARTS = 3000
/** stated RSS growth limit for the whole run (the issue measured 65 MB -> 6.1 GB before) */
const RSS_LIMIT = 300 * 1024 * 1024
/** a small undo cap so 3,000 boots (~4 KiB of overwritten bytes each) reach it */
const UNDO = 1024 * 1024

const gc = (): void => (globalThis as { gc?: () => void }).gc?.()
const idle = { running: false, paused: false, finished: false }

describe('3,000 restarts', () => {
  it('hold bounded undo bytes, peers, ids and trace; RSS growth under 300 MB', { timeout: 120_000 }, () => {
    const keep = 200_000
    const s = new LabSession(scenario(), { trace: { keep }, undoKeep: UNDO })
    s.run(3 * S)
    gc()
    const rss0 = process.memoryUsage().rss
    let undoMax = 0
    for (let k = 0; k < RESTARTS; k++) {
      s.restart('device')
      s.run(s.sched.now + 20 * MS)
      undoMax = Math.max(undoMax, s.memsetUndo.bytes)
    }
    gc()
    const grown = process.memoryUsage().rss - rss0
    expect(s.slots.device.starts).toBe(RESTARTS + 1)
    expect(undoMax).toBeGreaterThan(UNDO / 2)
    expect(undoMax).toBeLessThanOrEqual(UNDO)
    expect(s.fabric.peerList().length).toBeLessThanOrEqual(DEPARTED_KEEP + 2)
    expect(s.slots.device.ids.length).toBe(IDS_KEEP)
    expect(s.trace.n - s.trace.first).toBeLessThanOrEqual(keep)
    expect(grown).toBeLessThan(RSS_LIMIT)

    const snap = buildSnapshot(s, liveInput(s), 0, idle)
    expect(snap.peers.length).toBeLessThanOrEqual(DEPARTED_KEEP + 2)
    expect(snap.explain.join('\n')).toContain(`ids over ${RESTARTS + 1} starts: …, `)
    // the cap dropped old undo data: time travel reaches back less far than the kept trace
    const first = snap.counters.timeTravelFirst!
    expect(first).toBeGreaterThan(s.trace.first)
    expect(historicalInput(s, first).atEvent).toBe(first)
    expect(() => historicalInput(s, first - 1)).toThrow(expect.objectContaining({ code: 'TIME_TRAVEL_RANGE', message: expect.stringContaining(`back to event ${first} only`) }))
  })
})

describe('UndoJournal', () => {
  const chunk = (n: number) => [{ off: 0, bytes: new Uint8Array(n).fill(1) }]

  it('drops the oldest entries past its byte cap and moves earliest() to the newest dropped', () => {
    const j = new UndoJournal(10_000)
    j.set(5, chunk(4000), 0)
    j.set(9, chunk(4000), 0)
    expect(j.size).toBe(2)
    expect(j.earliest(0)).toBe(0)
    j.set(12, chunk(4000), 0)
    expect(j.bytes).toBeLessThanOrEqual(10_000)
    expect(j.get(5)).toBeUndefined()
    expect(j.get(12)?.[0]!.bytes.length).toBe(4000)
    expect(j.earliest(0)).toBe(5)
    expect(j.earliest(7)).toBe(7)
  })

  it('prunes entries older than the kept trace without moving earliest()', () => {
    const j = new UndoJournal(1 << 20)
    j.set(1, chunk(100), 0)
    j.set(2, chunk(100), 0)
    j.set(8, chunk(100), 3)
    expect(j.size).toBe(1)
    expect(j.earliest(3)).toBe(3)
  })

  it('keeps the newest entry even when it alone exceeds the cap', () => {
    const j = new UndoJournal(1000)
    j.set(4, chunk(5000), 0)
    expect(j.get(4)).toBeDefined()
    j.set(6, chunk(10), 0)
    expect(j.get(4)).toBeUndefined()
    expect(j.earliest(0)).toBe(4)
  })
})
