// @vitest-environment happy-dom
// The Peers panel on a real fabric: connection state in the header, remote peers marked as such;
// (Controls on a real fabric: tests/renderer/Controls.test.ts)
import { describe, it, expect } from 'vitest'
import { mount } from '@vue/test-utils'
import PeersPanel from '../../src/renderer/src/components/PeersPanel.vue'
import type { FabricView, PeerView } from '../../src/shared/contract'
import { snapshot } from './support'

const hosted: FabricView = { kind: 'hosted', clock: 'wall', state: 'up', detail: 'hosted at /tmp/s: device = peer 0, driver = peer 1; 1 remote peer' }
const remote: PeerView = { id: 2, side: null, connected: true, vectors: 2, sent: [0, 0], received: [0, 0], merged: [0, 0], interrupts: [0, 0], dropped: 0, local: false }

describe('PeersPanel', () => {
  it('shows a real fabric state and marks a remote peer', () => {
    const s = snapshot()
    const w = mount(PeersPanel, { props: { peers: [...s.peers, remote], guests: s.guests, fabric: hosted } })
    expect(w.get('[data-testid="fabric-status"]').text()).toBe(`hosted · up · ${hosted.detail}`)
    expect(w.get('[data-testid="fabric-status"]').classes()).toContain('good')
    expect(w.get('[data-testid="peer-2-who"]').text()).toBe('remote (QEMU or another process)')
    expect(w.get('[data-testid="peer-0-who"]').text()).toBe('instance_1 (device)')
  })

  it('a server gone shows as down; the emulated fabric shows no status', () => {
    const s = snapshot()
    const down = mount(PeersPanel, { props: { peers: s.peers, guests: s.guests, fabric: { ...hosted, kind: 'attached', state: 'down', detail: 'the ivshmem-server at /tmp/s is gone' } } })
    expect(down.get('[data-testid="fabric-status"]').classes()).toContain('bad')
    expect(down.get('[data-testid="fabric-status"]').text()).toContain('attached · down · the ivshmem-server at /tmp/s is gone')
    const emu = mount(PeersPanel, { props: { peers: s.peers, guests: s.guests, fabric: s.fabric } })
    expect(emu.find('[data-testid="fabric-status"]').exists()).toBe(false)
  })
})

