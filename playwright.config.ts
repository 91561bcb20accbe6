import { defineConfig, type PlaywrightWorkerOptions } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import type { HostTestFixtures, HostWorkerFixtures } from './e2e/fixtures'
import { electronHostPage } from './e2e/hosts'

// Two hosts, the same flows (docs/architecture.md#e2e-two-hosts):
// browser project: the built renderer in Debian's Chromium against the WebSocket host (always runs);
// electron project: the built app via _electron.launch, one app and user-data dir per test, running
// every *.browser.spec.ts flow plus the Electron-only *.electron.spec.ts; each of its tests skips
// with NO_ELECTRON_REASON where no Electron binary exists (e2e/electron.ts).
//
// Port: E2E_PORT when set, else a free port the OS picks for this run. The run always starts its
// own host and never reuses a server it did not start: a user's `npm start` on 4173 (or another
// engineer's run) is neither reset nor mistaken for ours; a taken E2E_PORT fails the run clearly.

/** a port free right now (the OS picks it; a child process because the config loads synchronously) */
function freePort(): number {
  const r = spawnSync(
    process.execPath,
    ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"],
    { encoding: 'utf8', timeout: 30_000 }
  )
  const port = Number(r.stdout)
  if (r.status !== 0 || !Number.isInteger(port) || port <= 0) throw new Error(`cannot pick a free port for the e2e host: ${r.stderr || r.error?.message || 'no output'}`)
  return port
}

if (process.env.E2E_PORT !== undefined && !/^[1-9]\d{0,4}$/.test(process.env.E2E_PORT)) {
  throw new Error(`E2E_PORT must be a port number 1..65535, got '${process.env.E2E_PORT}'`)
}
// workers load this file again and inherit the runner's environment: they see the same port
process.env.E2E_PORT ??= String(freePort())
const PORT = Number(process.env.E2E_PORT)

/** Debian's Chromium, for the browser host */
const CHROMIUM: Partial<PlaywrightWorkerOptions> = {
  browserName: 'chromium',
  headless: !process.env.HEADED,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  }
}

export default defineConfig<HostTestFixtures, HostWorkerFixtures>({
  testDir: 'e2e',
  workers: 1,
  // E2E_OUTPUT_DIR: a separate dir per concurrent run (each run wipes its outputDir)
  outputDir: process.env.E2E_OUTPUT_DIR ?? 'test-results',
  // the JSON report feeds the one-line summary of `npm test` (scripts/test.mjs)
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'reports/playwright.json' }]],
  // generous limits for a busy machine (2 cores shared with other work): specs wait on conditions,
  // these only bound how long a condition may take to come true
  timeout: 120_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure'
  },
  webServer: {
    command: `node bin/virtio-lab.js serve --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}`,
    // never attach to a server this run did not start (see above)
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe'
  },
  projects: [
    {
      name: 'browser',
      testMatch: /.*\.browser\.spec\.ts/,
      use: { hostKind: 'browser', ...CHROMIUM }
    },
    {
      name: 'electron',
      testMatch: /.*\.(browser|electron)\.spec\.ts/,
      use: {
        hostKind: 'electron',
        // an option given a fixture function: this project's `page` (and `lab`) is the Electron
        // window (e2e/fixtures.ts, e2e/hosts.ts). CHROMIUM only serves a spec that asks for
        // `browser` itself; nothing launches it otherwise.
        hostPage: electronHostPage as unknown as HostTestFixtures['hostPage'],
        ...CHROMIUM
      }
    }
  ]
})
