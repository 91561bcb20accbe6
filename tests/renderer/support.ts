// Hand-made snapshots and a fake LabApi (vi.fn) for the renderer component tests.
import { vi } from 'vitest'
import { type DescRow, type LabApi, type LabEvent, type LabSnapshot, type RegCell, type RingView, type TraceEvent } from '../../src/shared/contract'
import { DEFAULT_SCENARIO } from '../../src/shared/scenario'

export function reg(off: number, name: string, value: number, extra: Partial<RegCell> = {}): RegCell {
  return {
    off,
    name,
    legacy: 'VIRTIO_MMIO_' + name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
    modern: '',
    access: 'RW',
    value,
    fields: [],
    lastWriter: null,
    lastWriteT: null,
    lastWriteEvent: null,
    quirks: [],
    ...extra
  }
}

export function seedRegs(pfn = 0xaabbaabb): RegCell[] {
  return [
    reg(0x000, 'MagicValue', 0x74726976, { access: 'RO', lastWriter: 'device', lastWriteT: 1_000, lastWriteEvent: 3 }),
    reg(0x004, 'Version', 1, { access: 'RO', fields: [{ name: 'version', value: '1 (legacy)' }] }),
    reg(0x008, 'DeviceID', 3, { access: 'RO', fields: [{ name: 'device', value: 'console' }] }),
    reg(0x040, 'QueuePFN', pfn, {
      lastWriter: 'device',
      lastWriteT: 1_234_567_000,
      lastWriteEvent: 42,
      fields: [{ name: 'ack', value: pfn === 0xaabbaabb ? 'HVL_CFG_ACK' : '' }],
      quirks:
        pfn === 0xaabbaabb
          ? [{ q: 'Q3', rule: 'no ack value in QueuePFN; the device latches queue config on QueueReady' }]
          : []
    }),
    reg(0x070, 'Status', 4, { lastWriter: 'driver', fields: [{ name: 'DRIVER_OK', value: '1' }] })
  ]
}

export function desc(i: number, owner: DescRow['owner'], extra: Partial<DescRow> = {}): DescRow {
  return {
    i,
    addr: '0x' + (0xafa80900 + i * 0x10).toString(16),
    off: 0x80900 + i * 0x10,
    len: 1,
    flags: 0,
    flagNames: [],
    next: i < 3 ? i + 1 : 0x8000,
    chainHead: owner === 'free' ? null : i,
    owner,
    bytes: [0x48 + i],
    ...extra
  }
}

export function ring(queue: number, descOff: number, owners: DescRow['owner'][]): RingView {
  return {
    queue,
    name: queue === 0 ? 'receiveq' : 'transmitq',
    configured: true,
    num: 4,
    descOff,
    availOff: descOff + 0x40,
    usedOff: descOff + 0x1000,
    guestAddr: '0x' + (0xafa00000 + descOff).toString(16),
    desc: owners.map((o, i) => desc(i, o)),
    avail: { flags: 0, idx: 6, ring: [0, 1, 2, 3] },
    used: {
      flags: 0,
      idx: 5,
      ring: [
        { id: 0, len: 1 },
        { id: 1, len: 1 },
        { id: 2, len: 1 },
        { id: 3, len: 1 }
      ]
    },
    driverUsedCons: 3,
    deviceNext: 5,
    errors: [],
    chainErrors: []
  }
}

export function snapshot(over: Partial<LabSnapshot> = {}): LabSnapshot {
  return {
    seq: 1,
    t: 8_010_000_000,
    running: true,
    paused: false,
    finished: false,
    config: { ...DEFAULT_SCENARIO },
    guests: {
      device: {
        side: 'device',
        instance: 'instance_1',
        state: 'ready',
        peerId: 0,
        partnerId: 1,
        uptimeMs: 9000,
        detail: 'READY',
        consoleBytes: 0
      },
      driver: {
        side: 'driver',
        instance: 'instance_2',
        state: 'ready',
        peerId: 1,
        partnerId: 0,
        uptimeMs: 8010,
        detail: 'in main()',
        consoleBytes: 0
      }
    },
    peers: [
      { id: 0, side: 'device', connected: true, vectors: 2, sent: [10, 0], received: [20, 0], merged: [1, 0], interrupts: [19, 0], dropped: 0, local: true },
      { id: 1, side: 'driver', connected: true, vectors: 2, sent: [20, 0], received: [10, 0], merged: [0, 0], interrupts: [10, 0], dropped: 0, local: true }
    ],
    fabric: { kind: 'emulated', clock: 'virtual', state: 'up', detail: 'emulated' },
    regs: seedRegs(),
    rings: [ring(0, 0x101000, ['free', 'free', 'free', 'free']), ring(1, 0x103000, ['used', 'avail', 'avail', 'free'])],
    regions: [
      { off: 0, len: 0x200, name: 'virtio-mmio registers', note: 'plain shared RAM' },
      { off: 0x101000, len: 0x1026, name: 'vring q0 (receiveq)', note: '' }
    ],
    counters: {
      doorbellsSent: 30,
      doorbellsDropped: 0,
      doorbellsMerged: 1,
      interrupts: 29,
      consoleBytes: { device: 0, driver: 0 },
      txBytes: 5,
      txDropped: 0,
      events: 100,
      traceEvents: 250
    },
    explain: [],
    atEvent: null,
    ...over
  }
}

export interface FakeApi extends LabApi {
  /** push an event to the subscribed listener(s) */
  push(e: LabEvent): void
  listeners: Set<(e: LabEvent) => void>
}

export function fakeApi(snap: LabSnapshot = snapshot()) {
  const listeners = new Set<(e: LabEvent) => void>()
  const api = {
    listeners,
    push(e: LabEvent) {
      for (const l of listeners) l(e)
    },
    getSnapshot: vi.fn(async () => snap),
    configure: vi.fn(async (cfg: Partial<LabSnapshot['config']>) => ({ ok: true as const, config: { ...snap.config, ...cfg } })),
    control: vi.fn(async () => snap),
    sendInput: vi.fn(async () => undefined),
    getTrace: vi.fn(async (_from: number, _count: number): Promise<TraceEvent[]> => []),
    snapshotAt: vi.fn(async (i: number) => ({ ...snap, atEvent: i })),
    readShm: vi.fn(async (_off: number, len: number) => new Array<number>(len).fill(0)),
    consoleSince: vi.fn(async (_side: string, seq: number) => ({ data: '', seq })),
    subscribe: vi.fn((l: (e: LabEvent) => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    })
  }
  const check: FakeApi = api
  void check
  return api
}

/** wait for pending promises / timers */
export async function settle(ms = 0): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}
