// instance_1: the seed's hand-written virtio-mmio console back end (device_side/src/
// virtio-mmio-backend{,-serial}.c), reproduced store for store (docs/wire-protocol.md#device-boot,
// #device-callback, #device-service).
// Seed quirks are kept on purpose and cited (Qn). Where the real code would dereference a wild
// pointer or index past its 2-slot table, we do not: the value read from shm is validated, the
// lab reports what the real device would have done, and the callback returns.

import {
  CONSOLE_RX,
  CONSOLE_TX,
  INT,
  MMIO_WINDOW,
  REG,
  STATUS,
  VIRTIO_ID_CONSOLE,
  VIRTIO_MMIO_MAGIC
} from '../../virtio/mmio'
import { HVL_CFG_ACK } from './openamp'
import { inBounds, isPow2 } from '../../sim/shm'
import { hex64 } from '../../virtio/fmt'
import { fmtPtr, type ConsoleKind, type GuestPlatform, type Thread } from '../../guest/platform'
import { DEVICE_STALL_MS, type DeviceFirmware, type DeviceView, type FaultResult } from '../types'
import { staleUsedId } from './rogue'

/** instance_1's console pane: its UART, byte for byte (CONFIG_CONSOLE=y, boot banner on) */
export const DEVICE_CONSOLE: ConsoleKind = { kind: 'guest', note: "instance_1's UART: the bytes the guest emitted, its own printk lines and the driver's forwarded bytes" }

export const ZEPHYR_BANNER = '*** Booting Zephyr OS build v1.8.99-67522-gc40fbdfc4fcd ***\n'
/** %p of the device's static backend struct in the README capture */
export const BACKEND_STRUCT_VA = 0x4019ae60
/** time from reset to main() on qemu_cortex_a53 (kernel init, PCIe enumeration) [model] */
export const DEVICE_BOOT_NS = 10_000_000

const enum DevState {
  UNKNOWN,
  READY
}

interface VringSlot {
  /** guest VAs as the device computed them (64-bit; as doubles, exact below 2^53) */
  desc: number
  avail: number
  used: number
  num: number
  /** shm offsets, null when the ring does not lie inside the device's mapping */
  off: { desc: number; avail: number; used: number } | null
}

export interface DeviceSideState extends DeviceView {
  state: 'UNKNOWN' | 'READY'
  vrings: (VringSlot | null)[]
}

export class DeviceSide implements DeviceFirmware {
  private st = DevState.UNKNOWN
  private readonly vrings: (VringSlot | null)[] = [null, null]
  private base = 0
  private size = 0

  constructor(private readonly p: GuestPlatform) {}

  get view(): DeviceSideState {
    return { ready: this.st === DevState.READY, state: this.st === DevState.READY ? 'READY' : 'UNKNOWN', vrings: this.vrings.map((v) => (v ? { ...v } : null)) }
  }

  *main(): Thread {
    const p = this.p
    yield p.k_busy_wait(DEVICE_BOOT_NS)
    p.printk(ZEPHYR_BANNER) // CONFIG_BOOT_BANNER stays on in device_side
    p.setState('booting', 'main()')
    const { base, size } = p.ivshmem_get_mem()
    this.base = base
    this.size = size
    p.memset(0, size, 0) // Q26: the device wipes the whole shm at boot
    // registers, in the source's order (docs/wire-protocol.md#device-boot)
    p.w32(REG.MagicValue, VIRTIO_MMIO_MAGIC)
    p.w32(REG.Version, 1) // Q1: legacy
    p.w32(REG.DeviceID, VIRTIO_ID_CONSOLE)
    p.w32(REG.QueuePFN, 0)
    p.w32(REG.InterruptACK, 0)
    p.w32(REG.SHMBaseHigh, Math.floor(base / 2 ** 32)) // Q10: SHM regs as an "HVL enabled" flag
    p.w32(REG.SHMBaseLow, base >>> 0)
    p.w32(REG.SHMLenHigh, 0)
    p.w32(REG.SHMLenLow, MMIO_WINDOW)
    p.printk(`Dump the configuration for the virtio mmio device ${fmtPtr(BACKEND_STRUCT_VA)}\n`)
    p.printk(`VIRTIO_MMIO Device Base address: ${fmtPtr(base)}\n`)
    p.printk(`VIRTIO_MMIO_MAGIC_VALUE: 0x${p.r32(REG.MagicValue).toString(16)}\n`)
    p.printk(`VIRTIO_MMIO_VERSION: 0x${p.r32(REG.Version).toString(16)}\n`)
    p.printk(`VIRTIO_MMIO_DEVICE_ID: 0x${p.r32(REG.DeviceID).toString(16)}\n`)
    // docs/wire-protocol.md#device-boot: the callback joins the handler list only now; earlier doorbells are lost
    p.ipm_register_callback(() => this.callback())
    p.setState('running', `waiting for the driver; rings peer ${(p.ivshmem_get_id() + 1) & 0xffff}`)
  }

  // ---- fault injection (docs/spec-profile.md §7) ------------------------------------------------
  private staleNext = false
  private stalled = false
  private missed = 0

  /** the lab's fault hook (src/lab/faults.ts): the device kinds */
  fault(kind: string, after: (ns: number, fn: () => void) => void): FaultResult | null {
    if (kind === 'device-stall') {
      this.stalled = true
      after(DEVICE_STALL_MS * 1_000_000, () => {
        const n = this.resume()
        this.p.event('guest', { op: 'fault', kind, applied: true, detail: `stall over: ${n} doorbell(s) missed${n ? ', one callback for all of them (Q27) serves one descriptor (Q18)' : ''}` })
      })
      return { applied: true, detail: `the device's IPM thread stalls for ${DEVICE_STALL_MS} ms: doorbells coalesce into one callback (Q27)` }
    }
    if (kind !== 'stale-used-id') return null
    const vr = this.vrings[CONSOLE_TX]
    if (this.st !== DevState.READY || !vr?.off) return { applied: false, detail: 'not applicable now: the seed device is not serving transmitq yet' }
    this.staleNext = true
    return { applied: true, detail: `armed: the device's next transmitq completion carries id ${staleUsedId(vr.num)}; the driver reads it when it reclaims, 4 bytes later (Q16): InvalidUsedId` }
  }

  /** device-stall over: the raised k_poll_signal (a flag) gives one callback for every doorbell missed (Q27) */
  private resume(): number {
    const missed = this.missed
    this.stalled = false
    this.missed = 0
    if (missed) this.callback()
    return missed
  }

  /** the IPM callback, once per coalesced doorbell (docs/wire-protocol.md#device-callback) */
  private callback(): void {
    const p = this.p
    if (this.stalled) {
      this.missed++
      p.event('guest', { op: 'stalled', missed: this.missed })
      return
    }
    // a. an interrupt acknowledgement: clear and return (Q21: hides a notify merged with it)
    if (p.r32(REG.InterruptACK) & INT.VRING) {
      p.w32(REG.InterruptACK, 0)
      return
    }
    const status = p.r32(REG.Status)
    if (status & STATUS.DRIVER_OK && this.st !== DevState.READY) {
      p.printk('Config Status DRIVER_OK \n') // Q30: trailing space
      this.st = DevState.READY
      p.setState('ready', 'DRIVER_OK seen; serving transmitq')
      return
    }
    if (this.st === DevState.UNKNOWN) this.configureQueue()
    else this.serve()
  }

  /** docs/wire-protocol.md#device-callback: latch one queue's legacy configuration and ack it with 0xAABBAABB (Q3, Q4, Q5) */
  private configureQueue(): void {
    const p = this.p
    const idx = p.r32(REG.DriverFeaturesSel) // Q4: queue index read from 0x024
    const pfn = p.r32(REG.QueuePFN)
    if (pfn === 0 || pfn === HVL_CFG_ACK) return
    p.w32(REG.QueuePFN, HVL_CFG_ACK) // Q3: ack before reading Align/Num
    const align = p.r32(REG.QueueAlign) // Q5: PFN x QueueAlign, not GuestPageSize
    const num = p.r32(REG.QueueNum)
    // virtio-mmio-backend.c virtio_mmio_backend_get_vring: `uintptr_t addr = PFN; addr *= align`
    // with `int align, n`: 64-bit arithmetic, the ints sign-extended (C 6.3.1.8)
    const { desc, avail, used } = vringVAs(pfn, align, num)
    p.printk('Dump of incoming Vring information from other side:\n')
    p.printk(`vring descriptor: ${fmtPtr(desc)}:\n`)
    p.printk(`vring avail: ${fmtPtr(avail)}:\n`)
    p.printk(`vring used: ${fmtPtr(used)}:\n`)
    p.printk(`vring entries: ${num | 0}:\n`) // %d: a QueueNum >= 2^31 prints negative
    if (idx >= this.vrings.length) {
      // Q29: the real device stores into vrings[idx] past its 2-entry table
      p.event('error', { code: 'QUEUE_INDEX_OOR', where: 'configure', message: `queue index ${idx} read from DriverFeaturesSel is outside the 2-slot vring table (Q29); ignored` })
      return
    }
    // docs/wire-protocol.md#addresses rule 3: the whole ring must lie inside the mapping, not just its first byte
    const b = BigInt(this.base)
    const off = { desc: Number(desc - b), avail: Number(avail - b), used: Number(used - b) }
    const sizeOk = num > 0 && num <= 0x8000 // virtio's largest queue
    const ok =
      sizeOk &&
      inBounds(off.desc, 16 * num, this.size) &&
      inBounds(off.avail, 4 + 2 * num, this.size) &&
      inBounds(off.used, 4 + 8 * num, this.size)
    if (!sizeOk)
      p.event('error', {
        code: 'InvalidQueueSize',
        where: 'configure',
        queue: idx,
        message: `queue ${idx}: QueueNum ${num} is not in 1..32768; ring ${fmtPtr(desc)} not usable (the real device would index it unchecked)`
      })
    else if (!ok)
      p.event('error', {
        code: 'RingOutOfBounds',
        where: 'configure',
        queue: idx,
        message: `queue ${idx}: ring ${fmtPtr(desc)} (num ${num}, align ${align}) is not inside the device's shm mapping ${fmtPtr(this.base)}+0x${this.size.toString(16)}; the real device would fault on first use`
      })
    else if (!isPow2(num) || !isPow2(align))
      // legacy virtio wants both powers of two; the seed checks neither, and its align-up of a
      // non-power-of-two gives a used ring that need not follow the avail ring. Latched anyway, as
      // the real device does; only reported.
      p.event('error', {
        code: 'NOT_POW2',
        where: 'configure',
        queue: idx,
        message: `queue ${idx}: ${!isPow2(num) ? `QueueNum ${num}` : `QueueAlign ${align}`} is not a power of two; ring latched as the real device computes it: desc ${fmtPtr(desc)}, avail ${fmtPtr(avail)}, used ${fmtPtr(used)}`
      })
    this.vrings[idx] = { desc: Number(desc), avail: Number(avail), used: Number(used), num, off: ok ? off : null }
    p.event('guest', { op: 'queue-configured', queue: idx, pfn, align, num, desc: Number(desc), avail: Number(avail), used: Number(used), descPtr: fmtPtr(desc) })
  }

  /** docs/wire-protocol.md#device-service: exactly one descriptor per callback, slot = used.idx mod num (Q18, Q19, Q20) */
  private serve(): void {
    const p = this.p
    const q = p.r32(REG.QueueNotify) // Q22: last queue written, no pending bits
    const vr = q < this.vrings.length ? this.vrings[q] : null
    if (!vr || !vr.off) {
      p.event('error', { code: 'NO_RING', where: 'serve', queue: q, message: `QueueNotify = ${q}: no usable ring for that queue; the real device would dereference an unset pointer` })
      return
    }
    const { off, num } = vr
    const usedIdx = p.r16(off.used + 2)
    const slot = usedIdx % num
    const d = p.r16(off.avail + 4 + 2 * slot)
    const dOff = off.desc + 16 * d
    if (d >= num) {
      p.event('error', { code: 'InvalidDescriptorIndex', where: 'serve', queue: q, message: `avail.ring[${slot}] = ${d} is not below QueueNum ${num} (no bounds check in the seed, Q18)` })
      // the real device reads desc[d] past its table all the same; the lab follows it while it
      // stays inside shm (in the seed layout: the ring's zeroed padding, so "Invalid descriptor!")
      if (!inBounds(dOff, 16, this.size)) return
    }
    const lo = p.r32(dOff)
    const hi = p.r32(dOff + 4)
    let len: number
    if (q === CONSOLE_TX && (lo || hi)) {
      // the device dereferences the driver's 64-bit VA as its own (Q11)
      const va = (BigInt(hi) << 32n) | BigInt(lo)
      const rel = va - BigInt(this.base)
      const bOff = rel >= 0n && rel < BigInt(this.size) ? Number(rel) : -1
      if (!inBounds(bOff, 1, this.size)) {
        p.event('error', { code: 'AddressOutOfRange', where: 'serve', queue: q, message: `desc[${d}].addr ${hex64(lo, hi)} is outside the device's shm mapping; byte not read` })
        return
      }
      p.uart_poll_out(p.r8(bOff)) // Q19: first byte only, desc.len ignored
      len = 1
    } else if (q === CONSOLE_RX && (lo || hi)) {
      // Q23: the received byte lands in the low byte of desc.addr, not in the buffer
      const c = p.uart_poll_in()
      if (c >= 0) p.w8(dOff, c)
      len = c >= 0 ? 1 : 0
    } else {
      p.printk('Invalid descriptor! \n')
      return
    }
    const elem = off.used + 4 + 8 * slot
    p.w32(elem + 4, len)
    let id = p.r16(off.avail + 4 + 2 * slot) // re-read, as the source does
    if (this.staleNext && q === CONSOLE_TX) {
      this.staleNext = false
      id = staleUsedId(num)
      p.event('guest', { op: 'fault', kind: 'stale-used-id', applied: true, detail: `used.ring[${slot}].id = ${id} instead of ${d}` })
    }
    p.w32(elem, id)
    p.w16(off.used + 2, (usedIdx + 1) & 0xffff) // Q35: no barrier
    p.event('desc-used', { queue: q, id, len, usedIdx: (usedIdx + 1) & 0xffff })
    p.w32(REG.InterruptStatus, INT.VRING)
    p.ipm_send((p.ivshmem_get_id() + 1) & 0xffff) // Q24: partner = own + 1
  }
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v)

/** desc/avail/used as the device computes them from QueuePFN (u32), QueueAlign and QueueNum (read
 *  into ints): every step in 64-bit unsigned arithmetic, negative ints sign-extended. Q5, Q6. */
export function vringVAs(pfn: number, align: number, num: number): { desc: bigint; avail: bigint; used: bigint } {
  const a = BigInt(align | 0)
  const n = BigInt(num | 0)
  const desc = u64(BigInt(pfn >>> 0) * a)
  const avail = u64(desc + n * 16n)
  const used = u64(desc + u64((n * 16n + (n + 1n) * 2n + a - 1n) & ~(a - 1n)))
  return { desc, avail, used }
}

