#!/usr/bin/env node
'use strict'
// Entry point of the `virtio-lab` command. The TypeScript sources are built into out/ by
// `npm install` (prepare) or `npm run build`.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const cli = join(__dirname, '..', 'out', 'main', 'cli.js')
if (!existsSync(cli)) {
  process.stderr.write('virtio-lab: not built yet: run `npm run build` (npm install builds it too)\n')
  process.exit(2)
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code
  })
