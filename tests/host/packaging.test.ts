// What can be verified of packaging offline: the electron-builder config parses and says what we
// mean, the afterPack hook flips the fuses (on a fake Electron binary), the icons are real PNGs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(__dirname, '../..')
const require = createRequire(join(root, 'package.json'))
const yaml = require('js-yaml') as { load(s: string): unknown }

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vsl-pack-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('electron-builder.yml', () => {
  const cfg = yaml.load(readFileSync(join(root, 'build/electron-builder.yml'), 'utf8')) as Record<string, any>
  it('packs only the build output, unpacks native addons, never rebuilds', () => {
    expect(cfg.appId).toMatch(/\./)
    expect(cfg.productName).toBe('Virtio Serial Lab')
    expect(cfg.directories).toEqual({ buildResources: 'build', output: 'dist' })
    expect(cfg.files).toEqual(['out/**', 'package.json'])
    expect(cfg.asarUnpack).toEqual(['**/*.node'])
    expect(cfg.npmRebuild).toBe(false)
    expect(cfg.afterPack).toBe('build/afterPack.cjs')
  })
  it("validates against electron-builder's own configuration schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, log: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>
    }
    const log = { isEnabled: false, add: () => {} }
    await expect(validateConfiguration(structuredClone(cfg), log)).resolves.toBeUndefined()
    // the validator does reject what electron-builder 26 does not know
    await expect(validateConfiguration({ ...structuredClone(cfg), linux: { ...cfg.linux, bogus: 1 } }, log)).rejects.toThrow(/configuration\.linux/)
  })
  it('targets AppImage + deb, nsis and dmg', () => {
    expect(cfg.linux.target).toEqual(['AppImage', 'deb'])
    expect(cfg.linux.category).toBe('Development')
    expect(cfg.linux.maintainer).toMatch(/<.+@.+>/)
    expect(cfg.win.target).toEqual(['nsis'])
    expect(cfg.mac.target).toEqual(['dmg'])
  })
  it('package.json has what deb needs and the package script uses this config', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.author).toBeTruthy()
    expect(pkg.homepage).toBeTruthy()
    expect(pkg.scripts.package).toContain('--config build/electron-builder.yml')
  })
})

describe('afterPack fuses hook', () => {
  it('flips the fuses of the packed binary', async () => {
    const hook = require(join(root, 'build/afterPack.cjs')) as {
      default: (ctx: unknown) => Promise<void>
      electronBinaryPath: (ctx: unknown) => string
    }
    const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
    const bin = join(dir, 'virtio-serial-lab')
    // a fuse wire: version 1, 9 fuses, all enabled ('1')
    writeFileSync(bin, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(SENTINEL), Buffer.from([1, 9]), Buffer.alloc(9, 0x31), Buffer.alloc(64)]))
    const ctx = {
      appOutDir: dir,
      electronPlatformName: 'linux',
      arch: 1,
      packager: { appInfo: { productFilename: 'Virtio Serial Lab' }, executableName: 'virtio-serial-lab' }
    }
    expect(hook.electronBinaryPath(ctx)).toBe(bin)
    expect(hook.electronBinaryPath({ ...ctx, electronPlatformName: 'win32' })).toBe(join(dir, 'Virtio Serial Lab.exe'))
    expect(hook.electronBinaryPath({ ...ctx, electronPlatformName: 'darwin' })).toBe(join(dir, 'Virtio Serial Lab.app'))
    await hook.default(ctx)
    const wire = [...readFileSync(bin).subarray(4096 + SENTINEL.length + 2, 4096 + SENTINEL.length + 2 + 9)].map((b) =>
      String.fromCharCode(b)
    )
    // RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyFromAsar, V8Snapshot, FileProtocolPrivileges, WasmTrapHandlers
    expect(wire.join('')).toBe('010011101')
  })
})

describe('afterPack on macOS', () => {
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
  /** a fake .app whose framework binary has a 9-fuse wire, and a fake `codesign` on PATH */
  function fakeMacApp(name: string): { appOutDir: string; log: string } {
    const appOutDir = join(dir, name)
    const fw = join(appOutDir, 'Virtio Serial Lab.app', 'Contents', 'Frameworks', 'Electron Framework.framework')
    mkdirSync(fw, { recursive: true })
    writeFileSync(join(fw, 'Electron Framework'), Buffer.concat([Buffer.alloc(64), Buffer.from(SENTINEL), Buffer.from([1, 9]), Buffer.alloc(9, 0x31), Buffer.alloc(64)]))
    const bin = join(appOutDir, 'bin')
    mkdirSync(bin)
    const log = join(appOutDir, 'codesign.log')
    writeFileSync(join(bin, 'codesign'), `#!/bin/sh\necho "$@" >> '${log}'\n`)
    chmodSync(join(bin, 'codesign'), 0o755)
    return { appOutDir, log }
  }
  const run = async (name: string, arch: number) => {
    const hook = require(join(root, 'build/afterPack.cjs')) as { default: (ctx: unknown) => Promise<void> }
    const { appOutDir, log } = fakeMacApp(name)
    const path = process.env.PATH
    process.env.PATH = `${join(appOutDir, 'bin')}:${path}`
    try {
      await hook.default({
        appOutDir,
        electronPlatformName: 'darwin',
        arch,
        packager: { appInfo: { productFilename: 'Virtio Serial Lab' }, executableName: 'virtio-serial-lab' }
      })
    } finally {
      process.env.PATH = path
    }
    return existsSync(log) ? readFileSync(log, 'utf8') : ''
  }
  it.skipIf(process.platform === 'win32')('re-signs ad hoc the arm64 and universal apps, not the x64 one', async () => {
    expect(await run('x64', 1)).toBe('')
    for (const [name, arch] of [['arm64', 3], ['universal', 4]] as const) {
      const log = await run(name, arch)
      expect(log, name).toContain('--sign - --force')
      expect(log, name).toContain(join(dir, name, 'Virtio Serial Lab.app'))
    }
  })
})

describe('icons', () => {
  const dims = (file: string) => {
    const b = readFileSync(file)
    expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return [b.readUInt32BE(16), b.readUInt32BE(20)]
  }
  it('build/icon.png is 512x512 and build/icons has the Linux sizes', () => {
    expect(dims(join(root, 'build/icon.png'))).toEqual([512, 512])
    for (const s of [16, 24, 32, 48, 64, 128, 256, 512]) expect(dims(join(root, `build/icons/${s}x${s}.png`))).toEqual([s, s])
  })
})
