// Order the lab's explanation for reading (issue #10, labels): on a failure the verdict, the
// root causes and the fix come first and are marked; the peer roster (who is which ivshmem peer,
// who rang whom) and background follow. The roles come from the profile (snapshot.explainLines);
// for a service that sends texts only, they are guessed from the text (fallback). Pure: the lab's
// lines are only re-ordered and tagged.
import type { ExplainLineView, ExplainRole } from '../../shared/contract'

export type { ExplainRole }

export interface ExplainLine {
  text: string
  role: ExplainRole
  /** the part of the line that says what to do (a whole 'fix' line, or a sentence of a cause) */
  fix: string | null
}

const ROLES: readonly ExplainRole[] = ['verdict', 'cause', 'fix', 'roster', 'info']
const RANK: Record<ExplainRole, number> = { verdict: 0, cause: 1, fix: 2, roster: 3, info: 4 }

// fallback only (texts without roles, from older services)
/** facts about peers that hold on healthy and failed runs alike */
const ROSTER = /is ivshmem peer \d+ and rings peer|^\s*as peer \d+ it rang/
/** the run's outcome line */
const VERDICT = /^No Hello line reached/
/** a sentence telling the user what to do */
const FIX = /(?:^|[.!:;]\s+)((?:Start|Use|Run|Set|Apply|Pick|Choose|Give|Restart|Reset|Map)\b[^.]*\.?)/

function guess(text: string): ExplainLine {
  const role: ExplainRole = VERDICT.test(text.trim()) ? 'verdict' : ROSTER.test(text) ? 'roster' : 'cause'
  const m = role === 'cause' ? FIX.exec(text) : null
  return { text, role, fix: m ? m[1].trim() : null }
}

function fromView(l: ExplainLineView): ExplainLine {
  const text = typeof l.text === 'string' ? l.text : String(l.text)
  if (!ROLES.includes(l.role)) return guess(text) // an unknown role from a newer service
  return { text, role: l.role, fix: l.role === 'fix' ? text : null }
}

export function orderExplanation(lines: readonly (string | ExplainLineView)[], failed: boolean): ExplainLine[] {
  const tagged = lines.map((l) => (typeof l === 'string' ? guess(l) : fromView(l)))
  if (!failed) return tagged
  // a stable sort: within a role the lab's own order stays
  return tagged.map((l, k) => ({ l, k })).sort((a, b) => RANK[a.l.role] - RANK[b.l.role] || a.k - b.k).map((x) => x.l)
}
