// Snapshots built by the real lab (tests/fixtures/real-snapshots.ts, Vitest globalSetup), handed
// over with inject(): fresh copies, so a test may change its own.
import { inject } from 'vitest'
import type { Comparison, LabSnapshot, TraceEvent } from '../../src/shared/contract'

declare module 'vitest' {
  export interface ProvidedContext {
    realSnapshots: { midRun: LabSnapshot; early: LabSnapshot; corruptTx: LabSnapshot; badChain: LabSnapshot }
    /** compareProfiles(default scenario, 3 s) and the default seed run's trace to 3 s */
    realCompare: { comparison: Comparison; seedTrace: TraceEvent[] }
  }
}

function get(name: 'midRun' | 'early' | 'corruptTx' | 'badChain'): LabSnapshot {
  const all = inject('realSnapshots')
  if (!all) throw new Error('real snapshots missing: run the renderer tests through vitest.config.mts (globalSetup)')
  return structuredClone(all[name])
}

/** ≈ 9 s into the default seed run: handshake done, transmitq holds a used and an available byte */
export const midRun = (): LabSnapshot => get('midRun')
/** 1 ms in: the device has not published its registers yet */
export const early = (): LabSnapshot => get('early')
/** midRun's moment with transmitq's avail.idx stored 9 ahead of used.idx by a hostile peer */
export const corruptTx = (): LabSnapshot => get('corruptTx')
/** midRun's moment with the available TX descriptor's chain pointing at desc 9 of 4 (NEXT set) */
export const badChain = (): LabSnapshot => get('badChain')

/** the real comparison of the default scenario over 3 s and the seed run's trace (the lab it sits in) */
export function realCompare(): { comparison: Comparison; seedTrace: TraceEvent[] } {
  const c = inject('realCompare')
  if (!c) throw new Error('real comparison missing: run the renderer tests through vitest.config.mts (globalSetup)')
  return structuredClone(c)
}
