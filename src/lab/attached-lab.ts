// The lab on a real ivshmem fabric (attached to a server, or hosting one): the same Zephyr guests
// and firmwares as LabSession, on the wall Clock, with their peers in other processes (another
// lab, a QEMU guest). Pause, step and time travel do not apply: time is real.

import type { ScenarioConfig, Side, GuestState } from '../shared/contract'
import { WallClock } from '../sim/clock'
import { Trace, type TraceOptions } from '../sim/trace'
import { ZephyrGuest, type GuestHooks } from '../guest/zephyr'
import { PROFILES } from '../profiles/index'
import { AttachedFabric, HostedFabric, sidesOf, type Role } from '../ivshmem/attached'
import { INSTANCE } from './session'

export interface AttachSpec {
  /** socket of the ivshmem-server to join, or to create when `host` */
  socket: string
  role: Role
  /** run our own ivshmem-server on `socket` (HostedFabric) */
  host?: boolean
  accessor?: boolean
}

export class AttachedLab {
  readonly trace: Trace
  readonly guests: Partial<Record<Side, ZephyrGuest>> = {}
  readonly consoles: Record<Side, string[]> = { device: [], driver: [] }
  private consoleListeners: ((side: Side, s: string) => void)[] = []
  private stateListeners: ((side: Side, st: GuestState, detail: string) => void)[] = []

  private constructor(
    readonly cfg: ScenarioConfig,
    readonly fabric: AttachedFabric,
    readonly sides: Side[],
    trace: Trace,
    readonly clock: WallClock,
    /** what escaped a guest event: hostile shared memory must not take the process down */
    readonly errors: string[]
  ) {
    this.trace = trace
    this.trace.now = () => this.clock.now
  }

  /** connect (or host and connect); rejects with an IvshmemError */
  static async open(cfg: ScenarioConfig, spec: AttachSpec, traceOpts: TraceOptions = {}): Promise<AttachedLab> {
    const order = cfg.order === 'driver-first' ? 'driver-first' : 'device-first'
    const sides = sidesOf(spec.role, order)
    const trace = new Trace(traceOpts)
    const errors: string[] = []
    const clock = new WallClock({ onError: (e) => errors.push(e instanceof Error ? e.message : String(e)) })
    const common = { sides, clock, trace, size: cfg.shmSize, accessor: spec.accessor }
    const fabric = spec.host
      ? await HostedFabric.host({ ...common, server: { path: spec.socket, size: cfg.shmSize, vectors: cfg.vectors } })
      : await AttachedFabric.open({ ...common, socket: spec.socket })
    return new AttachedLab(cfg, fabric, sides, trace, clock, errors)
  }

  private readonly hooks: GuestHooks = {
    regStore: () => {},
    console: (side, s) => {
      this.consoles[side].push(s)
      for (const l of this.consoleListeners) l(side, s)
    },
    state: (side, st, detail) => {
      for (const l of this.stateListeners) l(side, st, detail)
    },
    memsetUndo: () => {}
  }

  /** boot the local sides: the first now, the second (role both) after cfg.gap */
  start(): void {
    const [first, second] = this.sides
    this.boot(first!)
    if (second) this.clock.after(this.cfg.gap, () => this.boot(second))
  }

  private boot(side: Side): void {
    const profile = PROFILES[this.cfg.profile]
    const base = side === 'device' ? this.cfg.deviceBase : this.cfg.driverBase
    const g = new ZephyrGuest(side, INSTANCE[side], this.clock, this.fabric, this.fabric.shm, this.trace, this.hooks, base)
    this.guests[side] = g
    const fw = side === 'device' ? profile.device(g) : profile.driver(g)
    g.boot(() => fw.main())
  }

  onConsole(l: (side: Side, s: string) => void): void {
    this.consoleListeners.push(l)
  }
  onState(l: (side: Side, st: GuestState, detail: string) => void): void {
    this.stateListeners.push(l)
  }

  /** lines for stderr: who is who on the real fabric, and its state */
  explain(): string[] {
    const st = this.fabric.status()
    const out = [`${this.fabric.kind} fabric ${st.state}: ${st.detail}`]
    for (const p of this.fabric.peerList()) out.push(`peer ${p.id}: ${p.local ? `this process (${p.side})` : 'remote (another process or a QEMU guest)'}, ${p.vectors} vectors`)
    const c = this.fabric.counters
    out.push(`doorbells ${c.doorbells} (dropped ${c.dropped}), interrupts ${c.interrupts} (rings merged ${c.merged})`)
    for (const e of this.errors.slice(0, 5)) out.push(`error: ${e}`)
    return out
  }

  close(): void {
    for (const g of Object.values(this.guests)) g?.stop()
    this.clock.close()
    this.fabric.close()
  }
}
