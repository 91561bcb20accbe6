// Rewrites README's CLI option table from the scenario field table (src/shared/scenario.ts) and the
// subcommands' options (src/host/cli-args.ts). tests/host/readme-cli.test.ts fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readmeTable } from '../src/host/cli-args'

export const BEGIN = /<!-- cli-table:begin[^>]*-->\n/
export const END = '<!-- cli-table:end -->'

export function withTable(readme: string): string {
  const b = BEGIN.exec(readme)
  const e = readme.indexOf(END)
  if (!b || e < b.index) throw new Error('README.md has no <!-- cli-table:begin --> ... <!-- cli-table:end --> block')
  return readme.slice(0, b.index + b[0].length) + readmeTable() + readme.slice(e)
}

if (process.argv[1]?.endsWith('readme-cli.ts')) {
  const file = join(__dirname, '..', 'README.md')
  writeFileSync(file, withTable(readFileSync(file, 'utf8')))
}
