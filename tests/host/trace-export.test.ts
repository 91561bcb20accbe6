// The service's streamed trace export (src/host/trace-export.ts): exact lines for a small run,
// the display filter applied in the service, bounded chunks, events the ring drops meanwhile.
import { describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { TraceExporter } from '../../src/host/trace-export'
import { dispatch } from '../../src/host/validate'
import type { LabApi, TraceEvent } from '../../src/shared/contract'
import { traceToCsv, traceToJsonl } from '../../src/shared/traceFormat'
import { S } from '../helpers'

async function pullAll(api: LabApi, filter: string, format: 'jsonl' | 'csv') {
  const b = await api.exportBegin(filter, format)
  const chunks = []
  for (;;) {
    const c = await api.exportNext(b.id)
    chunks.push(c)
    if (c.done) break
  }
  return { begin: b, chunks, text: chunks.map((c) => c.data).join('') }
}

function kept(svc: LabService): TraceEvent[] {
  const tr = svc.session.trace
  return tr.slice(tr.first, tr.n - tr.first)
}

describe('service trace export', () => {
  it('JSONL and CSV of the whole kept trace: exactly the events, as the timeline formats them', async () => {
    const svc = new LabService()
    svc.session.run(8.1 * S) // the handshake and the first bytes
    const all = kept(svc)
    expect(all.length).toBeGreaterThan(200)
    const j = await pullAll(svc, '', 'jsonl')
    expect(j.begin).toEqual({ id: j.begin.id, total: all.length, first: 0 })
    expect(j.text).toBe(traceToJsonl(all))
    expect(j.text.split('\n')[0]).toBe(JSON.stringify(all[0]))
    const c = await pullAll(svc, '', 'csv')
    expect(c.text).toBe(traceToCsv(all))
    expect(c.text.startsWith('i,t_ns,kind,side,summary\r\n')).toBe(true)
    expect(c.chunks.at(-1)).toMatchObject({ done: true, scanned: all.length, total: all.length, matched: all.length, skipped: 0 })
    svc.dispose()
  })

  it('the display filter runs in the service', async () => {
    const svc = new LabService()
    svc.session.run(9 * S)
    const all = kept(svc)
    const want = all.filter((e) => e.k === 'store' && e.side === 'driver' && e.name === 'QueuePFN')
    expect(want.length).toBe(2) // one per queue (seed handshake)
    const r = await pullAll(svc, 'side == driver && reg == QueuePFN', 'jsonl')
    expect(r.text).toBe(traceToJsonl(want))
    expect(r.chunks.at(-1)!.matched).toBe(2)
    const d = await pullAll(svc, 'kind == doorbell', 'csv')
    const rows = d.text.split('\r\n').slice(1, -1)
    expect(rows.length).toBe(all.filter((e) => e.k === 'doorbell').length)
    for (const row of rows) expect(row.split(',')[2]).toBe('doorbell')
    svc.dispose()
  })

  it('chunks are bounded in text and in events scanned; together they are the whole export', () => {
    const svc = new LabService()
    svc.session.run(2 * S)
    const all = kept(svc)
    const x = new TraceExporter(svc.session.trace, null, 'jsonl', { chunkBytes: 4000, scanMax: 300 })
    const longest = Math.max(...all.map((e) => JSON.stringify(e).length + 1))
    let text = ''
    let prev = 0
    let n = 0
    for (;;) {
      const c = x.next(7)
      n++
      expect(c.data.length).toBeLessThan(4000 + longest)
      expect(c.scanned - prev).toBeLessThanOrEqual(300)
      expect(c.scanned).toBeGreaterThan(prev)
      prev = c.scanned
      text += c.data
      if (c.done) break
    }
    expect(n).toBeGreaterThan(all.length / 300)
    expect(text).toBe(traceToJsonl(all))
    svc.dispose()
  })

  it('events the trace ring drops while exporting are counted as skipped, never invented', () => {
    const svc = new LabService({}, { traceKeep: 2000 })
    svc.session.run(3 * S)
    const tr = svc.session.trace
    const x = new TraceExporter(tr, null, 'jsonl', { chunkBytes: 1 << 20, scanMax: 100 })
    const first = x.next(1)
    svc.session.run(20 * S) // the ring moves on by far more than it keeps
    let text = first.data
    let last = first
    while (!last.done) text += (last = x.next(1)).data
    expect(last.skipped).toBeGreaterThan(0)
    expect(last.matched + last.skipped).toBe(last.total)
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceEvent)
    expect(lines.map((e) => e.i)).toEqual([...Array(100).keys()].map((k) => x.from + k).concat(lines.slice(100).map((e) => e.i)))
    for (const e of lines.slice(100)) expect(e).toEqual(tr.get(e.i))
    svc.dispose()
  })

  it('bad input: a filter error with its column, an unknown or cancelled id, a bad format (over dispatch)', async () => {
    const svc = new LabService()
    await expect(svc.exportBegin('side == ', 'jsonl')).rejects.toThrow(/^exportBegin: filter: .* \(column \d+\)$/)
    await expect(svc.exportNext(999)).rejects.toThrow('exportNext: no export 999 is open')
    const b = await svc.exportBegin('', 'csv')
    await svc.exportCancel(b.id)
    await expect(svc.exportNext(b.id)).rejects.toThrow(`no export ${b.id} is open`)
    await expect(dispatch(svc, 'exportBegin', ['', 'xml'])).rejects.toThrow("exportBegin: format must be 'jsonl' or 'csv'")
    await expect(dispatch(svc, 'exportNext', [0])).rejects.toThrow('exportNext: id must be an export id')
    svc.dispose()
  })
})
