import { defineConfig } from '@playwright/test'

// Browser project: the built renderer in Debian's Chromium against the WebSocket host (always runs).
// Electron project: the packaged shell via _electron.launch, skipped where no Electron binary exists.
// E2E_PORT lets two runs share a machine (default 4173)
const PORT = Number(process.env.E2E_PORT ?? 4173)

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  // E2E_OUTPUT_DIR: a separate dir per concurrent run (each run wipes its outputDir)
  outputDir: process.env.E2E_OUTPUT_DIR ?? 'test-results',
  // the JSON report feeds the one-line summary of `npm test` (scripts/test.mjs)
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'reports/playwright.json' }]],
  timeout: 60_000,
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure'
  },
  webServer: {
    command: `node bin/virtio-lab.js serve --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe'
  },
  projects: [
    {
      name: 'browser',
      testMatch: /.*\.browser\.spec\.ts/,
      use: {
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
    },
    {
      name: 'electron',
      testMatch: /.*\.electron\.spec\.ts/
    }
  ]
})
