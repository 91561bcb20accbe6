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

// the same run as the seed profile tags it (snapshot.explainLines)
const roled = [
  { text: driverFirst[0], role: 'roster' },
  { text: driverFirst[1], role: 'roster' },
  { text: driverFirst[4], role: 'cause' },
  { text: 'Peer ids are not adjacent (device 1, driver 0): both firmwares hard-code their partner as own ± 1, so the doorbells miss.', role: 'cause' },
  { text: 'Start the device first, then the driver, with nobody in between (seed README; Q24, Q26).', role: 'fix' },
  { text: 'Something in the background.', role: 'info' },
  { text: 'No Hello line reached the device.', role: 'verdict' }
] as const

describe('orderExplanation with the profile\'s roles', () => {
  it('on a failure: verdict, causes, fix, then roster and info; the fix line is marked whole', () => {
    const o = orderExplanation(roled, true)
    expect(o.map((l) => l.role)).toEqual(['verdict', 'cause', 'cause', 'fix', 'roster', 'roster', 'info'])
    expect(o[3]).toEqual({ text: roled[4].text, role: 'fix', fix: roled[4].text })
    expect(o.filter((l) => l.role !== 'fix').every((l) => l.fix === null)).toBe(true)
  })

  it('roles are taken as given, not guessed from the text', () => {
    // a text the fallback would call a cause with a fix, tagged info by the profile
    const o = orderExplanation([{ text: 'Start here. Use this.', role: 'info' }], true)
    expect(o).toEqual([{ text: 'Start here. Use this.', role: 'info', fix: null }])
  })

  it('an unknown role (a newer service) falls back to the text', () => {
    expect(orderExplanation([{ text: 'No Hello line reached the device.', role: 'odd' as never }], true)[0].role).toBe('verdict')
  })
})

describe('orderExplanation (fallback: texts only)', () => {
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
