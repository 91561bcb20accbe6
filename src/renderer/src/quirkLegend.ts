// The Q1–Q35 legend, read from the project's own quirk table (docs/quirks.md, bundled at build
// time): for each quirk what the seed does, what virtio 1.2 asks instead, and where the lab shows it.
import quirksMd from '../../../docs/quirks.md?raw'

export interface QuirkEntry {
  q: string
  seed: string
  spec: string
  where: string
}

/** markdown cell -> plain text: links keep their text, code marks and escapes go */
function plain(cell: string): string {
  return cell
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\\|/g, '|')
    .trim()
}

export function parseQuirkTable(md: string): QuirkEntry[] {
  const out: QuirkEntry[] = []
  for (const line of md.split('\n')) {
    const m = /^\|\s*<a id="q(\d+)"><\/a>Q\d+\s*\|(.*)\|\s*$/.exec(line)
    if (!m) continue
    const cells = m[2].split(/(?<!\\)\|/)
    if (cells.length < 3) continue
    out.push({ q: 'Q' + m[1], seed: plain(cells[0]), spec: plain(cells[1]), where: plain(cells.slice(2).join('|')) })
  }
  return out
}

export const QUIRKS: readonly QuirkEntry[] = parseQuirkTable(quirksMd)
