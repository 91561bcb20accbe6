// @vitest-environment happy-dom
import { describe, it, expect, beforeEach } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import Controls from '../../src/renderer/src/components/Controls.vue'
import { useLabStore } from '../../src/renderer/src/stores/lab'
import { fakeApi, snapshot } from './support'

async function setup() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const api = fakeApi()
  const store = useLabStore()
  await store.init(api)
  const w = mount(Controls, { global: { plugins: [pinia] } })
  await flushPromises()
  return { api, store, w }
}

describe('Controls', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('starts from the snapshot config', async () => {
    const { w } = await setup()
    expect((w.get('[data-testid="ctl-vectors"]').element as HTMLInputElement).value).toBe('2')
    expect((w.get('[data-testid="ctl-shm-size"]').element as HTMLInputElement).value).toBe('4M')
    expect((w.get('[data-testid="ctl-order"]').element as HTMLSelectElement).value).toBe('device-first')
  })

  it('vectors 65: message next to the control, configure not called, input kept', async () => {
    const { api, w } = await setup()
    await w.get('[data-testid="ctl-vectors"]').setValue('65')
    await w.get('[data-testid="ctl-apply"]').trigger('submit')
    await flushPromises()
    const err = w.get('[data-testid="error-vectors"]')
    expect(err.text()).toBe("vectors must be at most 64 (got '65')")
    // next to the control: same label element as the input
    expect(err.element.parentElement).toBe(w.get('[data-testid="ctl-vectors"]').element.parentElement)
    expect(api.configure).not.toHaveBeenCalled()
    expect((w.get('[data-testid="ctl-vectors"]').element as HTMLInputElement).value).toBe('65')
  })

  it('vectors 0 and a non-power-of-two shm size are refused', async () => {
    const { api, w } = await setup()
    await w.get('[data-testid="ctl-vectors"]').setValue('0')
    await w.get('[data-testid="ctl-shm-size"]').setValue('3M')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="error-vectors"]').exists()).toBe(true)
    expect(w.get('[data-testid="error-shmSize"]').text()).toMatch(/power of two/)
    expect(api.configure).not.toHaveBeenCalled()
    // fixing one field clears only its message
    await w.get('[data-testid="ctl-vectors"]').setValue('4')
    expect(w.find('[data-testid="error-vectors"]').exists()).toBe(false)
    expect(w.find('[data-testid="error-shmSize"]').exists()).toBe(true)
  })

  it('valid values: configure is called with the parsed values', async () => {
    const { api, w } = await setup()
    await w.get('[data-testid="ctl-vectors"]').setValue('4')
    await w.get('[data-testid="ctl-shm-size"]').setValue('64K')
    await w.get('[data-testid="ctl-order"]').setValue('driver-first')
    await w.get('[data-testid="ctl-shm-state"]').setValue('leftover')
    await w.get('[data-testid="ctl-latency"]').setValue('35us')
    await w.get('[data-testid="ctl-gap"]').setValue('250ms')
    await w.get('[data-testid="ctl-restart"]').setValue('driver@12s')
    await w.get('[data-testid="ctl-driver-base"]').setValue('0xAFA01000')
    await w.get('[data-testid="ctl-cpu-scale"]').setValue('2.5')
    await w.get('[data-testid="ctl-apply"]').trigger('submit')
    await flushPromises()
    expect(api.configure).toHaveBeenCalledTimes(1)
    expect(api.configure).toHaveBeenCalledWith({
      profile: 'seed',
      order: 'driver-first',
      vectors: 4,
      shmSize: 65536,
      shmState: 'leftover',
      latency: 35_000,
      gap: 250_000_000,
      speed: 1,
      until: null,
      restarts: [{ side: 'driver', at: 12e9 }],
      faults: [],
      driverBase: 0xafa01000,
      deviceBase: 0xafa00000,
      fabric: 'emulated',
      socket: null,
      role: 'both',
      cpuScale: 2.5
    })
    expect(w.find('[data-testid^="error-"]').exists()).toBe(false)
  })

  it('a BAR2 address that is not 4 KiB aligned gets a message next to its control, nothing is sent', async () => {
    const { api, w } = await setup()
    await w.get('[data-testid="ctl-device-base"]').setValue('0xafa00800')
    await w.get('[data-testid="ctl-apply"]').trigger('submit')
    await flushPromises()
    expect(api.configure).not.toHaveBeenCalled()
    expect(w.get('[data-testid="error-deviceBase"]').text()).toBe("deviceBase must be 4 KiB-aligned (a multiple of 0x1000) (got '0xafa00800')")
    expect((w.get('[data-testid="ctl-device-base"]').element as HTMLInputElement).value).toBe('0xafa00800')
  })

  it('ConfigureResult errors and thrown RPC errors land next to their control', async () => {
    const { api, w } = await setup()
    api.configure.mockResolvedValueOnce({ ok: false, errors: [{ field: 'gap', message: 'gap too long for this profile' }] } as never)
    await w.get('[data-testid="ctl-gap"]').setValue('5')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="error-gap"]').text()).toBe('gap too long for this profile')
    expect((w.get('[data-testid="ctl-gap"]').element as HTMLInputElement).value).toBe('5')

    api.configure.mockRejectedValueOnce(new Error('configure: shmSize must be a power of two from 65536 (64 KiB) to 1073741824 (1 GiB) (got 3)'))
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="error-shmSize"]').text()).toMatch(/^shmSize must be a power of two/)
  })

  it('speed, pause, step, reset and restart send control commands', async () => {
    const { api, w, store } = await setup()
    await w.get('[data-testid="ctl-speed"]').setValue('max')
    await flushPromises()
    expect(api.control).toHaveBeenCalledWith({ cmd: 'speed', speed: 'max' })
    await w.get('[data-testid="ctl-pause"]').trigger('click')
    expect(api.control).toHaveBeenCalledWith({ cmd: 'pause' })
    store.applySnapshot({ ...store.snapshot!, seq: 99, paused: true })
    await flushPromises()
    expect(w.get('[data-testid="ctl-pause"]').text()).toContain('resume')
    await w.get('[data-testid="ctl-step"]').trigger('click')
    expect(api.control).toHaveBeenCalledWith({ cmd: 'step', count: 1 })
    await w.get('[data-testid="ctl-reset"]').trigger('click')
    expect(api.control).toHaveBeenCalledWith({ cmd: 'reset' })
    await w.get('[data-testid="ctl-restart-driver"]').trigger('click')
    expect(api.control).toHaveBeenCalledWith({ cmd: 'restart', side: 'driver' })
  })

  it('on a real fabric Pause and Step are disabled and say why; the emulated fabric keeps them', async () => {
    const { store, w } = await setup()
    expect(snapshot().fabric).toEqual({ kind: 'emulated', clock: 'virtual', state: 'up', detail: expect.any(String) })
    expect(w.get('[data-testid="ctl-pause"]').attributes('disabled')).toBeUndefined()
    store.applySnapshot(snapshot({ seq: 50, fabric: { kind: 'attached', clock: 'wall', state: 'up', detail: 'joined /tmp/ivshmem_socket as peer 3' } }))
    await flushPromises()
    for (const id of ['ctl-pause', 'ctl-step']) {
      expect(w.get(`[data-testid="${id}"]`).attributes('disabled')).toBeDefined()
      expect(w.get(`[data-testid="${id}"]`).attributes('title')).toMatch(/does not apply to a real fabric/)
    }
  })
})
