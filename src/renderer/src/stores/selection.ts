// Cross-highlight selection shared by the register inspector, vring inspector and hex view.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'

/** bytes / ranges highlighted across the register inspector, vring inspector and hex view */
export interface Selection {
  /** 'reg:0x040' | 'desc:<q>:<i>' | 'avail:<q>' | 'used:<q>' | 'region:<off>' | 'byte:<off>' */
  key: string
  label: string
  /** primary range: the hex view navigates to it */
  off: number
  len: number
  /** further ranges to highlight (e.g. a descriptor's buffer) */
  extra: { off: number; len: number }[]
}

export const useSelectionStore = defineStore('selection', () => {
  const selection = shallowRef<Selection | null>(null)
  function select(s: Selection | null): void {
    selection.value = s
  }
  return { selection, select }
})
