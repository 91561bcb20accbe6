import { describe, expect, it } from 'vitest'
import { APP_INDEX_URL, APP_ORIGIN, isAllowedExternalUrl, isTrustedOrigin, originOf } from '../../src/main/security'

describe('shell security policy', () => {
  it('trusts only our own origins', () => {
    const allowed = [APP_ORIGIN, 'http://localhost:5173']
    expect(originOf(APP_INDEX_URL)).toBe('app://lab')
    expect(isTrustedOrigin(APP_INDEX_URL, allowed)).toBe(true)
    expect(isTrustedOrigin('app://lab/assets/x.js#y', allowed)).toBe(true)
    expect(isTrustedOrigin('http://localhost:5173/', allowed)).toBe(true)
    for (const u of ['app://evil/index.html', 'file:///work/main/out/renderer/index.html', 'http://localhost:5174/', 'https://github.com/', 'about:blank', '', null, undefined]) {
      expect(isTrustedOrigin(u, allowed), String(u)).toBe(false)
    }
    expect(isTrustedOrigin('http://localhost:5173/', [APP_ORIGIN])).toBe(false)
  })

  it('opens only https links to allowlisted hosts', () => {
    expect(isAllowedExternalUrl('https://docs.oasis-open.org/virtio/virtio/v1.2/virtio-v1.2.html')).toBe(true)
    expect(isAllowedExternalUrl('https://github.com/zephyrproject-rtos/zephyr')).toBe(true)
    for (const u of [
      'http://github.com/',
      'https://github.com.evil.example/',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://evil.example/',
      'not a url'
    ]) {
      expect(isAllowedExternalUrl(u), u).toBe(false)
    }
  })
})
