// src/lab's error type: a stable `code` plus a message (one error type per layer, like
// VirtioError, SimError, FabricError below it).

export type LabErrorCode =
  /** time travel to an event the trace no longer keeps (or never had) */
  | 'TIME_TRAVEL_RANGE'
  /** stepping virtual time on a session whose fabric runs on the wall clock */
  | 'CLOCK_NOT_VIRTUAL'
  /** a leftover shm image of another size than the scenario's */
  | 'LEFTOVER_SIZE'

export class LabError extends Error {
  override name = 'LabError'
  constructor(
    readonly code: LabErrorCode,
    message: string
  ) {
    super(message)
  }
}
