// Side by side (docs/spec-profile.md#compare-ui): one compare() at a time, its progress (the
// service's 'compare' events), its result, and the row the user selected. Selecting a step of the
// profile the lab runs travels to that event when the lab's own trace has the same event there.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CompareEventRef, Comparison } from '../../../shared/contract'
import { useLabStore } from './lab'

export type ComparePhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled'

/** a selected row: a register, a fact or a step, by key, with the text the detail shows */
export interface CompareSelection {
  key: string
  detail: string
}

export const useCompareStore = defineStore('compare', () => {
  const lab = useLabStore()
  const phase = ref<ComparePhase>('idle')
  const fraction = ref(0)
  const running = ref<'seed' | 'spec' | null>(null)
  const result = shallowRef<Comparison | null>(null)
  const message = ref('')
  const selected = ref<CompareSelection | null>(null)
  let unsub: (() => void) | null = null

  /** why compare cannot run now (real fabrics), or '' */
  const refusal = computed(() => {
    const f = lab.snapshot?.config.fabric
    return f && f !== 'emulated' ? `compare runs on the emulated fabric only (this lab is on the ${f} fabric: real peers and the wall clock cannot be run twice)` : ''
  })

  async function run(): Promise<void> {
    if (phase.value === 'running' || refusal.value) return
    phase.value = 'running'
    fraction.value = 0
    running.value = 'seed'
    message.value = ''
    selected.value = null
    unsub ??= lab.onCompare((e) => {
      fraction.value = e.fraction
      running.value = e.profile
    })
    try {
      const r = await lab.compare()
      if (r.ok) {
        const { ok: _ok, ...c } = r
        result.value = c
        phase.value = 'done'
        fraction.value = 1
        message.value = `${c.registers.length} registers, ${c.events.length} facts and ${c.steps.length} first steps differ over ${(c.until / 1e9).toFixed(1)} s`
      } else {
        phase.value = r.code === 'COMPARE_CANCELLED' ? 'cancelled' : 'failed'
        message.value = r.message
      }
    } catch (e) {
      phase.value = 'failed'
      message.value = `compare: ${e instanceof Error ? e.message : String(e)}`
    } finally {
      running.value = null
    }
  }

  async function cancel(): Promise<void> {
    try {
      await lab.cancelCompare()
    } catch (e) {
      message.value = `cancel: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  /** travel to `ref` of `profile`'s run when it is also the lab's own event #i (same profile,
   *  same time and kind at that index); false when it is not */
  async function travel(ref: CompareEventRef, profile: 'seed' | 'spec'): Promise<boolean> {
    if (lab.snapshot?.config.profile !== profile) return false
    try {
      const [e] = await lab.getTrace(ref.i, 1)
      if (!e || e.i !== ref.i || e.t !== ref.t || e.k !== ref.k) return false
      await lab.viewEvent(ref.i)
      return true
    } catch {
      return false
    }
  }

  function select(s: CompareSelection | null): void {
    selected.value = s
  }

  return { phase, fraction, running, result, message, selected, refusal, run, cancel, travel, select }
})
