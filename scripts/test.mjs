#!/usr/bin/env node
// npm test: everything CI runs, in order — typecheck, lint (ESLint), unit + component tests (Vitest), build,
// e2e (Playwright: the flows in Debian's Chromium on the browser host, and again in Electron, whose
// project skips each test with the reason where no binary exists).
// Ends with one plain line "N passed, N failed, N skipped" summed over both runners.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

// summaries live outside test-results/, which Playwright wipes when it starts
mkdirSync('reports', { recursive: true })
for (const f of ['reports/vitest.json', 'reports/playwright.json']) rmSync(f, { force: true })
const steps = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['unit', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile=reports/vitest.json']],
  ['build', 'npx', ['electron-vite', 'build']],
  ['e2e', 'npx', ['playwright', 'test']]
]
const only = process.argv[2]
let failed = []
for (const [name, cmd, args] of steps) {
  if (only && only !== name) continue
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: 'reports/playwright.json' }
  })
  if (r.status !== 0) failed.push(name)
  if (name === 'build' && r.status !== 0) break // nothing to test end to end
}

let passed = 0
let fails = 0
let skipped = 0
if (existsSync('reports/vitest.json')) {
  const v = JSON.parse(readFileSync('reports/vitest.json', 'utf8'))
  passed += v.numPassedTests
  fails += v.numFailedTests
  skipped += v.numPendingTests + v.numTodoTests
}
const skipReasons = new Map()
if (existsSync('reports/playwright.json')) {
  const p = JSON.parse(readFileSync('reports/playwright.json', 'utf8'))
  passed += p.stats.expected + p.stats.flaky
  fails += p.stats.unexpected
  skipped += p.stats.skipped
  // why e2e tests skipped, per project (the electron project skips everything without a binary)
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status !== 'skipped') continue
        const why = t.annotations.find((a) => a.type === 'skip')?.description || 'no reason given'
        const key = `${t.projectName}: ${why}`
        skipReasons.set(key, (skipReasons.get(key) ?? 0) + 1)
      }
    }
    for (const s of suite.suites ?? []) walk(s)
  }
  for (const s of p.suites ?? []) walk(s)
}
for (const [why, n] of skipReasons) console.log(`skipped ${n} e2e (${why})`)
if (failed.length) console.log(`\nfailed steps: ${failed.join(', ')}`)
console.log(`\n${passed} passed, ${fails} failed, ${skipped} skipped`)
process.exit(failed.length || fails ? 1 : 0)
