// Profiles: which firmware each side runs. 'seed' is byte-compatible with the Zephyr/OpenAMP demo;
// a virtio 1.2 conformant 'spec' profile (docs/architecture.md#firmware-seam) plugs in here with its own two firmwares.

import type { ProfileName } from './names'
import type { GuestPlatform, Thread } from '../guest/platform'
import { DeviceSide } from './seed/device_side'
import { DriverSideDemo } from './seed/driver_side_demo'

export interface Profile {
  name: ProfileName
  device(p: GuestPlatform): DeviceSide & { main(): Thread }
  driver(p: GuestPlatform): DriverSideDemo & { main(): Thread }
}

export const PROFILES: Record<ProfileName, Profile> = {
  seed: {
    name: 'seed',
    device: (p) => new DeviceSide(p),
    driver: (p) => new DriverSideDemo(p)
  }
}
