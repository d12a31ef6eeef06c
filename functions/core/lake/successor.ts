import { carriedFailuresKey } from './lake-layout'
import type { ObjectStore } from './object-store'

/** The name of a successor: its chain's first run, then `-c<n>`. */
const CHAINED = /^(.*)-c(\d+)$/

/** Step Functions execution names: at most 80 of `[A-Za-z0-9_-]`. */
const MAX_NAME = 80

/**
 * The name of the execution a run hands its backlog to: `<first run>-c<n>`, counting the chain.
 * Deterministic, so a retried hand-off starts the same execution (Step Functions refuses a
 * second one of that name) and never two.
 */
export function successorName(runId: string): string {
  const chained = CHAINED.exec(runId)
  const base = chained ? chained[1] : runId
  const suffix = `-c${chained ? Number(chained[2]) + 1 : 2}`
  return `${base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME - suffix.length)}${suffix}`
}

/**
 * `<key>\n<etag>` of the file versions that failed in the executions before `runId` in its
 * chain, as HandOff wrote them for it (none for a run that is no successor).
 */
export async function carriedFailures(curated: Pick<ObjectStore, 'readText'>, runId: string): Promise<string[]> {
  if (!CHAINED.test(runId)) return []
  const text = await curated.readText(carriedFailuresKey(runId))
  return text ? (JSON.parse(text) as string[]) : []
}
