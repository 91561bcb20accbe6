import { LabSession } from '../src/lab/session'
import { type ScenarioConfig, type TraceEvent } from '../src/shared/contract'
import { DEFAULT_SCENARIO } from '../src/shared/scenario'

export const S = 1_000_000_000
export const MS = 1_000_000

export function scenario(p: Partial<ScenarioConfig> = {}): ScenarioConfig {
  return { ...DEFAULT_SCENARIO, speed: 'max', ...p }
}

/** run a scenario to `until` with the whole trace kept */
export function runLab(p: Partial<ScenarioConfig> = {}, until = 20 * S): { s: LabSession; ev: TraceEvent[] } {
  const s = new LabSession(scenario(p), { trace: { keep: 5_000_000 } })
  s.run(until)
  return { s, ev: s.trace.slice(0, s.trace.n) }
}

export const lines = (text: string): string[] => text.replace(/\r/g, '').split('\n')
