// The semantic check of a scenario: the schema's per-field rules (src/shared/scenario.ts), the
// combinations that make no sense (scenario-check.ts), and what only this build knows: which
// profiles are registered (src/profiles) and which fabrics exist, and what a profile's layout needs.

import { DEFAULT_SCENARIO, FABRICS, fmtSize, type ConfigError, type ConfigureResult, type FabricKind, type ScenarioConfig } from '../shared/scenario'
import { crossCheck, schemaErrors } from '../shared/scenario-check'
import { PROFILES } from '../profiles/index'

/** fabrics a LabSession in the service can run; the CLI's `run` also takes attached/hosted
 *  (src/host/attach-cmd.ts, native addon; docs/architecture.md#fabric-seam) */
export const FABRICS_BUILT: readonly FabricKind[] = ['emulated']

/** Semantic validation of a whole scenario. Every problem is reported, each on its field. */
export function checkScenario(c: ScenarioConfig, fabrics: readonly FabricKind[] = FABRICS_BUILT): ConfigError[] {
  const e = schemaErrors(c)
  // combinations are judged on well-typed fields only
  const combos = e.length === 0 ? crossCheck(c) : []
  const bad = new Set(e.map((x) => x.field))
  const built = Object.keys(PROFILES)
  if (!bad.has('profile') && !PROFILES[c.profile])
    e.push({ field: 'profile', message: `profile '${c.profile}' is not built into this version (available: ${built.join(', ')})` })
  if (!bad.has('fabric') && FABRICS.includes(c.fabric) && !fabrics.includes(c.fabric))
    e.push({ field: 'fabric', message: `fabric '${c.fabric}' is not built into this version (available: ${fabrics.join(', ')})` })
  // what a profile's layout needs (Profile.minShm)
  const min = bad.has('profile') ? undefined : PROFILES[c.profile]?.minShm
  if (!bad.has('shmSize') && min && c.shmSize < min.bytes)
    e.push({ field: 'shmSize', message: `shmSize must be at least ${fmtSize(min.bytes)} for the ${c.profile} profile (${min.why}) (got ${fmtSize(c.shmSize)})` })
  e.push(...combos)
  return e
}

/** merge a partial onto a base scenario and validate it */
export function resolveScenario(partial: Partial<ScenarioConfig>, base: ScenarioConfig = DEFAULT_SCENARIO, fabrics: readonly FabricKind[] = FABRICS_BUILT): ConfigureResult {
  const config: ScenarioConfig = { ...base, ...partial, restarts: [...(partial.restarts ?? base.restarts)] }
  const errors = checkScenario(config, fabrics)
  return errors.length ? { ok: false, errors } : { ok: true, config }
}
