// electron-builder afterPack hook: flips Electron fuses on the packed binary, before signing.
// https://www.electronjs.org/docs/latest/tutorial/fuses
// @electron/fuses 2.x is ESM-only, hence the dynamic import from this CommonJS hook.
'use strict'
const path = require('node:path')

/** Fuse settings; the keys are FuseV1Options names. */
const FUSES = {
  RunAsNode: false, // ELECTRON_RUN_AS_NODE cannot turn the app into a plain node
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false, // NODE_OPTIONS is ignored
  EnableNodeCliInspectArguments: false, // --inspect and friends are ignored
  EnableEmbeddedAsarIntegrityValidation: true, // macOS and Windows; no-op on Linux
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false // the renderer is served from app://, not file://
}

/** Path of the Electron executable (or .app bundle) electron-builder just packed. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context
  const name = packager.appInfo.productFilename
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${name}.app`)
    case 'win32':
      return path.join(appOutDir, `${name}.exe`)
    default:
      return path.join(appOutDir, packager.executableName)
  }
}

async function afterPack(context) {
  const { flipFuses, FuseVersion, FuseV1Options } = await import('@electron/fuses')
  const config = { version: FuseVersion.V1 }
  for (const [name, value] of Object.entries(FUSES)) {
    if (!(name in FuseV1Options)) throw new Error(`afterPack: unknown fuse ${name}`)
    config[FuseV1Options[name]] = value
  }
  const isMac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas'
  // arm64 macOS binaries are ad-hoc signed; flipping fuses invalidates that signature. A universal
  // app (Arch.universal = 4, packed per arch then merged, this hook runs on the merged app too)
  // contains an arm64 slice as well, so it needs the re-sign too (Arch.arm64 = 3).
  config.resetAdHocDarwinSignature = isMac && (context.arch === 3 || context.arch === 4)
  const target = electronBinaryPath(context)
  await flipFuses(target, config)
  console.log(`  • flipped Electron fuses  file=${path.relative(process.cwd(), target) || target}`)
}

module.exports = afterPack
module.exports.default = afterPack
module.exports.FUSES = FUSES
module.exports.electronBinaryPath = electronBinaryPath
