// Save a Blob as a file from the renderer: an object URL and a temporary <a download> click.
// Works in the browser host and in Electron (whose session turns it into a save). No Node APIs.

/** starts the download of `blob` under `name`; returns the object URL (revoked shortly after) */
export function downloadBlob(name: string, blob: Blob): string {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // revoke later: some browsers read the URL asynchronously after click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return url
}

/** latin1 string -> bytes (one byte per code unit, exactly as received) */
export function latin1Bytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff
  return bytes
}

/** wall-clock stamp usable in a file name: 2025-01-31T09-58-02-123Z */
export function fileStamp(d: Date = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-')
}
