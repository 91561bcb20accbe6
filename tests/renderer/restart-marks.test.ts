// Issue #10 item 2: restart markers travel in the console stream (ConsoleMark), so every restart
// yields exactly one marker line whatever the speed: at max speed several restarts fall between two
// publications, and the old markers (derived from the newest trace batch) lost them.
import { describe, it, expect, beforeEach } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useConsoleStore, newMarks } from '../../src/renderer/src/stores/console'
import type { Side } from '../../src/shared/contract'
import { restartRun, type RealConsoleRun } from './real'

const S = 1e9

/** consoleSince as the service answers it, from the run's final logs */
function since(run: RealConsoleRun) {
  return async (side: Side, seq: number) => {
    const l = run.logs[side]
    const upto = l.trimmed + l.text.length
    const from = Math.max(l.trimmed, Math.min(seq, upto))
    return { data: l.text.slice(from - l.trimmed), seq: from, marks: l.marks.filter((m) => m.seq >= from && m.seq <= upto) }
  }
}

function store(run: RealConsoleRun) {
  const cons = useConsoleStore()
  cons.bind({ consoleSince: since(run), now: () => 0, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`) } })
  return cons
}

const markers = (cons: ReturnType<typeof useConsoleStore>, side: Side) => cons.chunks(side).filter((c) => c.marker).map((c) => c.marker)

describe('restart markers in the console stream', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('several --restart at max speed: exactly N markers per side, in order, at the restart offsets', () => {
    const run = restartRun()
    const cons = store(run)
    for (const e of run.pushes) cons.ingest(e.side, e.data, e.seq, e.t, false, e.times, e.marks)
    // three restarts 10 ms apart fell within one 50 ms publication
    expect(run.pushes.some((e) => (e.marks?.length ?? 0) >= 3)).toBe(true)
    for (const side of ['device', 'driver'] as const) {
      const at = run.restarts.filter((r) => r.side === side).map((r) => r.at)
      const got = markers(cons, side)
      expect(got).toHaveLength(at.length)
      const inst = side === 'device' ? 'instance_1' : 'instance_2'
      got.forEach((m, k) => expect(m).toMatch(new RegExp(`^${inst} restarted at ${(at[k]! / S).toFixed(3).replace('.', '\\.')} s, peer \\d+$`)))
      // at the stream offset of its restart; the log's bytes are the service's, unchanged
      let off = 0
      const offs: number[] = []
      for (const c of cons.chunks(side)) {
        if (c.marker) offs.push(off)
        off += c.data.length
      }
      expect(offs).toEqual(run.logs[side].marks.map((m) => m.seq))
      expect(cons.text(side)).toBe(run.logs[side].text)
    }
    // the peer ids the server handed out grow with each start
    const peers = markers(cons, 'device').map((m) => Number(/peer (\d+)$/.exec(m!)![1]))
    expect([...peers].sort((a, b) => a - b)).toEqual(peers)
  })

  it('lost pushes are refilled by consoleSince with their marks; late duplicates show none twice', async () => {
    const run = restartRun()
    const cons = store(run)
    // every push with a mark is lost; the next push reveals the gap and consoleSince fills it
    for (const e of run.pushes) if (!e.marks) cons.ingest(e.side, e.data, e.seq, e.t, false, e.times, e.marks)
    for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 0))
    const want = run.logs.device.marks.map((m) => m.text)
    expect(want).toHaveLength(6)
    expect(markers(cons, 'device')).toEqual(want)
    for (const e of run.pushes) cons.ingest(e.side, e.data, e.seq, e.t, false, e.times, e.marks)
    expect(markers(cons, 'device')).toEqual(want)
    expect(cons.text('device')).toBe(run.logs.device.text)
  })

  it('hostile marks are skipped; marks already shown are not repeated', () => {
    const good = { seq: 5, t: 1, n: 2, text: 'x' }
    expect(newMarks(1, [good, { seq: 'a', t: 1, n: 3, text: 'y' } as never, null as never, { ...good, n: 1 }])).toEqual([good])
    expect(newMarks(0, 'nope' as never)).toEqual([])
  })
})
