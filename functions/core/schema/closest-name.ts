/**
 * The known name closest to a mistyped one (`delimter` → `delimiter`), for a "did you mean"
 * hint: the one at the smallest edit distance (Damerau–Levenshtein, a swap of two neighbours
 * counting once), if that distance is at most a third of the name's length (at least 1).
 * Case is ignored. Undefined when nothing is that close.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const typed = name.toLowerCase()
  const limit = Math.max(1, Math.floor(typed.length / 3))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of known) {
    const d = editDistance(typed, candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

/** The optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1)
      rows[i][j] = d
    }
  }
  return rows[a.length][b.length]
}

/** `unknown key`, with `; did you mean "…"?` when a known key is close. */
export function unknownKey(name: string, known: Iterable<string>): string {
  const hint = closestName(name, known)
  return hint ? `unknown key (did you mean "${hint}"?)` : 'unknown key'
}
