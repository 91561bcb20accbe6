// Profiles: which firmware each side runs. 'seed' is byte-compatible with the Zephyr/OpenAMP demo;
// 'spec' is the virtio 1.2 conformant device and driver (docs/spec-profile.md); both plug in through
// the firmware seam (docs/architecture.md#firmware-seam).

import type { ProfileName } from './names'
import type { GuestPlatform, Thread } from '../guest/platform'
import { DeviceSide } from './seed/device_side'
import { DriverSideDemo } from './seed/driver_side_demo'
import { SpecDevice } from './spec/device'
import { SpecDriver } from './spec/driver'

export interface Firmware {
  main(): Thread
}

export interface Profile {
  name: ProfileName
  device(p: GuestPlatform): Firmware
  driver(p: GuestPlatform): Firmware
}

/** the profiles built in; the scenario schema names more (src/shared/scenario.ts), and the semantic
 *  check (src/lab/config.ts) refuses one that is not registered here */
export const PROFILES: Partial<Record<ProfileName, Profile>> = {
  seed: {
    name: 'seed',
    device: (p) => new DeviceSide(p),
    driver: (p) => new DriverSideDemo(p)
  },
  spec: {
    name: 'spec',
    device: (p) => new SpecDevice(p),
    driver: (p) => new SpecDriver(p)
  }
}
