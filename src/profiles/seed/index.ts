// Profile 'seed': byte-compatible with the Zephyr/OpenAMP demo, quirks included (docs quirk table).

import type { Profile } from '../types'
import { DEVICE_CONSOLE, DeviceSide } from './device_side'
import { DriverSideDemo } from './driver_side_demo'
import { DRIVER_CONSOLE, HELLO } from './driver_consts'
import { seedExplain, seedPartner } from './explain'
import { seedRegQuirks } from './quirks'
import { seedRegFields } from './regs'
import { seedHeapName, seedRegions } from './regions'

export const SEED_PROFILE: Profile = {
  name: 'seed',
  device: (p) => new DeviceSide(p),
  driver: (p) => new DriverSideDemo(p),
  regions: seedRegions,
  nameOf: seedHeapName,
  regQuirks: seedRegQuirks,
  regFields: seedRegFields,
  // the driver's vring heap ends at 0x180800 (regions.ts): a smaller shm cannot hold its layout
  minShm: { bytes: 0x200000, why: 'its vring heap ends at 0x180800' },
  partnerOf: seedPartner,
  isDataLine: (line) => line.includes(HELLO),
  explain: seedExplain,
  consoles: { device: DEVICE_CONSOLE, driver: DRIVER_CONSOLE }
}
