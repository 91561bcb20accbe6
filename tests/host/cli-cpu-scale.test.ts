// --cpu-scale (docs/wire-protocol.md#cpu-time): parsed and checked like every scenario flag;
// a slow CPU skips the driver's 4 s HVL wait (the early ack).
import { describe, expect, it } from 'vitest'
import { cli } from './cli-io'


describe('virtio-lab run --cpu-scale', () => {
  it('refuses a negative, too large or non-numeric value: one line on stderr, exit 2', async () => {
    for (const [v, msg] of [
      ['-1', /cpuScale/],
      ['1001', /cpuScale must be at most 1000/],
      ['fast', /cpuScale must be a number/]
    ] as const) {
      const r = await cli('run', '--cpu-scale', v, '--until', '1s')
      expect(r.code).toBe(2)
      expect(r.err).toMatch(msg)
      expect(r.err.trimEnd().split('\n')).toHaveLength(1)
    }
  })

  it('20: the queues are acknowledged before the first check, no 4 s wait, DRIVER_OK before 2 s', async () => {
    const slow = await cli('run', '--cpu-scale', '20', '--console', 'driver', '--until', '2s', '--quiet')
    expect(slow.code).toBe(0)
    expect(slow.out).not.toContain('QueuePFN not acknowledged yet')
    expect(slow.out).toContain('Status = DRIVER_OK')
    const zero = await cli('run', '--console', 'driver', '--until', '2s', '--quiet')
    expect(zero.out).toContain('QueuePFN not acknowledged yet')
    expect(zero.out).not.toContain('Status = DRIVER_OK')
  })
})
