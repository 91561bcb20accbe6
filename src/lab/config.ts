// Scenario validation and the textual forms the CLI accepts (20s, 500ms, 4M, device@12s).
// One place decides what a valid scenario is; the CLI, the service and the UI all ask it.

import {
  DEFAULT_SCENARIO,
  type ConfigError,
  type ConfigureResult,
  type Order,
  type RestartSpec,
  type ScenarioConfig,
  type Side,
  type Speed
} from '../shared/contract'
import { checkVectors } from '../ivshmem/fabric'
import { isPow2 } from '../sim/shm'

export const ORDERS: readonly Order[] = ['device-first', 'driver-first', 'device-only', 'driver-only']
export const MIN_SHM = 64 * 1024
export const MAX_SHM = 1024 * 1024 * 1024 // ivshmem-server cannot go past 1 GiB (docs/ivshmem.md#server-options)
/** the seed driver's vring heap ends at 0x180800: a smaller shm cannot hold its layout */
export const SEED_MIN_SHM = 0x200000
export const MAX_TIME_NS = 365 * 24 * 3600 * 1e9
/** AArch64 48-bit virtual addresses */
export const MAX_VA = 2 ** 48

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }

/** "20s", "1.5s", "500ms", "250us", "2m", "1h" -> ns. A bare number is seconds. */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?\s*$/.exec(s)
  if (!m) return null
  const v = Number(m[1]) * UNITS[m[2] ?? 's']!
  return Number.isFinite(v) && v <= MAX_TIME_NS ? Math.round(v) : null
}

/** "4M", "4MiB", "64K", "1G", "4194304" -> bytes */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+)\s*([KMG])?(i?B)?\s*$/i.exec(s)
  if (!m) return null
  const mult = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 1
  const v = Number(m[1]) * mult
  return Number.isSafeInteger(v) ? v : null
}

/** "max" | "1" | "10" | "x100" | "×100" */
export function parseSpeed(s: string): Speed | null {
  const t = s.trim().toLowerCase().replace(/^[x×]/, '')
  if (t === 'max') return 'max'
  const v = Number(t)
  return Number.isFinite(v) && v > 0 ? v : null
}

/** "0xafa00000" | "2946498560" -> number (an address) */
export function parseAddr(s: string): number | null {
  const t = s.trim().toLowerCase()
  const v = /^0x[0-9a-f]+$/.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN
  return Number.isSafeInteger(v) ? v : null
}

/** "driver@12s" -> { side, at } */
export function parseRestart(s: string): RestartSpec | null {
  const m = /^(device|driver)@(.+)$/.exec(s.trim())
  if (!m) return null
  const at = parseDuration(m[2]!)
  return at === null ? null : { side: m[1] as Side, at }
}

export function fmtSize(n: number): string {
  for (const [u, m] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024]
  ] as const)
    if (n >= m && n % m === 0) return `${n / m}${u}`
  return String(n)
}

/** Semantic validation of a whole scenario. Every problem is reported, each on its field. */
export function checkScenario(c: ScenarioConfig): ConfigError[] {
  const e: ConfigError[] = []
  if (c.profile !== 'seed') e.push({ field: 'profile', message: `profile must be 'seed' (the spec profile is not built yet), got '${String(c.profile)}'` })
  if (!ORDERS.includes(c.order)) e.push({ field: 'order', message: `order must be one of ${ORDERS.join(', ')}, got '${String(c.order)}'` })
  const v = checkVectors(c.vectors)
  if (v) e.push({ field: 'vectors', message: v })
  if (!isPow2(c.shmSize) || c.shmSize < MIN_SHM || c.shmSize > MAX_SHM)
    e.push({ field: 'shmSize', message: `shm size must be a power of two from 64K to 1G (QEMU's BAR2 and ivshmem-server -l), got ${c.shmSize}` })
  else if (c.profile === 'seed' && c.shmSize < SEED_MIN_SHM)
    e.push({ field: 'shmSize', message: `the seed layout needs at least 2M of shm (its vring heap ends at 0x180800), got ${fmtSize(c.shmSize)}` })
  if (c.shmState !== 'fresh' && c.shmState !== 'leftover') e.push({ field: 'shmState', message: `shm state must be fresh or leftover, got '${String(c.shmState)}'` })
  if (!(c.speed === 'max' || (typeof c.speed === 'number' && Number.isFinite(c.speed) && c.speed > 0 && c.speed <= 1e6)))
    e.push({ field: 'speed', message: `speed must be 'max' or a factor > 0 (1 = real time), got ${String(c.speed)}` })
  if (!Number.isInteger(c.latency) || c.latency < 0 || c.latency > 1e9)
    e.push({ field: 'latency', message: `doorbell latency must be 0..1 s in whole ns, got ${String(c.latency)}` })
  if (!Number.isInteger(c.gap) || c.gap < 0 || c.gap > MAX_TIME_NS) e.push({ field: 'gap', message: `start gap must be a non-negative time, got ${String(c.gap)}` })
  if (c.until !== null && (!Number.isInteger(c.until) || c.until <= 0 || c.until > MAX_TIME_NS))
    e.push({ field: 'until', message: `until must be a positive time up to a year, got ${String(c.until)}` })
  for (const f of ['driverBase', 'deviceBase'] as const) {
    const v = c[f]
    if (!Number.isSafeInteger(v) || v <= 0 || v % 4096 !== 0 || v + c.shmSize > MAX_VA)
      e.push({ field: f, message: `${f} must be a non-zero 4 KiB-aligned virtual address with the whole shm below 2^48, got ${typeof v === 'number' ? '0x' + v.toString(16) : String(v)}` })
  }
  if (!Array.isArray(c.restarts)) e.push({ field: 'restarts', message: 'restarts must be a list' })
  else
    for (const r of c.restarts)
      if (!r || (r.side !== 'device' && r.side !== 'driver') || !Number.isInteger(r.at) || r.at < 0 || r.at > MAX_TIME_NS)
        e.push({ field: 'restarts', message: `restart must be device@TIME or driver@TIME, got ${JSON.stringify(r)}` })
  return e
}

/** merge a partial onto a base scenario and validate it */
export function resolveScenario(partial: Partial<ScenarioConfig>, base: ScenarioConfig = DEFAULT_SCENARIO): ConfigureResult {
  const config: ScenarioConfig = { ...base, ...partial, restarts: [...(partial.restarts ?? base.restarts)] }
  const errors = checkScenario(config)
  return errors.length ? { ok: false, errors } : { ok: true, config }
}
