// README's CLI option table is generated from the scenario field table; this fails when they differ.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readmeWithTable as withTable } from '../../src/host/cli-args'
import { SCENARIO_OPTIONS } from '../../src/host/cli-args'

describe('README CLI table', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')

  it('is the one generated from the descriptors (regenerate: npx tsx scripts/readme-cli.ts)', () => {
    expect(readme).toBe(withTable(readme))
  })

  it('has one row per scenario field', () => {
    for (const o of SCENARIO_OPTIONS) expect(readme).toContain(`| \`--${o.flag}`)
  })

  it('notices a README edited by hand', () => {
    const edited = readme.replace('| `--vectors N` | ivshmem-server -n: vectors per peer, 1..64', '| `--vectors N` | 1..128')
    expect(edited).not.toBe(readme)
    expect(edited).not.toBe(withTable(edited))
  })
})
