/**
 * Which parts of a partition a compaction rewrites: runs of consecutive small parts (in key
 * order, which keeps each file's rows together and in order) with the same schema, cut into
 * groups of about the target size. A part that is not small is left as it is, unless some of
 * its rows must go (an excision). Pure: sizes and schemas in, groups out.
 */

export interface CompactionSettings {
  /** Size a merged part aims at (bytes). */
  targetBytes: number
  /** A part below this fraction of the target is small. */
  smallFraction: number
  /** A closed partition (of a day before the run's) is compacted once its folder holds at least this many parts. */
  partThreshold: number
  /**
   * The partition a batch wrote into, still open (today's), is compacted only once its folder
   * holds this many parts: every compaction copies the whole partition to a new folder, so a
   * partition that keeps receiving drops is compacted rarely, and once more after it closes.
   */
  openThreshold: number
}

export const DEFAULT_COMPACTION: CompactionSettings = { targetBytes: 128 * 1024 * 1024, smallFraction: 0.25, partThreshold: 32, openThreshold: 1000 }

export interface PartCandidate {
  key: string
  size: number
  /** Identifies the schema: only parts with equal schemas merge. */
  schema: string
  /** Some rows of the part must be dropped: it is rewritten whatever its size. */
  excise: boolean
}

/** Groups of part keys, each to become one merged part; parts in no group are kept as they are. */
export function mergeGroups(parts: PartCandidate[], settings: CompactionSettings): string[][] {
  const small = settings.targetBytes * settings.smallFraction
  const groups: string[][] = []
  let run: PartCandidate[] = []
  const close = () => {
    let group: PartCandidate[] = []
    let bytes = 0
    for (const p of run) {
      if (group.length > 0 && bytes + p.size > settings.targetBytes) {
        groups.push(group.map((g) => g.key))
        group = []
        bytes = 0
      }
      group.push(p)
      bytes += p.size
    }
    if (group.length > 0) groups.push(group.map((g) => g.key))
    run = []
  }
  for (const p of [...parts].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const rewrite = p.size < small || p.excise
    if (!rewrite || (run.length > 0 && run[0]!.schema !== p.schema)) close()
    if (rewrite) run.push(p)
  }
  close()
  // A lone part is only worth rewriting when rows must leave it.
  const byKey = new Map(parts.map((p) => [p.key, p]))
  return groups.filter((g) => g.length > 1 || byKey.get(g[0]!)!.excise)
}
