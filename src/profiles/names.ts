// The profiles a scenario may name (the scenario schema's enum, src/shared/scenario.ts); the
// registry (index.ts) holds those built in, and the semantic check refuses the others by name.
export const PROFILE_NAMES = ['seed', 'spec'] as const
export type ProfileName = (typeof PROFILE_NAMES)[number]
