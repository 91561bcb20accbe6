// Settings of the desktop shell: window bounds and the last ScenarioConfig, one JSON file under
// app.getPath('userData'). Electron-free (the caller passes paths and displays) so it is unit-tested.

import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { type ScenarioConfig } from '../shared/contract'
import { DEFAULT_SCENARIO } from '../shared/scenario'
import { validateUntrustedPatch } from '../shared/scenario-check'
import { resolveScenario } from '../lab/config'

export const SETTINGS_FILE = 'settings.json'
export const SETTINGS_VERSION = 1

export interface WindowState {
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
}

export interface Settings {
  version: typeof SETTINGS_VERSION
  window: WindowState
  scenario: ScenarioConfig
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const DEFAULT_WINDOW: WindowState = { width: 1400, height: 900, maximized: false }

export function defaultSettings(): Settings {
  return {
    version: SETTINGS_VERSION,
    window: { ...DEFAULT_WINDOW },
    scenario: structuredClone(DEFAULT_SCENARIO)
  }
}

const windowSchema = z.object({
  x: z.number().int().min(-100_000).max(100_000).optional(),
  y: z.number().int().min(-100_000).max(100_000).optional(),
  width: z.number().int().min(400).max(20_000),
  height: z.number().int().min(300).max(20_000),
  maximized: z.boolean().default(false)
})

const fileSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  window: z.unknown().optional(),
  scenario: z.unknown().optional()
})

export function settingsPath(userDataDir: string): string {
  return join(userDataDir, SETTINGS_FILE)
}

export interface LoadedSettings {
  settings: Settings
  /** no settings file yet: first launch */
  firstRun: boolean
  /** what was wrong with the file (defaults were used for that part), or null */
  warning: string | null
}

/**
 * Loads settings; never throws. A missing file is a first run. A corrupt or invalid file (or
 * an invalid part of it) yields defaults for that part and a warning saying why.
 */
export function loadSettings(file: string): LoadedSettings {
  const settings = defaultSettings()
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings, firstRun: true, warning: null }
    return { settings, firstRun: false, warning: `cannot read ${file}: ${(err as Error).message}; using defaults` }
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { settings, firstRun: false, warning: `${file} is not valid JSON; using default settings` }
  }
  const top = fileSchema.safeParse(raw)
  if (!top.success) {
    return { settings, firstRun: false, warning: `${file} is not a settings file of version ${SETTINGS_VERSION}; using default settings` }
  }
  const warnings: string[] = []
  if (top.data.window !== undefined) {
    const w = windowSchema.safeParse(top.data.window)
    if (w.success) settings.window = w.data
    else warnings.push('window bounds are invalid; using the default window size')
  }
  if (top.data.scenario !== undefined) {
    // the one scenario schema, as for configure and trace headers (src/shared/scenario.ts)
    // and the semantic check the service applies (combinations, profiles and fabrics this build
    // has), so a saved scenario the lab would refuse is reported here with configure's words (#11)
    const s = validateUntrustedPatch(top.data.scenario)
    const r = s.ok ? resolveScenario(s.value, settings.scenario) : null
    if (r?.ok) settings.scenario = r.config
    else warnings.push(`settings: ${s.ok ? r!.errors.map((e) => e.message).join('; ') : s.message}; using the default scenario`)
  }
  return {
    settings,
    firstRun: false,
    warning: warnings.length ? `${file}: ${warnings.join('; ')}` : null
  }
}

/** Writes settings atomically (temp file + rename), creating the directory if needed. */
export function saveSettings(file: string, settings: Settings): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, JSON.stringify(settings, null, 2) + '\n', { encoding: 'utf8', mode: 0o600 })
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

/**
 * Makes saved bounds safe for the current displays (work areas): the size is clamped to the
 * largest display, and a position whose title area would not be visible is dropped (the window
 * is then centred by the OS).
 */
export function fitWindowToDisplays(win: WindowState, displays: readonly Rect[]): WindowState {
  if (displays.length === 0) return { ...win }
  const maxW = Math.max(...displays.map((d) => d.width))
  const maxH = Math.max(...displays.map((d) => d.height))
  const out: WindowState = {
    width: Math.min(win.width, maxW),
    height: Math.min(win.height, maxH),
    maximized: win.maximized
  }
  if (win.x !== undefined && win.y !== undefined) {
    // the top strip (title bar) must be at least partly on some display
    const title: Rect = { x: win.x, y: win.y, width: out.width, height: 40 }
    if (displays.some((d) => overlap(title, d) >= Math.min(100 * 40, out.width * 40) / 2)) {
      out.x = win.x
      out.y = win.y
    }
  }
  return out
}
