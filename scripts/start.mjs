#!/usr/bin/env node
// npm start: build if needed, then run the Electron app if an Electron binary exists on this
// machine, else the browser host (same renderer, same lab service) via the CLI.
// The binary is looked up WITHOUT require('electron'): that would try to download it from GitHub.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

/** newest mtime (ms) of the files under p (a file or a directory) */
function newest(p) {
  if (!existsSync(p)) return 0
  const st = statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let m = 0
  for (const e of readdirSync(p)) m = Math.max(m, newest(join(p, e)))
  return m
}

function oldestOutput() {
  const outs = ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.js', 'out/renderer/index.html'].map((f) => join(root, f))
  if (outs.some((f) => !existsSync(f))) return 0
  return Math.min(...outs.map((f) => statSync(f).mtimeMs))
}

function buildIfStale() {
  const inputs = Math.max(newest(join(root, 'src')), newest(join(root, 'electron.vite.config.ts')), newest(join(root, 'package.json')))
  const built = oldestOutput()
  if (built && built >= inputs) return
  console.log(built ? 'out/ is older than the sources: building…' : 'out/ is missing: building…')
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`electron-vite build failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status || 1)
  }
}

function findElectron() {
  const fromEnv = process.env.ELECTRON_EXEC_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  try {
    const dir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'))
    const txt = join(dir, 'path.txt')
    if (!existsSync(txt)) return null
    const bin = join(dir, 'dist', readFileSync(txt, 'utf8').trim())
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

/** run a child in the foreground: forward signals, exit with its code */
function run(cmd, argv) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit' })
  const forward = (sig) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig)
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => forward(sig))
  child.on('error', (err) => {
    console.error(`cannot start ${cmd}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal) {
      // die the same way, without our forwarding handler in the way
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
}

/** Electron 45 downloads its binary lazily (no postinstall): try that once, quietly and bounded,
 *  as require('electron') would. Offline it fails in well under a second. */
function downloadElectron() {
  const install = join(root, 'node_modules', 'electron', 'install.js')
  if (!existsSync(install) || process.env.VIRTIO_LAB_NO_ELECTRON_DOWNLOAD) return null
  process.stdout.write('Electron binary not installed yet, downloading it from GitHub… ')
  const r = spawnSync(process.execPath, [install], { cwd: root, stdio: 'pipe', timeout: 300_000 })
  const bin = r.status === 0 ? findElectron() : null
  process.stdout.write(bin ? 'done\n' : 'failed: ')
  return bin
}

buildIfStale()
const electron = findElectron() ?? downloadElectron()
if (electron) {
  run(electron, ['.', ...args])
} else {
  // one line: the (failed) download attempt and what happens instead
  console.log('Electron binary not available on this machine — starting the browser host instead')
  run(process.execPath, [join(root, 'bin', 'virtio-lab.js'), 'serve', ...args])
}
