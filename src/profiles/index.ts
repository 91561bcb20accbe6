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

export const PROFILES: Record<ProfileName, Profile> = {
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
