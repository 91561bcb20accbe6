// Rewrites README's CLI option table from the scenario field table (src/shared/scenario.ts) and the
// subcommands' options (src/host/cli-args.ts). tests/host/readme-cli.test.ts fails when they differ.
//   npx tsx scripts/readme-cli.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readmeWithTable } from '../src/host/cli-args'

const file = join(__dirname, '..', 'README.md')
writeFileSync(file, readmeWithTable(readFileSync(file, 'utf8')))
