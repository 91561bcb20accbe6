import type { LabApi } from '../shared/contract'

declare global {
  interface Window {
    /** Present in the Electron app (preload); absent in browser mode (WebSocket host). */
    labApi?: LabApi
  }
}

export {}
