// The explanation on a failure: verdict, causes and fix first, the peer roster after (issue #10).
import { describe, it, expect } from 'vitest'
import { orderExplanation } from '../../src/renderer/src/explainOrder'

// the lab's lines for a driver-first seed run (src/lab/explain.ts)
const driverFirst = [
  'device (instance_1) is ivshmem peer 1 and rings peer 2 (own + 1, Q24).',
  '  as peer 1 it rang nobody.',
  'driver (instance_2) is ivshmem peer 0 and rings peer 65535 (own − 1 as a uint16, Q24).',
  '  as peer 0 it rang nobody.',
  'The driver probed virtio-mmio before any device had published its registers: MagicValue read 0x00000000 → "Bad magic value", so virtio-serial never came up.',
  'The printk hook dropped 1500 bytes: the virtio-serial device is not ready.',
  'Peer ids are not adjacent (device 1, driver 0): both firmwares hard-code their partner as own ± 1, so the doorbells miss. Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).',
  'No Hello line reached the device.'
]

describe('orderExplanation', () => {
  it('on a failure: the verdict, then the causes in the lab\'s order, then the roster; the fix is marked', () => {
    const o = orderExplanation(driverFirst, true)
    expect(o.map((l) => l.role)).toEqual(['verdict', 'cause', 'cause', 'cause', 'roster', 'roster', 'roster', 'roster'])
    expect(o[0].text).toBe('No Hello line reached the device.')
    expect(o[1].text).toMatch(/^The driver probed virtio-mmio/)
    expect(o.map((l) => l.text).sort()).toEqual([...driverFirst].sort())
    expect(o.filter((l) => l.fix).map((l) => l.fix)).toEqual(['Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).'])
  })

  it('on a healthy run the order is the lab\'s', () => {
    expect(orderExplanation(driverFirst, false).map((l) => l.text)).toEqual(driverFirst)
  })
})
