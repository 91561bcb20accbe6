// The app's export written by main (src/main/trace-export-file.ts): chunks straight to the file,
// progress, cancel, a file that cannot be made.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import { writeTraceExport } from '../../src/main/trace-export-file'
import { SCAN_MAX } from '../../src/host/trace-export'
import { traceToJsonl } from '../../src/shared/traceFormat'
import { S } from '../helpers'

describe('writeTraceExport', () => {
  it('writes the matching events to the file, chunk by chunk, with progress', async () => {
    const svc = new LabService()
    svc.session.run(60 * S)
    const tr = svc.session.trace
    expect(tr.n - tr.first).toBeGreaterThan(SCAN_MAX)
    const want = tr.slice(tr.first, tr.n - tr.first).filter((e) => e.k === 'irq')
    const p = join(mkdtempSync(join(tmpdir(), 'vlab-exp-')), 'irq.jsonl')
    const seen: number[] = []
    const r = await writeTraceExport(svc, p, 'kind == irq', 'jsonl', { onProgress: (c) => seen.push(c.scanned) })
    expect(r).toEqual({ ok: true, message: `saved ${want.length} events to ${p}`, matched: want.length, skipped: 0 })
    expect(readFileSync(p, 'utf8')).toBe(traceToJsonl(want))
    expect(seen.length).toBeGreaterThan(1) // more events than one chunk scans
    expect(seen.at(-1)).toBe(tr.n - tr.first)
    svc.dispose()
  })

  it('cancel stops between chunks; a bad path or filter fails without a file', async () => {
    const svc = new LabService()
    svc.session.run(12 * S)
    const d = mkdtempSync(join(tmpdir(), 'vlab-exp-'))
    const ac = new AbortController()
    const r = await writeTraceExport(svc, join(d, 'c.csv'), '', 'csv', { signal: ac.signal, onProgress: () => ac.abort() })
    expect(r.ok).toBe(false)
    expect(r.message).toMatch(/^export cancelled: '.*c\.csv' holds the first \d+ matching events$/)
    expect(readFileSync(join(d, 'c.csv'), 'utf8').split('\r\n').length - 2).toBe(r.matched)
    const bad = await writeTraceExport(svc, join(d, 'no', 'x.csv'), '', 'csv')
    expect(bad).toMatchObject({ ok: false, message: `cannot write '${join(d, 'no', 'x.csv')}': ENOENT` })
    await expect(writeTraceExport(svc, join(d, 'f.csv'), 'kind ==', 'csv')).rejects.toThrow(/^exportBegin: filter/)
    expect(existsSync(join(d, 'f.csv'))).toBe(false)
    svc.dispose()
  })
})
