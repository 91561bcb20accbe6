import type { LabApi, LabFiles } from '../shared/contract'

declare global {
  interface Window {
    /** Present in the Electron app (preload); absent in browser mode (WebSocket host). */
    labApi?: LabApi
    /** the app's file export (Electron only) */
    labFiles?: LabFiles
  }
}

export {}
