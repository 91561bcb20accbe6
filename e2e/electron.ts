// Finds an Electron binary WITHOUT require('electron') (which would start a download from GitHub):
//   1. ELECTRON_EXEC_PATH, if set and the file exists;
//   2. node_modules/electron/path.txt + node_modules/electron/dist/<path.txt>, if it exists.
// Returns null when neither works (the case on the project's machines).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export interface ElectronBinary {
  path: string
  source: 'ELECTRON_EXEC_PATH' | 'node_modules/electron'
}

export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): ElectronBinary | null {
  const fromEnv = env.ELECTRON_EXEC_PATH
  if (fromEnv && existsSync(fromEnv)) return { path: fromEnv, source: 'ELECTRON_EXEC_PATH' }
  try {
    const req = createRequire(join(process.cwd(), 'package.json'))
    const dir = dirname(req.resolve('electron/package.json'))
    const txt = join(dir, 'path.txt')
    if (!existsSync(txt)) return null
    const bin = join(dir, 'dist', readFileSync(txt, 'utf8').trim())
    return existsSync(bin) ? { path: bin, source: 'node_modules/electron' } : null
  } catch {
    return null
  }
}

export const NO_ELECTRON_REASON =
  'Electron binary not available on this machine: it is downloaded from GitHub at first use ' +
  '(no network here). Set ELECTRON_EXEC_PATH to an Electron 45 binary to run this test.'
