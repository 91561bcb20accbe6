// Profiles: which firmware each side runs. 'seed' is byte-compatible with the Zephyr/OpenAMP demo;
// a virtio 1.2 conformant 'spec' profile (DESIGN.md) plugs in here with its own two firmwares.

import type { ProfileName } from '../shared/contract'
import type { GuestPlatform, Thread } from '../guest/platform'
import { DeviceSide } from '../guest/device_side'
import { DriverSideDemo } from '../guest/driver_side_demo'

export interface Profile {
  name: ProfileName
  /** the VA each guest's ivshmem driver maps BAR2 at (wire-protocol §2.5) */
  base: number
  device(p: GuestPlatform): DeviceSide & { main(): Thread }
  driver(p: GuestPlatform): DriverSideDemo & { main(): Thread }
}

export const PROFILES: Record<ProfileName, Profile> = {
  seed: {
    name: 'seed',
    base: 0xafa00000,
    device: (p) => new DeviceSide(p),
    driver: (p) => new DriverSideDemo(p)
  }
}
