import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import {
  DEFAULT_WINDOW,
  defaultSettings,
  fitWindowToDisplays,
  loadSettings,
  saveSettings,
  settingsPath
} from '../../src/main/settings'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vsl-settings-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('settings', () => {
  it('first run: defaults, the default scenario (device-first, 2 vectors, speed 1), no warning', () => {
    const r = loadSettings(settingsPath(join(dir, 'fresh')))
    expect(r.firstRun).toBe(true)
    expect(r.warning).toBeNull()
    expect(r.settings.scenario).toEqual(DEFAULT_SCENARIO)
    expect(r.settings.scenario).toMatchObject({ order: 'device-first', vectors: 2, speed: 1 })
    expect(r.settings.window).toEqual(DEFAULT_WINDOW)
  })

  it('round-trips through an atomic save (creating the directory)', () => {
    const file = settingsPath(join(dir, 'a', 'b'))
    const s = defaultSettings()
    s.window = { x: 10, y: 20, width: 1000, height: 700, maximized: true }
    s.scenario = { ...s.scenario, vectors: 8, speed: 'max', restarts: [{ side: 'driver', at: 5 }] }
    saveSettings(file, s)
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['settings.json'])
    const r = loadSettings(file)
    expect(r).toEqual({ settings: s, firstRun: false, warning: null })
  })

  it('a corrupt file gives defaults and a warning', () => {
    const file = join(dir, 'corrupt.json')
    writeFileSync(file, '{"version": 1, "window": {')
    const r = loadSettings(file)
    expect(r.settings).toEqual(defaultSettings())
    expect(r.firstRun).toBe(false)
    expect(r.warning).toMatch(/is not valid JSON; using default settings/)
  })

  it('a foreign or future file gives defaults and a warning', () => {
    const file = join(dir, 'future.json')
    writeFileSync(file, JSON.stringify({ version: 2, window: { width: 900, height: 600 } }))
    expect(loadSettings(file).warning).toMatch(/not a settings file of version 1/)
    writeFileSync(file, '[1,2]')
    expect(loadSettings(file).settings).toEqual(defaultSettings())
  })

  it('an invalid part falls back alone, with a specific warning', () => {
    const file = join(dir, 'partial.json')
    writeFileSync(
      file,
      JSON.stringify({ version: 1, window: { width: 900, height: 600 }, scenario: { vectors: 65, order: 'driver-first' } })
    )
    const r = loadSettings(file)
    expect(r.settings.window).toEqual({ width: 900, height: 600, maximized: false })
    expect(r.settings.scenario).toEqual(DEFAULT_SCENARIO)
    expect(r.warning).toContain('settings: vectors must be at most 64 (got 65); using the default scenario')

    writeFileSync(file, JSON.stringify({ version: 1, window: { width: 'big' }, scenario: { order: 'driver-first' } }))
    const r2 = loadSettings(file)
    expect(r2.settings.window).toEqual(DEFAULT_WINDOW)
    expect(r2.settings.scenario).toEqual({ ...DEFAULT_SCENARIO, order: 'driver-first' })
    expect(r2.warning).toMatch(/window bounds are invalid/)
  })

  it('keeps the file valid JSON on disk', () => {
    const file = join(dir, 'pretty.json')
    saveSettings(file, defaultSettings())
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1)
  })
})

describe('fitWindowToDisplays', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }]
  it('keeps a visible position', () => {
    expect(fitWindowToDisplays({ x: 100, y: 50, width: 1400, height: 900, maximized: false }, screen)).toEqual({
      x: 100,
      y: 50,
      width: 1400,
      height: 900,
      maximized: false
    })
  })
  it('drops an off-screen position (display unplugged) and clamps the size', () => {
    const r = fitWindowToDisplays({ x: 3000, y: 100, width: 2560, height: 1400, maximized: true }, screen)
    expect(r).toEqual({ width: 1920, height: 1040, maximized: true })
  })
  it('accepts a position on a second display', () => {
    const two = [...screen, { x: 1920, y: 0, width: 2560, height: 1400 }]
    expect(fitWindowToDisplays({ x: 3000, y: 100, width: 1400, height: 900, maximized: false }, two).x).toBe(3000)
  })
})
