// Profile 'seed': byte-compatible with the Zephyr/OpenAMP demo, quirks included (docs quirk table).

import type { Profile } from '../types'
import { DEVICE_CONSOLE, DeviceSide } from './device_side'
import { DriverSideDemo } from './driver_side_demo'
import { DRIVER_CONSOLE, HELLO } from './driver_consts'
import { seedExplain, seedPartner } from './explain'
import { seedRegQuirks } from './quirks'
import { seedHeapName, seedRegions } from './regions'

export const SEED_PROFILE: Profile = {
  name: 'seed',
  device: (p) => new DeviceSide(p),
  driver: (p) => new DriverSideDemo(p),
  regions: seedRegions,
  nameOf: seedHeapName,
  regQuirks: seedRegQuirks,
  partnerOf: seedPartner,
  isDataLine: (line) => line.includes(HELLO),
  explain: seedExplain,
  consoles: { device: DEVICE_CONSOLE, driver: DRIVER_CONSOLE }
}
