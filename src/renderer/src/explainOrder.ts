// Order the lab's explanation for reading (issue #10, labels): on a failure the verdict, the
// root cause and the fix come first and are marked; the peer roster (who is which ivshmem peer,
// who rang whom) follows as background. Pure: the lab's lines are only re-ordered and tagged.

export type ExplainRole = 'verdict' | 'cause' | 'roster'

export interface ExplainLine {
  text: string
  role: ExplainRole
  /** the part of the line that says what to do (a sentence in the imperative), if any */
  fix: string | null
}

/** facts about peers that hold on healthy and failed runs alike */
const ROSTER = /is ivshmem peer \d+ and rings peer|^\s*as peer \d+ it rang/
/** the run's outcome line */
const VERDICT = /^No Hello line reached/
/** a sentence telling the user what to do */
const FIX = /(?:^|[.!:;]\s+)((?:Start|Use|Run|Set|Apply|Pick|Choose|Give|Restart|Reset)\b[^.]*\.?)/

export function orderExplanation(lines: readonly string[], failed: boolean): ExplainLine[] {
  const tagged = lines.map((text): ExplainLine => {
    const role: ExplainRole = VERDICT.test(text.trim()) ? 'verdict' : ROSTER.test(text) ? 'roster' : 'cause'
    const m = role === 'cause' ? FIX.exec(text) : null
    return { text, role, fix: m ? m[1].trim() : null }
  })
  if (!failed) return tagged
  const rank: Record<ExplainRole, number> = { verdict: 0, cause: 1, roster: 2 }
  // a stable sort: within a role the lab's own order stays
  return tagged.map((l, k) => ({ l, k })).sort((a, b) => rank[a.l.role] - rank[b.l.role] || a.k - b.k).map((x) => x.l)
}
