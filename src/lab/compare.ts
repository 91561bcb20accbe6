// Side by side (`virtio-lab compare`, docs/spec-profile.md §8): the same scenario run in the seed
// and the spec profile, and where they diverge: register by register (final value of each
// virtio-mmio register) and event by event (the protocol steps both runs go through), each
// divergence with the quirk that explains it (docs/quirks.md).

import type { ScenarioConfig, Side, TraceEvent } from '../shared/contract'
import { LabSession } from './session'
import { REG, type RegName } from '../virtio/mmio'
import { hex } from '../virtio/fmt'

export interface RegDiff {
  reg: RegName
  seed: string
  spec: string
  /** quirk number, e.g. 'Q1' */
  q: string
  why: string
}
export interface EventDiff {
  what: string
  seed: string
  spec: string
  q: string
  why: string
}
export interface Comparison {
  until: number
  registers: RegDiff[]
  events: EventDiff[]
}

/** the quirk behind a register's divergence (docs/quirks.md) */
const REG_Q: Partial<Record<RegName, [string, string]>> = {
  Version: ['Q1', 'legacy interface (1) instead of version 2'],
  VendorID: ['Q8', 'no vendor id'],
  DeviceFeatures: ['Q8', 'no features offered, nothing negotiated'],
  DriverFeatures: ['Q8', 'no features accepted'],
  DriverFeaturesSel: ['Q4', 'the seed stores the queue index here'],
  DeviceFeaturesSel: ['Q8', 'only feature page 0 read'],
  GuestPageSize: ['Q1', 'legacy register'],
  QueueAlign: ['Q5', 'legacy ring placement by PFN x QueueAlign'],
  QueuePFN: ['Q3', 'legacy PFN with the 0xAABBAABB acknowledgement'],
  QueueNumMax: ['Q7', 'QueueNumMax stays 0 in the seed'],
  QueueNum: ['Q1', 'legacy queue sizes'],
  QueueReady: ['Q1', 'no QueueReady in the legacy interface'],
  QueueDescLow: ['Q1', 'version 2 ring addresses'],
  QueueDescHigh: ['Q1', 'version 2 ring addresses'],
  QueueDriverLow: ['Q1', 'version 2 ring addresses'],
  QueueDriverHigh: ['Q1', 'version 2 ring addresses'],
  QueueDeviceLow: ['Q1', 'version 2 ring addresses'],
  QueueDeviceHigh: ['Q1', 'version 2 ring addresses'],
  QueueSel: ['Q4', 'queue selection through DriverFeaturesSel in the seed'],
  QueueNotify: ['Q22', 'one cell, last write wins'],
  InterruptStatus: ['Q21', 'never cleared in the seed'],
  InterruptACK: ['Q21', 'zeroed by the device on the next doorbell'],
  Status: ['Q9', 'no reset, no FEATURES_OK in the seed'],
  SHMSel: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMLenLow: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMLenHigh: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMBaseLow: ['Q10', 'SHM registers as an "HVL on" flag'],
  SHMBaseHigh: ['Q10', 'SHM registers as an "HVL on" flag'],
  ConfigGeneration: ['Q8', 'no config space without features'],
  Config: ['Q8', 'no config space without features']
}

function run(cfg: ScenarioConfig, profile: 'seed' | 'spec', until: number, input: string | null) {
  const s = new LabSession({ ...cfg, profile, speed: 'max', until }, { trace: { keep: 2_000_000 } })
  if (input !== null) {
    s.run(Math.floor(until / 2))
    s.sendInput('device', input)
  }
  s.run(until)
  return { s, ev: s.trace.slice(s.trace.first, s.trace.n) }
}

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

function facts(s: LabSession, ev: TraceEvent[]): Facts {
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
      if (Number(e.value ?? e.new ?? 0) & 4 && okAt < 0) okAt = e.t
    }
    if (e.k === 'doorbell') {
      doorbells++
      targets.add(`${e.side}→${String(e.dest ?? e.to ?? '?')}`)
      vectors.add(Number(e.vector ?? 0))
    }
    if (e.k === 'irq') irqs++
    if (e.k === 'desc-used') {
      used++
      lens.add(Number(e.len))
    }
    if (e.k === 'error') codes.set(String(e.code ?? e.where ?? 'error'), (codes.get(String(e.code ?? e.where ?? 'error')) ?? 0) + 1)
  }
  const tx = s.consoles.device.total
  const fmtT = (t: number) => (t < 0 ? 'never' : `${(t / 1e6).toFixed(1)} ms`)
  const side = (x: Side) => s.slots[x].ids.join(',')
  return {
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
}

/** Run `cfg` in both profiles to `until`; with `input`, type it into the device console halfway. */
export function compareProfiles(cfg: ScenarioConfig, until: number, input: string | null = 'echo compare\r'): Comparison {
  const a = run(cfg, 'seed', until, input)
  const b = run(cfg, 'spec', until, input)
  const registers: RegDiff[] = []
  for (const [name, off] of Object.entries(REG) as [RegName, number][]) {
    const x = a.s.shm.r32(off)
    const y = b.s.shm.r32(off)
    if (x === y) continue
    const [q, why] = REG_Q[name] ?? ['Q2', 'registers are plain shm cells in the seed']
    registers.push({ reg: name, seed: hex(x), spec: hex(y), q, why })
  }
  const fa = facts(a.s, a.ev)
  const fb = facts(b.s, b.ev)
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
  const events: EventDiff[] = []
  for (const [k, what, q, why] of rows) if (String(fa[k]) !== String(fb[k])) events.push({ what, seed: String(fa[k]), spec: String(fb[k]), q, why })
  return { until, registers, events }
}

/** the comparison as text lines (the CLI and the explanation panel) */
export function formatComparison(c: Comparison): string[] {
  const out = [`seed vs spec, ${(c.until / 1e9).toFixed(1)} s of virtual time`, '', 'registers (final values):']
  for (const r of c.registers) out.push(`  ${r.reg.padEnd(18)} seed ${r.seed.padEnd(12)} spec ${r.spec.padEnd(12)} ${r.q}: ${r.why}`)
  out.push('', 'events:')
  for (const e of c.events) out.push(`  ${e.what}`, `    seed: ${e.seed}`, `    spec: ${e.spec}`, `    ${e.q}: ${e.why}`)
  return out
}
