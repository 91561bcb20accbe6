// Profiles: which firmware each side runs. 'seed' is byte-compatible with the Zephyr/OpenAMP demo;
// a virtio 1.2 conformant 'spec' profile (DESIGN.md) plugs in here with its own two firmwares.

import type { Profile, ProfileName } from './types'
import { SEED_PROFILE } from './seed/index'

export type { Profile, ProfileName }

export const PROFILES: Record<ProfileName, Profile> = {
  seed: SEED_PROFILE
}
