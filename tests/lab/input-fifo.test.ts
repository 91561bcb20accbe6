// #11 item 8: input typed to a side that never reads is bounded by the UART receive FIFO and the
// drop is reported (count in the trace, a coded error from the service), never queued.
import { describe, expect, it } from 'vitest'
import { LabSession, RX_FIFO_MAX } from '../../src/lab/session'
import { LabService } from '../../src/host/service'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'

const KIB64 = 'x'.repeat(65_536)

describe('UART input FIFO', () => {
  it('keeps at most RX_FIFO_MAX bytes per guest and counts what it drops', () => {
    const s = new LabSession({ ...DEFAULT_SCENARIO, speed: 'max' }, { trace: { keep: 1000 } })
    s.run(1e9)
    const g = s.slots.driver.guest!
    const before = g.rx.length
    expect(s.sendInput('driver', 'ab')).toEqual({ accepted: 2, dropped: 0 })
    expect(g.rx.slice(-2)).toEqual([0x61, 0x62])
    let dropped = 0
    for (let k = 0; k < 1000; k++) dropped += s.sendInput('driver', KIB64).dropped
    expect(g.rx.length).toBeLessThanOrEqual(RX_FIFO_MAX)
    expect(dropped).toBe(1000 * 65_536 - (RX_FIFO_MAX - before - 2))
    const last = s.trace.get(s.trace.n - 1)!
    expect(last).toMatchObject({ k: 'guest', side: 'driver', op: 'input', data: '', dropped: 65_536 })
  })

  it('the service accepts what fits and rejects the rest with INPUT_DROPPED', async () => {
    const svc = new LabService({ speed: 'max' })
    svc.session.run(1e9)
    await expect(svc.sendInput('driver', 'hello')).resolves.toBeUndefined()
    const err = await svc.sendInput('driver', KIB64).then(
      () => null,
      (e: unknown) => e as Error & { code?: string }
    )
    expect(err?.code).toBe('INPUT_DROPPED')
    expect(err?.message).toBe(
      `sendInput: the driver UART receive FIFO is full (${RX_FIFO_MAX} bytes; the guest is not reading): ${65_536 - (RX_FIFO_MAX - 5)} of 65536 byte(s) dropped`
    )
    svc.dispose()
  })
})
