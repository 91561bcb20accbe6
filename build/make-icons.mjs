#!/usr/bin/env node
// Generates the app icon (build/icon.png, 512x512) and the Linux icon set (build/icons/NxN.png)
// with node:zlib only: two boxes (device, driver) linked by a bar (the shared memory/doorbells).
// Run: node build/make-icons.mjs   (output is deterministic; commit the PNGs)
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512]

// ---- PNG -------------------------------------------------------------------------------------
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
/** rgba: Uint8Array of w*h*4 */
export function encodePng(w, h, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc(h * (w * 4 + 1))
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * w * 4, w * 4).copy(raw, y * (w * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// ---- drawing (unit square, painter's order, 4x4 supersampling) -------------------------------
const hex = (s) => [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)]
function roundRect(x0, y0, x1, y1, r) {
  return (x, y) => {
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r))
    const dy = Math.max(y0 + r - y, 0, y - (y1 - r))
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r
  }
}
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r

const SHAPES = [
  // background tile
  [roundRect(0.02, 0.02, 0.98, 0.98, 0.2), hex('#0f172a')],
  // the link (shared memory + doorbells) between the two boxes
  [roundRect(0.3, 0.46, 0.7, 0.54, 0.03), hex('#cbd5e1')],
  // device box (teal) and driver box (amber)
  [roundRect(0.08, 0.27, 0.38, 0.73, 0.07), hex('#14b8a6')],
  [roundRect(0.62, 0.27, 0.92, 0.73, 0.07), hex('#f59e0b')],
  // their "screens"
  [roundRect(0.13, 0.33, 0.33, 0.56, 0.03), hex('#0b3b37')],
  [roundRect(0.67, 0.33, 0.87, 0.56, 0.03), hex('#4a2c04')],
  // console lines
  [roundRect(0.155, 0.37, 0.29, 0.4, 0.012), hex('#5eead4')],
  [roundRect(0.155, 0.43, 0.245, 0.46, 0.012), hex('#5eead4')],
  [roundRect(0.695, 0.37, 0.83, 0.4, 0.012), hex('#fcd34d')],
  [roundRect(0.695, 0.43, 0.785, 0.46, 0.012), hex('#fcd34d')],
  // the doorbell on the link
  [circle(0.5, 0.5, 0.065), hex('#e2e8f0')],
  [circle(0.5, 0.5, 0.032), hex('#0f172a')]
]

export function render(size) {
  const out = new Uint8Array(size * size * 4)
  const S = 4
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size
          const y = (py + (sy + 0.5) / S) / size
          let col = null
          for (const [inside, c] of SHAPES) if (inside(x, y)) col = c
          if (col) {
            r += col[0]
            g += col[1]
            b += col[2]
            a += 1
          }
        }
      }
      const i = (py * size + px) * 4
      if (a) {
        out[i] = Math.round(r / a)
        out[i + 1] = Math.round(g / a)
        out[i + 2] = Math.round(b / a)
        out[i + 3] = Math.round((a / (S * S)) * 255)
      }
    }
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(join(here, 'icons'), { recursive: true })
  for (const s of SIZES) {
    const png = encodePng(s, s, render(s))
    writeFileSync(join(here, 'icons', `${s}x${s}.png`), png)
    if (s === 512) writeFileSync(join(here, 'icon.png'), png)
  }
  console.log(`wrote build/icon.png and build/icons/{${SIZES.map((s) => `${s}x${s}`).join(',')}}.png`)
}
