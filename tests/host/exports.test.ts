import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TraceEvent } from '../../src/shared/contract'
import { exportConsoleLogs, readTraceJsonl, writeTraceJsonl } from '../../src/main/exports'
import { FakeLab } from './fake-lab'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vsl-exports-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('trace JSON Lines', () => {
  it('pages through getTrace and writes one event per line', async () => {
    const lab = new FakeLab()
    lab.trace = Array.from({ length: 25 }, (_, i): TraceEvent => ({ i, t: i * 1000, k: 'doorbell', side: 'driver', vector: 1 }))
    const file = join(dir, 'trace.jsonl')
    expect(await writeTraceJsonl(lab, file, 10)).toBe(25)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    expect(lines).toHaveLength(25)
    expect(JSON.parse(lines[24])).toEqual(lab.trace[24])
    expect(lab.calls.filter((c) => c.method === 'getTrace').map((c) => c.args)).toEqual([
      [0, 1],
      [0, 10],
      [10, 10],
      [20, 5]
    ])
    const back = await readTraceJsonl(file)
    expect(back).toEqual({ events: lab.trace, errors: [] })
  })

  it('copes with a capped page size and a trimmed trace, and stops at the events that existed', async () => {
    const lab = new FakeLab()
    const all = Array.from({ length: 120 }, (_, i): TraceEvent => ({ i, t: i, k: 'store' }))
    const kept = 37 // events 0..36 were trimmed
    lab.trace = all
    lab.getTrace = async (from: number, count: number) => {
      const a = Math.max(from, kept)
      const b = Math.min(all.length, from + Math.min(count, 7)) // service caps pages at 7
      const page = all.slice(a, Math.max(a, b))
      all.push({ i: all.length, t: 0, k: 'store' }) // the lab keeps running meanwhile
      return page
    }
    const file = join(dir, 'trimmed.jsonl')
    expect(await writeTraceJsonl(lab, file, 50)).toBe(120 - kept)
    const back = await readTraceJsonl(file)
    expect(back.events.map((e) => e.i)).toEqual(Array.from({ length: 120 - kept }, (_, k) => k + kept))
  })

  it('writes an empty file for an empty trace', async () => {
    const file = join(dir, 'empty.jsonl')
    expect(await writeTraceJsonl(new FakeLab(), file)).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe('')
  })

  it('fails cleanly when the file cannot be written', async () => {
    await expect(writeTraceJsonl(new FakeLab(), join(dir, 'no', 'such', 'dir', 'x.jsonl'))).rejects.toThrow(/ENOENT/)
  })

  it('reports bad lines when reading and keeps the good ones', async () => {
    const file = join(dir, 'mixed.jsonl')
    writeFileSync(file, '{"i":0,"t":0,"k":"peer"}\nnot json\n\n{"i":-1,"t":0,"k":"x"}\n{"i":1,"t":2,"k":"irq","side":"device"}\r\n')
    const r = await readTraceJsonl(file)
    expect(r.events.map((e) => e.i)).toEqual([0, 1])
    expect(r.errors).toEqual(['line 2: not JSON', 'line 4: not a trace event ({i, t, k, ...})'])
  })
})

describe('console logs', () => {
  it('writes both consoles as raw bytes', async () => {
    const lab = new FakeLab()
    lab.console.device = 'Hello\r\n\u00ff'
    lab.console.driver = 'boot\n'
    const out = await exportConsoleLogs(lab, join(dir, 'logs'))
    expect(out.map((o) => [o.side, o.bytes])).toEqual([
      ['device', 8],
      ['driver', 5]
    ])
    expect([...readFileSync(join(dir, 'logs', 'device-console.log'))]).toEqual([72, 101, 108, 108, 111, 13, 10, 255])
    expect(readFileSync(join(dir, 'logs', 'driver-console.log'), 'latin1')).toBe('boot\n')
  })
})
