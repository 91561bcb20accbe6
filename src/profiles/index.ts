// Profiles: which firmware each side runs. 'seed' is byte-compatible with the Zephyr/OpenAMP demo;
// 'spec' is the virtio 1.2 conformant device and driver (docs/spec-profile.md); both plug in through
// the firmware seam (profiles/types.ts, docs/architecture.md#firmware-seam).

import type { Profile, ProfileName } from './types'
import { SEED_PROFILE } from './seed/index'
import { SPEC_PROFILE } from './spec/index'

export type { Profile, ProfileName }

export const PROFILES: Record<ProfileName, Profile> = {
  seed: SEED_PROFILE,
  spec: SPEC_PROFILE
}
