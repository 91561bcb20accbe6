import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/host/service'
import type { LabEvent } from '../../src/shared/contract'

let svc: LabService | null = null
afterEach(() => {
  svc?.dispose()
  svc = null
})

describe('LabService', () => {
  it('starts the default scenario: seed, device-first, 2 vectors, real time', async () => {
    svc = new LabService()
    const snap = await svc.getSnapshot()
    expect(snap.config).toMatchObject({ profile: 'seed', order: 'device-first', vectors: 2, speed: 1 })
  })

  it('configure rejects invalid values field by field and keeps the running scenario', async () => {
    svc = new LabService()
    const r = await svc.configure({ vectors: 65, shmSize: 3 * 1024 * 1024 })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(['vectors', 'shmSize'])
    expect((await svc.getSnapshot()).config.vectors).toBe(2)
    const ok = await svc.configure({ vectors: 4 })
    expect(ok.ok).toBe(true)
    svc.session.run(2e9)
    const snap = await svc.getSnapshot()
    expect(snap.peers.map((p) => p.vectors)).toEqual([4, 4])
    expect(snap.peers[0]!.sent).toHaveLength(4)
  })

  it('step runs exactly one scheduler event and pauses', async () => {
    svc = new LabService({ speed: 'max' })
    const a = await svc.control({ cmd: 'step' })
    const b = await svc.control({ cmd: 'step' })
    expect(b.counters.events - a.counters.events).toBe(1)
    expect(b.paused).toBe(true)
    const c = await svc.control({ cmd: 'step', count: 10 })
    expect(c.counters.events - b.counters.events).toBe(10)
  })

  it('publishes console bytes in contiguous batches; consoleSince refills from any offset', async () => {
    svc = new LabService({ speed: 'max' })
    const got: Extract<LabEvent, { type: 'console' }>[] = []
    svc.subscribe((e) => e.type === 'console' && e.side === 'device' && got.push(e))
    svc.session.run(12e9)
    svc.flush()
    svc.session.run(14e9)
    svc.flush()
    expect(got.length).toBe(2)
    expect(got[1]!.seq).toBe(got[0]!.seq + got[0]!.data.length)
    const all = got.map((e) => e.data).join('')
    expect(all).toBe(svc.session.consoleText('device'))
    const since = await svc.consoleSince('device', 100)
    expect(since).toEqual({ data: all.slice(100), seq: 100 })
  })

  it('console batches carry the virtual time each line began, as the guest traced it', async () => {
    svc = new LabService({ speed: 'max' })
    const got: Extract<LabEvent, { type: 'console' }>[] = []
    svc.subscribe((e) => e.type === 'console' && e.side === 'device' && got.push(e))
    svc.session.run(14e9)
    svc.flush()
    expect(got).toHaveLength(1)
    const { data, t, times } = got[0]!
    // the guest's own console trace events: byte offset -> time it was written
    const tr = svc.session.trace
    const at: number[] = []
    for (const e of tr.slice(0, tr.n)) if (e.k === 'console' && e.side === 'device') for (const _ of String(e.data)) at.push(e.t)
    expect(at.length).toBe(data.length)
    const lineStarts = [0, ...[...data.matchAll(/\n/g)].map((m) => m.index! + 1).filter((o) => o < data.length)]
    expect(times!.map((m) => m[0])).toEqual(lineStarts)
    expect(times!.map((m) => m[1])).toEqual(lineStarts.map((o) => at[o]))
    expect(t).toBe(at[0])
    // lines of one batch were written at different times (the seed paces bytes, Q-gap between Hellos)
    expect(new Set(times!.map((m) => m[1])).size).toBeGreaterThan(5)
  })

  it('snapshots carry decoded registers and rings of the seed run', async () => {
    svc = new LabService({ speed: 'max' })
    svc.session.run(10e9)
    const s = await svc.getSnapshot()
    const reg = (off: number) => s.regs.find((r) => r.off === off)!
    expect(reg(0x000).value).toBe(0x74726976)
    expect(reg(0x004).value).toBe(1)
    expect(reg(0x008).value).toBe(3)
    expect(reg(0x040)).toMatchObject({ value: 0xaabbaabb, lastWriter: 'device' })
    expect(reg(0x040).quirks.map((q) => q.q)).toContain('Q3')
    expect(s.rings.map((r) => [r.guestAddr, r.num, r.descOff])).toEqual([
      ['0xafb01000', 4, 0x101000],
      ['0xafb03000', 4, 0x103000]
    ])
    expect(s.guests.device).toMatchObject({ state: 'ready', peerId: 0, partnerId: 1 })
    expect(s.guests.driver).toMatchObject({ state: 'ready', peerId: 1, partnerId: 0 })
    const tx = s.rings[1]!
    expect(tx.desc.filter((d) => d.owner === 'used').length + tx.desc.filter((d) => d.owner === 'free').length).toBe(4)
    expect(s.explain.at(-1)).toMatch(/Hello line/)
  })

  it('snapshotAt(i) shows registers as they were; readShm reads the live memory', async () => {
    svc = new LabService({ speed: 'max' })
    svc.session.run(6e9)
    const ev = await svc.getTrace(0, 5000)
    const pfn = ev.find((e) => e.k === 'store' && e.name === 'QueuePFN' && e.side === 'driver')!
    const past = await svc.snapshotAt(pfn.i)
    expect(past.atEvent).toBe(pfn.i)
    expect(past.t).toBe(pfn.t)
    expect(past.regs.find((r) => r.off === 0x40)!.value).toBe(0xafb01)
    expect(await svc.readShm(0, 4)).toEqual([0x76, 0x69, 0x72, 0x74])
    await expect(svc.readShm(-1, 4)).rejects.toThrow(/outside the shm/)
  })
})

describe('LabService.loadTrace (File → Open trace)', () => {
  it('replays a saved trace with the user actions in it and finds it identical', async () => {
    const a = new LabService({ speed: 'max' })
    a.session.run(9.5e9)
    a.session.restart('driver') // a user action mid-run
    a.session.sendInput('device', 'hi')
    a.session.run(12e9)
    const saved = await a.getTrace(0, 5000)
    a.dispose()
    expect(saved[0]).toMatchObject({ i: 0, k: 'guest', op: 'scenario' })
    svc = new LabService()
    const r = await svc.loadTrace(saved)
    expect(r).toEqual({ ok: true, message: `replayed to ${(saved.at(-1)!.t / 1e9).toFixed(3)} s: all ${saved.length} events match the file` })
    expect(svc.session.slots.driver.ids).toEqual([1, 2])
    expect((await svc.getSnapshot()).paused).toBe(true)
  })

  it('reports a tampered trace and one without a header', async () => {
    const a = new LabService({ speed: 'max' })
    a.session.run(9e9)
    const saved = await a.getTrace(0, 5000)
    a.dispose()
    svc = new LabService()
    const bad = saved.map((e) => (e.k === 'doorbell' && e.i > 50 ? { ...e, to: 7 } : e))
    const r = await svc.loadTrace(bad)
    expect(r.ok).toBe(false)
    expect(r.message).toMatch(/events differ from the file \(first: #\d+\)/)
    expect(await svc.loadTrace(saved.slice(1))).toEqual({ ok: false, message: 'this trace has no scenario header (event 0): it cannot be replayed' })
  })
})

describe('LabService.loadTrace: the trace header goes through the strict scenario schema', () => {
  const header = (config: unknown) => [{ i: 0, t: 0, k: 'guest', op: 'scenario', config }] as never
  let deep: unknown = { vectors: 2 }
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  const cases: [string, unknown, string][] = [
    ['unknown keys', { vectors: 2, turbo: true }, "unknown field 'turbo'"],
    ['> 32 restarts', { restarts: Array.from({ length: 33 }, (_, i) => ({ side: 'driver', at: i * 1e9 })) }, 'restarts must have at most 32 entries (got 33 entries)'],
    ['a non-object config', 'fast', 'the scenario must be an object (got "fast")'],
    ['an array config', [1, 2], 'the scenario must be an object (got an array)'],
    ['a header over 64 KiB', { order: 'device-first', note: 'x'.repeat(70_000) }, 'the scenario is larger than 64 KiB'],
    ['a header nested 100k deep', deep, 'the scenario is nested more than 8 levels deep'],
    ['a limit broken', { until: 9000 * 3600e9 }, 'until must be at most 1 year (8760h) (got 32400000000000000)']
  ]
  for (const [what, config, why] of cases)
    it(`refuses ${what} before the current session is touched`, async () => {
      svc = new LabService({ vectors: 4 })
      const before = svc.session
      const events: LabEvent[] = []
      svc.subscribe((e) => events.push(e))
      const r = await svc.loadTrace(header(config))
      expect(r).toEqual({ ok: false, message: `the trace's scenario header is refused: ${why}` })
      expect(svc.session).toBe(before)
      expect(svc.config.vectors).toBe(4)
      expect((await svc.getSnapshot()).paused).toBe(false)
      expect(events.filter((e) => e.type === 'reset')).toEqual([])
    })

  it('a header from before fabric/socket/role existed still loads (missing fields take their defaults)', async () => {
    svc = new LabService()
    const r = await svc.loadTrace(header({ profile: 'seed', order: 'device-only', vectors: 2, speed: 'max', until: null, restarts: [] }))
    // replayed (event 0 itself differs: today's header names the new fields)
    expect(r.message).toMatch(/^replayed to /)
    expect(svc.config).toMatchObject({ order: 'device-only', fabric: 'emulated', socket: null, role: 'both' })
  })
})

describe('LabService run state', () => {
  it('configure starts the new scenario running; reset keeps a pause so one can step from t = 0', async () => {
    svc = new LabService({ speed: 'max' })
    await svc.control({ cmd: 'pause' })
    const r = await svc.configure({ vectors: 3 })
    expect(r.ok).toBe(true)
    expect((await svc.getSnapshot()).paused).toBe(false)
    await svc.control({ cmd: 'pause' })
    const snap = await svc.control({ cmd: 'reset' })
    expect(snap).toMatchObject({ paused: true, t: 0 })
  })

  it('pushes at most traceBatch trace events per publication, the newest ones', async () => {
    svc = new LabService({ speed: 'max' }, { traceBatch: 50 })
    const batches: number[][] = []
    svc.subscribe((e) => e.type === 'trace' && batches.push(e.events.map((x) => x.i)))
    svc.session.run(10e9)
    svc.flush()
    const n = svc.session.trace.n
    expect(batches).toHaveLength(1)
    expect(batches[0]).toEqual(Array.from({ length: 50 }, (_, k) => n - 50 + k))
  })
})

describe('console log bound', () => {
  it('trims the kept console text past CONSOLE_KEEP, keeps counting offsets and Hello lines', async () => {
    const { CONSOLE_KEEP } = await import('../../src/lab/session')
    svc = new LabService({ speed: 'max' })
    const s = svc.session
    // a flood on the driver console (its diagnostic log), in 4 KiB writes
    const chunk = 'x'.repeat(4096)
    for (let i = 0; i < (CONSOLE_KEEP / 4096) * 2.5; i++) (s as unknown as { hooks: { console(side: string, d: string): void } }).hooks.console('driver', chunk)
    s.run(14e9)
    svc.flush()
    const c = s.consoles.driver
    expect(c.total).toBeGreaterThan(CONSOLE_KEEP * 2.5)
    expect(c.trimmed).toBeGreaterThan(0)
    expect(s.consoleText('driver').length).toBe(c.total - c.trimmed)
    const r = await svc.consoleSince('driver', 0)
    expect(r.seq).toBe(c.trimmed) // starts later than asked: the caller sees the gap
    expect(r.data.length).toBe(c.total - c.trimmed)
    expect(s.helloLines).toBe(3)
  })
})
