/**
 * What a Load hands to the Compact step of its execution: per dataset, the partition homes its
 * commits marked for excision (compacted parts holding rows of a replaced or retracted file:
 * they must be rewritten), and the homes it published into (compacted once they hold many parts).
 * One object per execution, under its staging prefix; a Compact that failed leaves it for the
 * next one to take up.
 */
export interface CompactionTodo {
  excise: Record<string, string[]>
  written: Record<string, string[]>
  /**
   * The datasets whose tables are Iceberg tables, as Load saw them, so that Compact need not ask
   * the catalog (absent in a hand-off written before it was recorded: Compact asks).
   */
  iceberg?: string[]
}

export const compactionTodoKey = (runId: string) => `_staging/${runId}/compaction.json`

export const emptyTodo = (): CompactionTodo => ({ excise: {}, written: {} })

const union = (a: Record<string, string[]>, b: Record<string, string[]>): Record<string, string[]> => {
  const out: Record<string, string[]> = {}
  for (const source of [a, b]) for (const [dataset, homes] of Object.entries(source)) out[dataset] = [...new Set([...(out[dataset] ?? []), ...homes])].sort()
  return out
}

/** Both todos' homes, each once. */
export function mergeTodos(a: CompactionTodo, b: CompactionTodo): CompactionTodo {
  const iceberg = a.iceberg && b.iceberg ? [...new Set([...a.iceberg, ...b.iceberg])].sort() : undefined
  return { excise: union(a.excise, b.excise), written: union(a.written, b.written), ...(iceberg ? { iceberg } : {}) }
}

export const isEmptyTodo = (todo: CompactionTodo) => Object.keys(todo.excise).length === 0 && Object.keys(todo.written).length === 0

/** The ingest dates whose partitions a run on `ingestDate` treats as closed and compacts: the days before. */
export function closedDays(ingestDate: string, days: number): string[] {
  const at = Date.parse(`${ingestDate}T00:00:00Z`)
  if (Number.isNaN(at)) return []
  return Array.from({ length: days }, (_, i) => new Date(at - (i + 1) * 86_400_000).toISOString().slice(0, 10))
}
