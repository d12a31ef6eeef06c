import { carriedFailuresKey, runReportKey } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import type { RunReport } from '../core/lake/run-report'
import { carriedFailures, successorName } from '../core/lake/successor'

/** What the state machine passes to HandOff when a run reaches its file cap with work left. */
export interface HandOffEvent {
  runId: string
  /** The run's own input, given unchanged to its successor. */
  input: unknown
  pending: number
  stateMachineArn: string
}

export interface HandOffDeps {
  curated: Pick<ObjectStore, 'readText' | 'writeText'>
  /** Starts an execution of that name; one that exists already counts as started. */
  startExecution(stateMachineArn: string, name: string, input: unknown): Promise<void>
}

/**
 * Starts a successor execution with the same input, so a backlog beyond one execution's cap
 * drains now instead of waiting for the next schedule, and records it with the pending count
 * in the run report. The versions that failed in this run (and in its own predecessors) are
 * handed on too: the successor does not try them again, so a backlog that keeps failing ends.
 */
export async function handOffStep(deps: HandOffDeps, event: HandOffEvent): Promise<{ successor: string; pending: number }> {
  const successor = successorName(event.runId)
  const key = runReportKey(event.runId)
  const text = await deps.curated.readText(key)
  const report = text ? (JSON.parse(text) as RunReport) : undefined
  // Written before the successor starts, so that its first Plan finds them.
  const carried = await carriedFailures(deps.curated, event.runId)
  const failed = (report?.files ?? []).filter((f) => f.outcome === 'failed' || f.outcome === 'quarantined').map((f) => `${f.key}\n${f.etag}`)
  await deps.curated.writeText(carriedFailuresKey(successor), JSON.stringify([...new Set([...carried, ...failed])]))
  await deps.startExecution(event.stateMachineArn, successor, event.input)
  if (report) {
    const updated: RunReport = { ...report, successor, totals: { ...report.totals, pending: event.pending }, updatedAt: new Date().toISOString() }
    await deps.curated.writeText(key, `${JSON.stringify(updated, null, 2)}\n`)
  }
  return { successor, pending: event.pending }
}
