// One error type for real ivshmem (client, server, shm), with a stable `code` the tests assert
// and the UI shows next to one human line.

export type IvshmemErrorCode =
  | 'NATIVE_UNAVAILABLE'
  | 'SOCK_MISSING' // ENOENT: no socket at that path
  | 'SOCK_ACCESS' // EACCES / EPERM
  | 'SOCK_REFUSED' // ECONNREFUSED: a socket file nobody listens on (a server that died)
  | 'SOCK_ERROR'
  | 'NOT_IVSHMEM' // garbage, silence or a hang-up where an ivshmem-server sends its version
  | 'PROTO_VERSION' // a version other than 0 (docs/ivshmem.md#wire-format)
  | 'SHM_SIZE_MISMATCH' // the server's shm is not the size the lab expects
  | 'SHM_SIZE' // not a power of two, or above 1 GiB (QEMU's BAR2 must be one)
  | 'MSG_RANGE' // a value < -1 or > 65535 (QEMU's process_msg rejects it)
  | 'MSG_FD' // an fd on a message that takes none, or none where one is needed
  | 'MSG_TRUNCATED' // the connection ended inside an 8-byte message
  | 'MSG_CTRUNC' // the kernel truncated the control data: an fd was lost
  | 'MSG_PEER' // a disconnect for our own id
  | 'SERVER_GONE' // the server closed the connection
  | 'SETUP_TIMEOUT'
  | 'SRV_SIZE'
  | 'SRV_VECTORS'
  | 'SRV_IN_USE' // another server listens on the socket path
  | 'SRV_NOT_SOCKET' // a file that is not a socket sits at the path (never removed)
  | 'SRV_SHM_DIR' // -m: no file can be created (or sized) in that directory
  | 'SRV_SHM_BOTH' // -m and -M given together: they are alternatives
  | 'SRV_PID_FILE' // -p: the pid file cannot be written
  | 'SRV_IDS' // all 65536 ids in use
  | 'SRV_ERROR'
  | 'CLOSED'

export class IvshmemError extends Error {
  constructor(
    readonly code: IvshmemErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'IvshmemError'
  }
}

/** errno name of an addon error ('ENOENT' ...) */
export function errnoOf(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : ''
}

export const msgOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))
