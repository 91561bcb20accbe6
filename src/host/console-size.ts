// resizeConsole (#9 deliverable 1): the device console pane's size reaches the device's config
// space (VIRTIO_CONSOLE_F_SIZE, virtio 1.2 §5.3.4; docs/spec-profile.md#console-size). Only the device side
// has a console with a size: the driver's pane shows the lab's log. The seed offers no features
// at all (Q8), so it has no SIZE: the size is remembered and nothing on the wire changes.

import type { ConsoleSizeResult, Side } from '../shared/contract'
import type { LabSession } from '../lab/session'

/** cols/rows are le16 config fields (§5.3.4); 0 is not a size */
export const CONSOLE_SIZE_MAX = 0xffff

/** a size outside 1..65535 or not an integer */
export class ConsoleSizeError extends Error {
  override name = 'ConsoleSizeError'
  readonly code = 'CONSOLE_SIZE_RANGE'
  constructor(what: string, v: unknown) {
    super(`resizeConsole: CONSOLE_SIZE_RANGE: ${what} must be an integer 1..${CONSOLE_SIZE_MAX} (got ${typeof v === 'number' ? String(v) : typeof v})`)
  }
}

const check = (what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > CONSOLE_SIZE_MAX) throw new ConsoleSizeError(what, v)
  return v
}

export function resizeConsole(s: LabSession, side: Side, cols: unknown, rows: unknown): ConsoleSizeResult {
  const c = check('cols', cols)
  const r = check('rows', rows)
  const base = { cols: c, rows: r, generation: null, interrupt: false }
  if (side !== 'device') return { ...base, applied: false, note: 'the driver side has no virtio console of its own (its pane shows the lab log): nothing to resize' }
  if (s.remote === 'device') return { ...base, applied: false, note: 'the device is a remote peer: its config space is its own' }
  if (s.cfg.profile === 'seed') {
    s.consoleSize = { cols: c, rows: r }
    return { ...base, applied: false, note: 'the seed profile offers no features, so no VIRTIO_CONSOLE_F_SIZE (Q8): the device has no size to update' }
  }
  const x = s.resizeConsole(c, r)
  if (!x.applied) return { ...base, applied: false, note: `kept: the device boots with ${c}x${r}` }
  const note = x.interrupt
    ? `config cols ${c}, rows ${r}, ConfigGeneration ${x.generation}: configuration-change interrupt to the driver`
    : x.generation === null
      ? `kept: the device boots with ${c}x${r}`
      : `config cols ${c}, rows ${r}, ConfigGeneration ${x.generation} (no interrupt: the driver has not negotiated SIZE or is not at DRIVER_OK)`
  return { ...base, applied: true, generation: x.generation, interrupt: x.interrupt, note }
}
