// The e2e projects of playwright.config.ts (docs/architecture.md#e2e-two-hosts): every flow spec
// runs on both hosts, Electron-only specs only in the electron project, and the electron project's
// page comes from the Electron window, never from a Chromium browser.
import { readdirSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { FullProject } from '@playwright/test'
import { electronHostPage } from '../../e2e/hosts'
import { findElectronBinary, NO_ELECTRON_REASON } from '../../e2e/electron'

type Project = Pick<FullProject, 'name' | 'testMatch'> & { use?: Record<string, unknown> }
let projects: Project[]

function matches(p: Project, file: string): boolean {
  const pats = Array.isArray(p.testMatch) ? p.testMatch : [p.testMatch]
  return pats.some((m) => (m instanceof RegExp ? m.test(file) : false))
}

beforeAll(async () => {
  process.env.E2E_PORT ??= '4173' // the config picks a free port otherwise (a child process)
  projects = ((await import('../../playwright.config')).default.projects ?? []) as Project[]
})

describe('e2e projects', () => {
  it('has a browser and an electron project, each told its host', () => {
    expect(projects.map((p) => [p.name, p.use?.hostKind])).toEqual([
      ['browser', 'browser'],
      ['electron', 'electron']
    ])
  })

  it('runs every flow spec on both hosts and the Electron-only specs in Electron only', () => {
    const specs = readdirSync('e2e').filter((f) => f.endsWith('.spec.ts'))
    const [browser, electron] = projects
    const flows = specs.filter((f) => f.endsWith('.browser.spec.ts'))
    expect(flows.length).toBeGreaterThanOrEqual(5)
    for (const f of flows) {
      expect(matches(browser, `/x/e2e/${f}`), f).toBe(true)
      expect(matches(electron, `/x/e2e/${f}`), f).toBe(true)
    }
    // a flow added later is picked up by both without editing the config
    expect(matches(electron, '/x/e2e/faults.browser.spec.ts')).toBe(true)
    for (const f of specs.filter((f) => f.endsWith('.electron.spec.ts'))) {
      expect(matches(browser, `/x/e2e/${f}`), f).toBe(false)
      expect(matches(electron, `/x/e2e/${f}`), f).toBe(true)
    }
    // helpers are not specs
    for (const f of ['fixtures.ts', 'hosts.ts', 'electron.ts']) for (const p of projects) expect(matches(p, `/x/e2e/${f}`)).toBe(false)
  })

  it("the electron project's page is the Electron window (a fixture function that launches the app)", () => {
    const electron = projects[1]
    expect(electron.use?.hostPage).toBe(electronHostPage)
    // the fixture's parameters name the Electron host, not a Chromium context
    expect(String(electronHostPage)).toMatch(/^async function electronHostPage\(\s*\{\s*electronHost,\s*viewport\s*\}/)
    expect(projects[0].use?.hostPage).toBeUndefined()
  })

  it('finds no Electron binary for a missing ELECTRON_EXEC_PATH and says how to provide one', () => {
    expect(findElectronBinary({ ELECTRON_EXEC_PATH: '/nonexistent/electron' })?.source).not.toBe('ELECTRON_EXEC_PATH')
    expect(NO_ELECTRON_REASON).toContain('ELECTRON_EXEC_PATH')
  })
})
