// Side by side (`virtio-lab compare`, docs/spec-profile.md §8): the same scenario run in the seed
// and the spec profile, and where they diverge: register by register (final value of each
// virtio-mmio register), fact by fact (the protocol steps both runs go through) and step by step
// (the first divergent store, doorbell, used entry, interrupt, error), each divergence with the
// quirk that explains it (docs/quirks.md). `comparing` runs in slices for the UI (src/host).

import type { CompareEventRef, CompareFact, CompareRegister, Comparison, ScenarioConfig, Side, TraceEvent } from '../shared/contract'
import { LabSession } from './session'
import { REG, type RegName } from '../virtio/mmio'
import { hex } from '../virtio/fmt'
import { regQuirk } from './compare-quirks'
import { eventRef, firstDivergentSteps, stepOf } from './compare-steps'

export type { Comparison }

/** what a compare run types into the device console halfway (the spec shell answers it, Q23) */
export const COMPARE_INPUT = 'echo compare\r'
/** virtual time per slice of `comparing` */
const CHUNK_NS = 20_000_000

export interface CompareProgress {
  profile: 'seed' | 'spec'
  t: number
  until: number
}

/** one profile's run to `until`, in chunks of virtual time (yielding after each); with `input`,
 *  typed into the device console at until/2, after every event up to then */
function* run(cfg: ScenarioConfig, profile: 'seed' | 'spec', until: number, input: string | null): Generator<CompareProgress, { s: LabSession; ev: TraceEvent[] }, void> {
  const s = new LabSession({ ...cfg, profile, speed: 'max', until }, { trace: { keep: 2_000_000 } })
  const half = Math.floor(until / 2)
  let typed = input === null
  s.start()
  while (s.sched.now < until || !typed) {
    if (!typed && s.sched.now >= half) {
      s.sendInput('device', input!)
      typed = true
    }
    s.run(Math.min(s.sched.now + CHUNK_NS, typed ? until : half))
    yield { profile, t: s.sched.now, until }
  }
  return { s, ev: s.trace.slice(s.trace.first, s.trace.n) }
}

/** the first event behind each fact */
type Refs = Partial<Record<keyof Facts, CompareEventRef>>

interface Facts {
  statusSeq: string
  driverOkAt: string
  doorbells: number
  perByte: string
  used: number
  usedLen: string
  interrupts: number
  targets: string
  vectors: string
  errors: string
  rx: string
}

function facts(s: LabSession, ev: TraceEvent[]): { f: Facts; at: Refs } {
  const at: Refs = {}
  const mark = (keys: (keyof Facts)[], e: TraceEvent, text?: string): void => {
    for (const k of keys) at[k] ??= eventRef(e, text ?? stepOf(e)?.text ?? e.k)
  }
  const st: number[] = []
  let okAt = -1
  let doorbells = 0
  let irqs = 0
  let used = 0
  const lens = new Set<number>()
  const targets = new Set<string>()
  const vectors = new Set<number>()
  const codes = new Map<string, number>()
  for (const e of ev) {
    if (e.k === 'store' && e.off === REG.Status && e.side === 'driver') {
      st.push(Number(e.value ?? e.new ?? 0))
      mark(['statusSeq'], e)
      if (Number(e.value ?? e.new ?? 0) & 4 && okAt < 0) {
        okAt = e.t
        mark(['driverOkAt'], e)
      }
    }
    if (e.k === 'guest' && e.op === 'input') mark(['rx'], e, `input ${JSON.stringify(e.data)}`)
    if (e.k === 'doorbell') {
      mark(['doorbells', 'perByte', 'targets', 'vectors'], e)
      doorbells++
      targets.add(`${e.side}→${String(e.dest ?? e.to ?? '?')}`)
      vectors.add(Number(e.vector ?? 0))
    }
    if (e.k === 'irq') {
      mark(['interrupts'], e)
      irqs++
    }
    if (e.k === 'desc-used') {
      mark(['used', 'usedLen'], e)
      used++
      lens.add(Number(e.len))
    }
    if (e.k === 'error') mark(['errors'], e)
    if (e.k === 'error') codes.set(String(e.code ?? e.where ?? 'error'), (codes.get(String(e.code ?? e.where ?? 'error')) ?? 0) + 1)
  }
  const tx = s.consoles.device.total
  const fmtT = (t: number) => (t < 0 ? 'never' : `${(t / 1e6).toFixed(1)} ms`)
  const side = (x: Side) => s.slots[x].ids.join(',')
  const f: Facts = {
    statusSeq: st.map((v) => hex(v)).join(' ') || '—',
    driverOkAt: fmtT(okAt),
    doorbells,
    perByte: tx ? (doorbells / tx).toFixed(2) : '—',
    used,
    usedLen: [...lens].sort((a, b) => a - b).join(', ') || '—',
    interrupts: irqs,
    targets: `device peer ${side('device')}, driver peer ${side('driver')}; ${[...targets].sort().join(' ')}`,
    vectors: [...vectors].sort().join(', ') || '—',
    errors: [...codes].map(([c, n]) => `${c} x${n}`).join(', ') || 'none',
    rx: s.consoleText('device').includes('echo compare') ? 'answered by the driver shell' : 'no answer'
  }
  return { f, at }
}

/** Run `cfg` in both profiles to `until` in slices (each yield: progress); with `input`, typed
 *  into the device console halfway. Returns the divergences. */
export function* comparing(cfg: ScenarioConfig, until: number, input: string | null = COMPARE_INPUT): Generator<CompareProgress, Comparison, void> {
  const a = yield* run(cfg, 'seed', until, input)
  const b = yield* run(cfg, 'spec', until, input)
  const registers: CompareRegister[] = []
  for (const [name, off] of Object.entries(REG) as [RegName, number][]) {
    const x = a.s.shm.r32(off)
    const y = b.s.shm.r32(off)
    if (x === y) continue
    const [q, why] = regQuirk(name)
    registers.push({ off, reg: name, seed: hex(x), spec: hex(y), q, why })
  }
  const { f: fa, at: ra } = facts(a.s, a.ev)
  const { f: fb, at: rb } = facts(b.s, b.ev)
  const rows: [keyof Facts, string, string, string][] = [
    ['statusSeq', 'Status stores by the driver', 'Q9', 'no reset, no FEATURES_OK; spec: reset, cumulative bits'],
    ['driverOkAt', 'DRIVER_OK reached at', 'Q34', 'the seed busy-waits 4 s per queue'],
    ['doorbells', 'doorbells rung', 'Q33', 'no notification suppression in the seed'],
    ['perByte', 'doorbells per console byte', 'Q33', '3 per byte in the seed; per chain, suppressed by EVENT_IDX in spec'],
    ['used', 'used entries', 'Q19', 'one byte per descriptor in the seed; whole chains in spec'],
    ['usedLen', 'used.len values', 'Q19', 'used.len 1 per TX byte in the seed; bytes written in spec'],
    ['interrupts', 'interrupts delivered', 'Q20', 'the seed device always interrupts'],
    ['targets', 'doorbell targets', 'Q24', 'own ± 1 in the seed; the peer id from the ready record in spec'],
    ['vectors', 'vectors used', 'Q25', 'vector 0 only'],
    ['errors', 'errors reported', 'Q18', 'the seed validates nothing, spec every chain'],
    ['rx', 'typed input', 'Q23', 'the seed stores the byte into desc.addr; spec delivers it through receiveq']
  ]
  const events: CompareFact[] = []
  for (const [k, what, q, why] of rows)
    if (String(fa[k]) !== String(fb[k])) events.push({ what, seed: String(fa[k]), spec: String(fb[k]), q, why, seedAt: ra[k] ?? null, specAt: rb[k] ?? null })
  return { until, registers, events, steps: firstDivergentSteps(a.ev, b.ev) }
}

/** `comparing` run to the end at once (the CLI, tests) */
export function compareProfiles(cfg: ScenarioConfig, until: number, input: string | null = COMPARE_INPUT): Comparison {
  const g = comparing(cfg, until, input)
  for (;;) {
    const r = g.next()
    if (r.done) return r.value
  }
}



/** the comparison as text lines (the CLI and the explanation panel) */
export function formatComparison(c: Comparison): string[] {
  const out = [`seed vs spec, ${(c.until / 1e9).toFixed(1)} s of virtual time`, '', 'registers (final values):']
  for (const r of c.registers) out.push(`  ${r.reg.padEnd(18)} seed ${r.seed.padEnd(12)} spec ${r.spec.padEnd(12)} ${r.q}: ${r.why}`)
  out.push('', 'events:')
  for (const e of c.events) out.push(`  ${e.what}`, `    seed: ${e.seed}`, `    spec: ${e.spec}`, `    ${e.q}: ${e.why}`)
  const at = (r: CompareEventRef | null): string => (r ? `${(r.t / 1e6).toFixed(3)} ms #${r.i} ${r.text}` : 'none')
  out.push('', 'first divergent steps:')
  for (const x of c.steps) out.push(`  ${x.kind} #${x.n}`, `    seed: ${at(x.seed)}`, `    spec: ${at(x.spec)}`, `    ${x.q}: ${x.why}`)
  return out
}
