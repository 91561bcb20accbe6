#!/usr/bin/env node
// Builds the real-ivshmem addon (native/ -> native/build/Release/ivshmem.node) with node-gyp.
// Never fails the install: without Linux, a compiler or Node's headers the lab still builds and
// runs with the emulated fabric, and this prints one line saying why real ivshmem is unavailable.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (why) => console.log(`virtio-lab: real ivshmem unavailable (${why}); the emulated fabric still works`)

function main() {
  if (process.platform !== 'linux') return say(`needs Linux, this is ${process.platform}`)
  const gyp = join(root, 'node_modules', '.bin', 'node-gyp')
  if (!existsSync(gyp)) return say('node-gyp is not installed')
  const args = ['rebuild', '--directory=native']
  // Debian/Ubuntu's nodejs ships the headers: build against them, nothing is downloaded
  if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr')
  const r = spawnSync(gyp, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.error) return say(`node-gyp did not run: ${r.error.message}`)
  if (r.status !== 0) {
    const err = `${r.stderr}\n${r.stdout}`.split('\n').find((l) => /error/i.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|not ok|System|command)/.test(l))
    return say(`node-gyp failed: ${(err ?? `exit ${r.status}`).trim().slice(0, 200)}`)
  }
  console.log('virtio-lab: real ivshmem addon built (native/build/Release/ivshmem.node)')
}

main()
