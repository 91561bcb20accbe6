import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP } from '../../src/host/web/headers'

describe('renderer CSP', () => {
  it("the page's meta policy is the header policy (minus frame-ancestors, which meta cannot carry)", () => {
    const html = readFileSync(join(__dirname, '../../src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    const header = RENDERER_CSP.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ')
    expect(meta).toBe(header)
  })
})
