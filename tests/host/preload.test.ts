// The preload with 'electron' mocked (the real module is never loaded here).
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LAB_EVENT_CHANNEL, LAB_METHODS, type LabApi, type LabEvent } from '../../src/shared/contract'

const exposed = new Map<string, unknown>()
const listeners = new Map<string, Set<(...a: unknown[]) => void>>()
const invoke = vi.fn()

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: (...a: unknown[]) => invoke(...a),
    on: (ch: string, fn: (...a: unknown[]) => void) => {
      if (!listeners.has(ch)) listeners.set(ch, new Set())
      listeners.get(ch)!.add(fn)
    },
    removeListener: (ch: string, fn: (...a: unknown[]) => void) => listeners.get(ch)?.delete(fn)
  }
}))

describe('preload', () => {
  beforeEach(async () => {
    if (!exposed.size) await import('../../src/preload/index')
    invoke.mockReset()
  })

  it('exposes labApi with the LabApi methods, and labFiles (the app\'s file export) only', () => {
    expect([...exposed.keys()]).toEqual(['labApi', 'labFiles'])
    expect(Object.keys(exposed.get('labFiles') as object).sort()).toEqual(['cancelExport', 'exportTrace', 'onExportProgress'])
    const api = exposed.get('labApi') as Record<string, unknown>
    expect(Object.keys(api).sort()).toEqual([...LAB_METHODS, 'subscribe'].sort())
    for (const k of Object.keys(api)) expect(typeof api[k]).toBe('function')
  })

  it('maps each method to invoke("lab:<method>", ...args)', async () => {
    const api = exposed.get('labApi') as LabApi
    invoke.mockResolvedValue('r')
    await api.getSnapshot()
    await api.configure({ vectors: 4 })
    await api.control({ cmd: 'step', count: 2 })
    await api.sendInput('device', 'x')
    await api.getTrace(1, 2)
    await api.snapshotAt(3)
    await api.readShm(4, 5)
    await api.consoleSince('driver', 6)
    expect(invoke.mock.calls).toEqual([
      ['lab:getSnapshot'],
      ['lab:configure', { vectors: 4 }],
      ['lab:control', { cmd: 'step', count: 2 }],
      ['lab:sendInput', 'device', 'x'],
      ['lab:getTrace', 1, 2],
      ['lab:snapshotAt', 3],
      ['lab:readShm', 4, 5],
      ['lab:consoleSince', 'driver', 6]
    ])
  })

  it("strips Electron's remote-method prefix from errors", async () => {
    const api = exposed.get('labApi') as LabApi
    invoke.mockRejectedValue(
      new Error("Error invoking remote method 'lab:configure': LabRequestError: configure: vectors must be at most 64 (got 65)")
    )
    await expect(api.configure({ vectors: 65 })).rejects.toThrow(/^configure: vectors must be at most 64 \(got 65\)$/)
    invoke.mockRejectedValue(new Error("Error invoking remote method 'lab:readShm': Error: readShm: offset 9 outside"))
    await expect(api.readShm(9, 1)).rejects.toThrow(/^readShm: offset 9 outside$/)
  })

  it('subscribe listens on the event channel and unsubscribes', () => {
    const api = exposed.get('labApi') as LabApi
    const got: LabEvent[] = []
    const off = api.subscribe((e) => got.push(e))
    const ev: LabEvent = { type: 'console', side: 'device', data: 'hi', seq: 0 }
    for (const fn of listeners.get(LAB_EVENT_CHANNEL) ?? []) fn({ sender: null }, ev)
    expect(got).toEqual([ev])
    off()
    expect(listeners.get(LAB_EVENT_CHANNEL)?.size).toBe(0)
  })
})

describe('preload bundle constraints', () => {
  // A sandboxed preload has no Node module loader: require() knows only 'electron' and a few
  // built-ins ('events', 'timers', 'url'). Everything else must be bundled into the one CJS file,
  // so the preload's import graph may reach only 'electron' and our own Electron-free modules.
  it("imports (transitively) nothing at runtime but 'electron' and relative modules", () => {
    const bare = new Set<string>()
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      const src = readFileSync(file, 'utf8')
      for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
        if (m[2]) continue // type-only: erased
        const spec = m[3] ?? m[4]
        if (spec.startsWith('.')) {
          const base = resolve(dirname(file), spec)
          const next = [base, `${base}.ts`, `${base}/index.ts`].find((f) => existsSync(f) && f.endsWith('.ts'))
          expect(next, `${file}: ${spec}`).toBeDefined()
          visit(next!)
        } else bare.add(spec)
      }
    }
    visit(resolve(__dirname, '../../src/preload/index.ts'))
    expect([...bare]).toEqual(['electron'])
    expect(seen.size).toBeGreaterThan(1) // the shared contract is bundled in
  })
})
