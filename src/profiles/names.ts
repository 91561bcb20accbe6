// The profiles the registry (index.ts) knows; the contract re-exports this name.
export type ProfileName = 'seed'
