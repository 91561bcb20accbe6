// Scenario values and their text forms: limits, enums, and the parsers and formatters that the CLI,
// the settings file and the Controls form share; src/shared/scenario.ts builds the field table on them.
// Runs in the renderer too: plain TypeScript only, no Node imports.

import type { Side } from '../sim/types'

// ---- limits (the same everywhere) ----------------------------------------------------------------

export const NS = { us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as const
/** any virtual duration or instant: at most a year */
export const MAX_TIME_NS = 365 * 24 * NS.h
export const SCENARIO_LIMITS = {
  vectorsMin: 1,
  /** ivshmem-server -n and the ivshmem-doorbell cap (docs/ivshmem.md#server-options) */
  vectorsMax: 64,
  shmSizeMin: 64 * 1024,
  /** ivshmem-server -l cannot go past 1 GiB (docs/ivshmem.md#server-options) */
  shmSizeMax: 1024 ** 3,
  speedMin: 0.01,
  speedMax: 10_000,
  latencyMaxNs: 1e9,
  /** cpuScale: 0 = zero-time guests, 1 = calibrated TCG Cortex-A53 (docs/wire-protocol.md#cpu-time) */
  cpuScaleMax: 1000,
  timeMaxNs: MAX_TIME_NS,
  restartsMax: 32,
  faultsMax: 64,
  /** lowest BAR2 mapping: the zero page stays unmapped */
  baseMin: 0x1000,
  /** AArch64 48-bit virtual addresses; the whole shm must fit below */
  vaTop: 2 ** 48,
  /** sun_path of a Unix socket is 108 bytes with its NUL */
  socketMax: 107
} as const

export const ORDERS = ['device-first', 'driver-first', 'device-only', 'driver-only'] as const
export const SHM_STATES = ['fresh', 'leftover'] as const
export const FABRICS = ['emulated', 'attached', 'hosted'] as const
export const ROLES = ['device', 'driver', 'both'] as const
export const SIDES: readonly Side[] = ['device', 'driver']

export type Order = (typeof ORDERS)[number]
export type ShmState = (typeof SHM_STATES)[number]
export type FabricKind = (typeof FABRICS)[number]
export type Role = (typeof ROLES)[number]
/** 'max' = as fast as the host can go; a number = virtual seconds per wall second (1 = real time). */
export type Speed = 'max' | number
/** fault injection kinds (docs/spec-profile.md §7) */
export const FAULT_KINDS = [
  'drop-doorbell',
  'merge-doorbells',
  'delay-irq',
  'bad-head',
  'next-out-of-range',
  'desc-loop',
  'avail-jump',
  'len-beyond-shm',
  'zero-len',
  'tx-write-flag',
  'stale-used-id',
  'device-stall'
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]
export interface FaultSpec {
  kind: FaultKind
  /** virtual time, ns */
  at: number
}

export interface RestartSpec {
  side: Side
  /** virtual time of the restart, ns */
  at: number
}

// ---- text forms ---------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }
export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
export const bad = <T>(message: string): Parsed<T> => ({ ok: false, message })

const UNITS: Record<string, number> = { ns: 1, us: NS.us, µs: NS.us, ms: NS.ms, s: NS.s, m: NS.m, h: NS.h }

/** "20s", "1.5s", "500ms", "250us", "2m", "1h" -> ns; a bare number is seconds. Syntax only:
 *  limits are the schema's, so `9000h` reads and is then refused by name ("at most 1 year"). */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?\s*$/.exec(s)
  if (!m) return null
  const v = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!)
  return Number.isFinite(v) ? v : null
}

/** ns -> the largest unit that states it exactly: 20000 -> "20us", 1.5e9 -> "1500ms" */
export function fmtDuration(ns: number): string {
  if (ns === 0) return '0s'
  for (const [u, f] of [['h', NS.h], ['m', NS.m], ['s', NS.s], ['ms', NS.ms], ['us', NS.us]] as const)
    if (ns % f === 0) return `${ns / f}${u}`
  return `${ns}ns`
}

/** "4M", "4MiB", "64K", "1G", "0x400000", "4194304" -> bytes */
export function parseSize(s: string): number | null {
  const t = s.trim()
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.isSafeInteger(parseInt(t, 16)) ? parseInt(t, 16) : null
  const m = /^(\d+)\s*([KMG])?(i?B)?$/i.exec(t)
  if (!m) return null
  const mult = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 1
  const v = Number(m[1]) * mult
  return Number.isSafeInteger(v) ? v : null
}

export function fmtSize(n: number): string {
  for (const [u, f] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (n >= f && n % f === 0) return `${n / f}${u}`
  return String(n)
}

/** "max" | "1" | "0.5" | "x100" | "×100" */
export function parseSpeed(s: string): Speed | null {
  const t = s.trim().toLowerCase().replace(/^[x×]/, '')
  if (t === 'max') return 'max'
  if (!/^\d+(\.\d+)?(e[+-]?\d+)?$/.test(t)) return null
  const v = Number(t)
  return Number.isFinite(v) ? v : null
}

/** "0xafa00000" | "2946498560" -> an address */
export function parseAddr(s: string): number | null {
  const t = s.trim().toLowerCase()
  const v = /^0x[0-9a-f]+$/.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN
  return Number.isSafeInteger(v) ? v : null
}

export const fmtAddr = (v: number): string => '0x' + v.toString(16)

/** "driver@12s" -> { side, at } */
export function parseRestart(s: string): RestartSpec | null {
  const m = /^(device|driver)@(.+)$/.exec(s.trim())
  if (!m) return null
  const at = parseDuration(m[2]!)
  return at === null ? null : { side: m[1] as Side, at }
}

/** "bad-head@3s" -> { kind, at } */
export function parseFault(s: string): FaultSpec | null {
  const m = /^([a-z-]+)@(.+)$/.exec(s.trim())
  if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) return null
  const at = parseDuration(m[2]!)
  return at === null ? null : { kind: m[1] as FaultKind, at }
}

/** a limit as people read it: 1 year is stated with its hours, so "9000h" makes sense */
export function fmtTimeLimit(ns: number): string {
  return ns === MAX_TIME_NS ? '1 year (8760h)' : fmtDuration(ns)
}
