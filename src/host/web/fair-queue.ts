// Fair CPU sharing between RPC clients: one call runs at a time, the next one comes from the
// client that has used the least CPU so far (start-time fair queuing, as in CFS: a client's
// "virtual time" grows by the wall time its calls took). Between calls the queue yields to the
// event loop (setImmediate), so the service's tick, pushes and other sockets' I/O get their
// turn. One client's 64 × snapshotAt(oldest) therefore delays another client's getSnapshot by at
// most one such call, not by 64.
//
// Urgent calls (the user's own Pause/Step/Resume and time-travel picks, #10 item 6) run before the
// same client's queued ordinary calls (its trace pages, shm reads), and win a tie between clients.
// They still count toward the client's CPU share: a client that floods urgent calls gets no more
// CPU than its fair share, and a client that is not reading gets none.

export interface QueueClient {
  /** false while the client is not reading its replies (its jobs wait; it gets no CPU) */
  ready(): boolean
}

type Job = () => Promise<void>

interface Lane {
  client: QueueClient
  jobs: Job[]
  /** urgent jobs, run before `jobs` */
  urgent: Job[]
  /** CPU used, ms, offset so a newly busy client starts level with the others */
  vtime: number
}

export class FairQueue {
  private readonly lanes = new Map<QueueClient, Lane>()
  private running = false
  private wake: ReturnType<typeof setImmediate> | null = null
  private retry: ReturnType<typeof setTimeout> | null = null
  private closed = false
  /** calls run, and the longest one (ms): the bound on how long a call can delay another client */
  done = 0
  maxJobMs = 0

  constructor(private readonly retryMs = 25) {}

  /** queued (not yet started) calls of one client */
  queued(c: QueueClient): number {
    const l = this.lanes.get(c)
    return l ? l.jobs.length + l.urgent.length : 0
  }

  add(c: QueueClient, job: Job, urgent = false): void {
    if (this.closed) return
    let lane = this.lanes.get(c)
    if (!lane) {
      lane = { client: c, jobs: [], urgent: [], vtime: this.minVtime() }
      this.lanes.set(c, lane)
    }
    if (urgent) lane.urgent.push(job)
    else lane.jobs.push(job)
    this.kick()
  }

  /** forget a client (its socket closed): queued calls are dropped */
  remove(c: QueueClient): void {
    this.lanes.delete(c)
  }

  close(): void {
    this.closed = true
    this.lanes.clear()
    if (this.wake) clearImmediate(this.wake)
    if (this.retry) clearTimeout(this.retry)
    this.wake = this.retry = null
  }

  private minVtime(): number {
    let m = Infinity
    for (const l of this.lanes.values()) if (l.jobs.length || l.urgent.length) m = Math.min(m, l.vtime)
    return m === Infinity ? 0 : m
  }

  private kick(): void {
    if (this.running || this.wake || this.closed) return
    this.wake = setImmediate(() => {
      this.wake = null
      void this.runOne()
    })
  }

  private pick(): Lane | null {
    let best: Lane | null = null
    let blocked = false
    for (const l of this.lanes.values()) {
      if (!l.jobs.length && !l.urgent.length) continue
      if (!l.client.ready()) {
        blocked = true
        continue
      }
      if (!best || l.vtime < best.vtime || (l.vtime === best.vtime && l.urgent.length && !best.urgent.length)) best = l
    }
    if (!best && blocked && !this.retry && !this.closed) {
      // only clients that are not reading have work: look again once their buffers drained
      this.retry = setTimeout(() => {
        this.retry = null
        this.kick()
      }, this.retryMs)
      this.retry.unref?.()
    }
    return best
  }

  private async runOne(): Promise<void> {
    const lane = this.pick()
    if (!lane) return
    const job = lane.urgent.length ? lane.urgent.shift()! : lane.jobs.shift()!
    this.running = true
    const t0 = performance.now()
    try {
      await job()
    } catch {
      /* a job reports its own errors; the queue must keep going */
    } finally {
      const ms = performance.now() - t0
      lane.vtime += ms
      this.maxJobMs = Math.max(this.maxJobMs, ms)
      this.done++
      this.running = false
      if (!lane.jobs.length && !lane.urgent.length && this.lanes.get(lane.client) === lane) {
        // idle lanes keep their vtime only while others are busy; a fresh start is level
        this.lanes.delete(lane.client)
      }
      this.kick()
    }
  }
}
