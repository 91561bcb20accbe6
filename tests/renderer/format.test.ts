// Pure helpers of the renderer: form parsing, sizes, console formatter, shm offset resolution.
import { describe, it, expect } from 'vitest'
import { parseForm, parseSize, formFromConfig, errorsFromThrown, regTestId, summarize } from '../../src/renderer/src/format'
import { DisplayFormatter } from '../../src/renderer/src/consoleFormat'
import { resolveShmOffset } from '../../src/renderer/src/selection'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'
import { snapshot } from './support'

describe('format helpers', () => {
  it('parses sizes', () => {
    expect(parseSize('64K')).toBe(65536)
    expect(parseSize('4M')).toBe(4 << 20)
    expect(parseSize('1G')).toBe(1 << 30)
    expect(parseSize('4MiB')).toBe(4 << 20)
    expect(parseSize('0x400000')).toBe(0x400000)
    expect(parseSize('nope')).toBeNull()
  })

  it('round-trips the default scenario through the form', () => {
    const r = parseForm(formFromConfig(DEFAULT_SCENARIO))
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(r.cfg).toEqual(DEFAULT_SCENARIO)
    }
  })

  it('rejects bad vectors and sizes per field', () => {
    const f = formFromConfig(DEFAULT_SCENARIO)
    for (const v of ['0', '65', '2.5', '', 'x']) {
      const r = parseForm({ ...f, vectors: v })
      expect(r.ok).toBe(false)
      if (!r.ok) expect(Object.keys(r.errors)).toEqual(['vectors'])
    }
    for (const s of ['3M', '32K', '2G', '100000']) {
      const r = parseForm({ ...f, shmSize: s })
      expect(r.ok, s).toBe(false)
      if (!r.ok) expect(Object.keys(r.errors)).toEqual(['shmSize'])
    }
  })

  it('maps thrown RPC messages to fields, also when wrapped by Electron IPC', () => {
    expect(errorsFromThrown(new Error('configure: vectors must be at most 64 (got 65)'))).toEqual({ vectors: 'vectors must be at most 64 (got 65)' })
    expect(errorsFromThrown(new Error("Error invoking remote method 'lab:configure': Error: configure: gap must be x"))).toEqual({ gap: 'gap must be x' })
    expect(errorsFromThrown(new Error('boom'))).toEqual({ form: 'boom' })
  })

  it('register test ids are lower-case 3-digit hex', () => {
    expect(regTestId(0)).toBe('reg-0x000')
    expect(regTestId(0xfc)).toBe('reg-0x0fc')
    expect(regTestId(0x100)).toBe('reg-0x100')
  })

  it('summarises store events', () => {
    expect(summarize({ i: 1, t: 0, k: 'store', side: 'driver', off: 0x40, name: 'QueuePFN', w: 4, old: '0x00000000', new: '0x000afb01' })).toBe(
      'QueuePFN ← 0x000afb01 (was 0x00000000) @0x40'
    )
  })
})

describe('DisplayFormatter', () => {
  it('prefixes lines across chunk boundaries', () => {
    const f = new DisplayFormatter({ timestamps: true, hex: false })
    // eslint-disable-next-line no-control-regex -- matching the SGR escapes the formatter emits
    const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')
    expect(strip(f.feed('ab', 1e9) + f.feed('c\nd', 2e9))).toBe('[   1.000000] abc\n[   2.000000] d')
  })
  it('hex dump streams 16 bytes per line', () => {
    const f = new DisplayFormatter({ timestamps: false, hex: true })
    const out = f.feed('0123456789abcdef', 0) + f.feed('Z', 0)
    expect(out).toBe('00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\r\n00000010  5a ')
  })
})

describe('resolveShmOffset (hex view -> structure)', () => {
  const s = snapshot()
  it('maps register bytes to their cell', () => {
    expect(resolveShmOffset(s, 0x42)).toMatchObject({ key: 'reg:0x040', off: 0x40, len: 4 })
  })
  it('maps ring bytes to descriptors, avail and used', () => {
    expect(resolveShmOffset(s, 0x103000 + 16 * 2 + 5)).toMatchObject({ key: 'desc:1:2' })
    expect(resolveShmOffset(s, 0x103042)).toMatchObject({ key: 'avail:1', off: 0x103040 })
    expect(resolveShmOffset(s, 0x104010)).toMatchObject({ key: 'used:1', off: 0x104000 })
  })
  it('maps a buffer byte to the descriptor that points at it', () => {
    const d = s.rings.find((r) => r.queue === 1)!.desc.find((x) => x.owner === 'avail')!
    expect(resolveShmOffset(s, d.off!)).toMatchObject({ key: `desc:1:${d.i}` })
  })
})

describe('parseForm: profiles', () => {
  it("accepts 'seed' and 'spec', refuses anything else", () => {
    const f = formFromConfig(DEFAULT_SCENARIO)
    const spec = parseForm({ ...f, profile: 'spec' })
    expect(spec.ok && spec.cfg.profile).toBe('spec')
    const bad = parseForm({ ...f, profile: 'nope' })
    expect(!bad.ok && bad.errors.profile).toBe("profile must be one of seed, spec (got 'nope')")
  })
})
