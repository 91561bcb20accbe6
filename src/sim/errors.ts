// The bottom layer's error type: a stable `code` plus a message (docs/architecture.md: one error
// type per layer). A RangeError, so callers that only care about "bad argument" still can.

export type SimErrorCode =
  /** a shm access outside [0, size) */
  | 'SHM_BOUNDS'
  /** shm size not a power of two up to 1 GiB, or a buffer of another size */
  | 'SHM_SIZE'
  /** an event scheduled before the clock's now */
  | 'SCHED_PAST'
  /** an event scheduled on a closed WallClock */
  | 'CLOCK_CLOSED'

export class SimError extends RangeError {
  override name = 'SimError'
  constructor(
    readonly code: SimErrorCode,
    message: string
  ) {
    super(message)
  }
}
