import { runReportKey } from '../functions/core/lake/lake-layout'
import { parseLedgerKey } from '../functions/core/lake/ledger'
import type { ObjectStore } from '../functions/core/lake/object-store'
import { sumTotals, type RunReport } from '../functions/core/lake/run-report'
import type { PlannedFile } from '../functions/core/lake/plan-files'
import type { LakeDeps, PlanSettings } from '../functions/core/lake/step-deps'
import type { LoadRequest, PlannedBatch, PlanOutput, RetractResult, TransformEvent, TransformResult } from '../functions/core/lake/workflow-types'
import { runWorkflow, type RunOptions } from './local/run-workflow'
import { lambdaErrorMessage } from './local/execution-limits'
import type { ProgressBoard } from './progress-board'

export interface LocalRunOutcome {
  report: RunReport
  /** The Fail state's error and cause when the execution failed. */
  failure?: { error: string; cause: string }
}

/**
 * Runs the workflow over a lake in this process and returns its run report. A run with no
 * work writes no report; one is made from the planner's output instead.
 */
export async function runLocally(
  deps: LakeDeps,
  input: unknown,
  options: { board?: ProgressBoard; settings?: Partial<PlanSettings> } & Pick<RunOptions, 'startTime' | 'runId' | 'wrap' | 'definition' | 'signal' | 'onSuccessor' | 'clock' | 'site' | 'compaction' | 'retryIntervals' | 'onStateEntered'> = {},
): Promise<LocalRunOutcome> {
  const { board } = options
  const watched: LakeDeps = board ? { ...deps, raw: countingReads(deps.raw, board), curated: countingLoad(deps.curated, board) } : deps
  // Load is handed the batch by key: the board counts its datasets when Plan makes it.
  let datasets = 0
  const run = await runWorkflow(watched, input, {
    ...options,
    wrap: (state, handler) => {
      const inner = options.wrap ? options.wrap(state, handler) : handler
      if (!board) return inner
      if (state === 'Plan') {
        return async (event) => {
          const plan = (await inner(event)) as PlannedBatch
          datasets = new Set(plan.items.map((i) => i.dataset)).size
          board.plannedBatch(plan.items.length, plan.items.reduce((sum, f) => sum + itemBytes(f), 0), plan.more)
          return plan
        }
      }
      if (state === 'Load') {
        return async (event) => {
          const { batch } = event as LoadRequest
          board.loadStarted(batch.files, datasets)
          const loaded = await inner(event)
          board.phase('planning the next batch')
          return loaded
        }
      }
      return async (event) => {
        const { file } = event as TransformEvent
        // The closing item of a rebuild carries no file.
        if (file.key === '') return inner(event)
        // A split file shows one line per byte range.
        const label = file.range ? `${file.key} [range ${file.range.index + 1}/${file.range.count}]` : file.key
        board.start(label, itemBytes(file))
        try {
          const result = (await inner(event)) as TransformResult | RetractResult
          if (result.status === 'retract') board.finish(label, true, 'gone from raw: its rows are retracted', 0)
          else board.finish(label, true, `${result.rowsIn} rows in, ${result.rowsOut} loaded, ${result.rowsRejected} rejected`, result.rowsIn)
          return result
        } catch (e) {
          board.finish(label, false, `${(e as Error).name}: ${(e as Error).message}`)
          throw e
        }
      }
    },
  })
  let output: unknown
  let failure: LocalRunOutcome['failure']
  try {
    output = await run.result
  } catch (e) {
    const error = e as Error & { cause?: { Error?: string; name?: string; message?: string; Cause?: string } }
    const cause = error.cause
    failure = { error: cause?.Error ?? cause?.name ?? error.name, cause: lambdaErrorMessage(cause?.Cause ?? cause?.message ?? error.message) }
  }
  const text = await deps.curated.readText(runReportKey(run.runId))
  if (text) return { report: JSON.parse(text) as RunReport, failure }
  if (failure) throw Object.assign(new Error(`run: the workflow stopped before it wrote a run report (files committed so far stay loaded): ${failure.cause}`), { name: failure.error })
  return { report: noWorkReport(run.runId, input, output as PlanOutput) }
}

/** Bytes of a planned item: a byte range's share of a split file. */
const itemBytes = (f: PlannedFile) => (f.range ? f.size / f.range.count : f.size)

function noWorkReport(runId: string, input: unknown, plan: PlanOutput): RunReport {
  const key = (input as { key?: string }).key
  const skippedKey = plan.trigger === 'object' && plan.skipped > 0 && key
  return {
    runId,
    trigger: plan.trigger,
    ingestDate: plan.ingestDate,
    startedAt: plan.startedAt,
    updatedAt: new Date().toISOString(),
    status: 'succeeded',
    files: skippedKey
      ? [{ dataset: '', key, etag: '', outcome: 'skipped', rowsIn: 0, rowsOut: 0, rowsRejected: 0, outputs: [] }]
      : [],
    totals: { ...sumTotals([], plan.skipped, plan.pending), files: skippedKey ? 1 : 0 },
  }
}

/** The raw store, reporting bytes read per key to the board. */
function countingReads(raw: ObjectStore, board: ProgressBoard): ObjectStore {
  return {
    ...raw,
    async *read(key) {
      for await (const chunk of raw.read(key)) {
        board.read(key, chunk.byteLength)
        yield chunk
      }
    },
  }
}


/** The curated store, reporting a Load's publishes (parts copied out of staging) and commits (ledger heads written) to the board. */
function countingLoad(curated: ObjectStore, board: ProgressBoard): ObjectStore {
  return {
    ...curated,
    async copy(from, to) {
      await curated.copy(from, to)
      if (from.startsWith('_staging/')) board.loadProgress('published')
    },
    async writeText(key, text, condition) {
      await curated.writeText(key, text, condition)
      if (parseLedgerKey(key)?.kind === 'head' || key.endsWith('.built.json')) board.loadProgress('committed')
    },
  }
}
