// The latest snapshot (pushed ones applied at most every SNAPSHOT_MIN_MS, newest wins) and time
// travel (a historical snapshot from snapshotAt shown instead of the live one).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabSnapshot, ScenarioConfig } from '../../../shared/contract'

/** pushed snapshots are applied at most this often (ms) */
export const SNAPSHOT_MIN_MS = 50

export const useSnapshotStore = defineStore('snapshot', () => {
  const snapshot = shallowRef<LabSnapshot | null>(null)
  /** historical snapshot while time travelling */
  const viewSnap = shallowRef<LabSnapshot | null>(null)
  const viewingEvent = ref<number | null>(null)
  const viewLoading = ref(false)
  /** a reset happened and no snapshot of the new run arrived yet: its counters are the old run's */
  const stale = ref(false)

  /** what the inspectors show: the historical snapshot while time travelling, else live */
  const displayed = computed(() => viewSnap.value ?? snapshot.value)
  const config = computed<ScenarioConfig | null>(() => snapshot.value?.config ?? null)

  // Re-laying out every panel 60 times a second cost the window its frame rate at max speed, and
  // 20 Hz already reads as live. Replies to the user's own calls apply at once (apply()).
  let lastApplied = -Infinity
  let held: LabSnapshot | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let latestT = 0
  let latestSeq = -1

  function seen(s: LabSnapshot): void {
    // the acceptance rule of apply: newer seq, or a restarted service (lower seq, earlier t)
    if (latestSeq >= 0 && s.seq < latestSeq && s.t >= latestT) return
    latestSeq = s.seq
    latestT = s.t
  }

  function pushed(s: LabSnapshot): void {
    // the service pushes the snapshot a control call answered with: already shown, skip the re-layout
    const cur = snapshot.value
    if (cur && cur.seq === s.seq && cur.t === s.t) return
    seen(s)
    const now = performance.now()
    if (!timer && now - lastApplied >= SNAPSHOT_MIN_MS) {
      apply(s)
      return
    }
    held = s
    timer ??= setTimeout(
      () => {
        timer = null
        const h = held
        held = null
        if (h) apply(h)
      },
      Math.max(0, SNAPSHOT_MIN_MS - (now - lastApplied))
    )
  }

  function apply(s: LabSnapshot): void {
    lastApplied = performance.now()
    seen(s)
    if (held && held.seq <= s.seq) held = null // stale: never apply it after this one
    const cur = snapshot.value
    if (cur && s.seq < cur.seq && s.t >= cur.t) return
    snapshot.value = s
    stale.value = false
  }

  /** virtual time (ns) of the newest snapshot seen, unthrottled */
  function newestT(): number {
    return latestT
  }

  /** a new run: forget the old run's ordering and leave time travel */
  function reset(): void {
    latestT = 0
    latestSeq = -1
    stale.value = true
    // a held snapshot is the old run's: never apply it after the reset
    held = null
    backToLive()
  }

  function dispose(): void {
    if (timer) clearTimeout(timer)
    timer = null
    held = null
  }

  /** show the snapshot right after event i; a newer pick wins over a slower older answer */
  async function viewEvent(i: number, fetch: (i: number) => Promise<LabSnapshot>): Promise<void> {
    viewingEvent.value = i
    viewLoading.value = true
    try {
      const s = await fetch(i)
      if (viewingEvent.value === i) viewSnap.value = s
    } finally {
      if (viewingEvent.value === i) viewLoading.value = false
    }
  }

  function backToLive(): void {
    viewingEvent.value = null
    viewSnap.value = null
    viewLoading.value = false
  }

  return { snapshot, stale, viewSnap, viewingEvent, viewLoading, displayed, config, pushed, apply, newestT, reset, dispose, viewEvent, backToLive }
})
