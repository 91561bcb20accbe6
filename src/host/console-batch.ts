// Console bytes the service has not published yet, per side, with the virtual time each line
// began (LabService batches them into 'console' events ~60 times a second; never dropped).

/** console bytes not yet published, with the virtual time each line began (and of the first byte) */
export interface PendingConsole {
  data: string[]
  seq: number
  len: number
  times: [number, number][]
  lineStart: boolean
}
export function newPending(seq = 0): PendingConsole {
  return { data: [], seq, len: 0, times: [], lineStart: true }
}
export function pendConsole(p: PendingConsole, data: string, t: number): void {
  // one mark per line start (not per byte: the seed writes one byte per call, Q-paced)
  for (let k = 0; k < data.length; k++) {
    if (p.lineStart || p.times.length === 0) {
      if (p.times.length === 0 || p.times[p.times.length - 1][0] !== p.len + k) p.times.push([p.len + k, t])
      p.lineStart = false
    }
    if (data.charCodeAt(k) === 10) p.lineStart = true
  }
  p.data.push(data)
  p.len += data.length
}
