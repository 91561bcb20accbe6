// The far side of the doorbell round-trip bench (bench/ivshmem.ts): attaches to the server and
// rings back vector 0 of the peer that rang, on every interrupt, through the event loop.
import { IvshmemClient } from '../src/ivshmem/real/client'

void (async () => {
  const c = await IvshmemClient.connect(process.argv[2]!)
  const back = Number(process.argv[3])
  c.on('interrupt', () => c.ring(back, 0))
  c.on('server-gone', () => process.exit(0))
  process.send!({ id: c.id })
})()
