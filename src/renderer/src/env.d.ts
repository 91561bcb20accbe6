/// <reference types="vite/client" />
import type { LabApi, Side } from '../../shared/contract'

/** Test hook for browser e2e specs (see src/renderer/src/main.ts). */
export interface LabTestHook {
  /** the full console log of one side (latin1, exactly the bytes received) */
  consoleText(side: Side): string
  /** bytes received from the service / bytes whose display xterm has committed */
  consoleCounts(side: Side): { received: number; written: number }
  /** the latest live snapshot (plain JSON) or null */
  snapshot(): unknown
}

declare global {
  interface Window {
    /** exposed by the Electron preload (contextBridge); absent in browser mode */
    labApi?: LabApi
    __lab?: LabTestHook
  }
}
