// Vocabulary shared by every layer: which guest, its lifecycle, and the trace's event shape.
// Defined here at the bottom; src/shared/contract re-exports them for the renderer.

export type Side = 'device' | 'driver'

export type GuestState =
  | 'off' // not started
  | 'booting'
  | 'running' // device: waiting for doorbells; driver: in main()
  | 'negotiating'
  | 'ready' // device saw DRIVER_OK / driver set DRIVER_OK
  | 'failed' // driver init failed (Bad magic, HVL configuration failed, ...)
  | 'stopped'

export type TraceKind =
  | 'store' // shm store by a guest
  | 'memset'
  | 'doorbell' // write to BAR0 Doorbell
  | 'signal' // eventfd signalled at the receiver (merged = counter was already non-zero)
  | 'irq' // interrupt delivered to the guest (count = merged doorbells)
  | 'callback' // IPM callback ran / was ignored
  | 'desc-add'
  | 'desc-used'
  | 'reclaim'
  | 'console'
  | 'guest' // lifecycle and diagnostics
  | 'peer' // ivshmem peer joined / left
  | 'error' // validation error: hostile or inconsistent shared memory (carries `code`)

export interface TraceEvent {
  /** index in the trace, from 0 */
  i: number
  /** clock time, ns */
  t: number
  k: TraceKind
  side?: Side
  [key: string]: unknown
}
