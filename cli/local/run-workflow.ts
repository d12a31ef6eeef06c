import { readFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { loadRequest } from '../../functions/load/load-request'
import { planStep, type PlanEvent } from '../../functions/plan/plan-step'
import { writeBatch } from '../../functions/plan/write-batch'
import { transformBatch } from '../../functions/transform/transform-batch'
import { transformStep } from '../../functions/transform/transform-step'
import { handOffStep, type HandOffEvent } from '../../functions/handoff/handoff-step'
import { DEFAULT_PLAN_SETTINGS, type LakeDeps, type PlanSettings } from '../../functions/core/lake/step-deps'
import type { LoadRequest, PlannedBatch, TransformBatchEvent, TransformEvent } from '../../functions/core/lake/workflow-types'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../../functions/core/compaction/merge-plan'
import { compactStep, type CompactEvent } from '../../functions/compact/compact-step'
import { InvalidInputError, TransientStorageError } from '../../functions/core/errors'
import { runReportKey } from '../../functions/core/lake/lake-layout'
import { asLambda, limitedStateMachine } from './execution-limits'
import { standInForDistributedMaps } from './distributed-map'

/** The workflow definition, resolved next to this file rather than the working directory. */
export const ASL_PATH = new URL('../../statemachine/etl.asl.json', import.meta.url)

/** Fake ARNs for the placeholders: only their names matter locally. */
export const LOCAL_ARNS: Record<string, string> = {
  PlanFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-plan',
  TransformFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-transform',
  LoadFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-load',
  HandOffFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-handoff',
  CompactFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-compact',
  SiteFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sluice-site',
}

/** The curated zone's bucket name locally: where Plan writes a batch and the Map writes its results. */
export const LOCAL_CURATED_BUCKET = 'sluice-local-curated'

/** The state machine's id locally, as `$$.StateMachine.Id` gives it on AWS. */
export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:sluice-local-etl'

/** The steps whose handlers a local run can wrap. */
export type WorkflowStep = 'Plan' | 'Transform' | 'Load' | 'Compact' | 'HandOff'

/** A Task handler as the local interpreter calls it: the task's Parameters in, its result out. */
export type TaskHandler = (input: unknown) => Promise<unknown>

export interface WorkflowRun {
  runId: string
  /** Resolves with the execution's output; rejects with the Fail state's error (e.g. FilesFailed). */
  result: Promise<unknown>
  abort(): void
  /** The interpreter's event log (StateEntered, MapIterationSucceeded, …). */
  events: AsyncGenerator<{ type: string; index?: number; [field: string]: unknown }>
}

export interface RunOptions {
  runId?: string
  /** Execution start time: sets the ingest date. */
  startTime?: Date
  settings?: Partial<PlanSettings>
  /** A definition to run instead of statemachine/etl.asl.json (e.g. one taken from the CDK template). */
  definition?: object
  /** Aborting it stops the execution where it is, as a killed process would. */
  signal?: AbortSignal
  /**
   * Wraps each step's handler, e.g. to inject a crash in tests: Plan's planner (its batch before
   * it is written), Transform's conversion of one file (a batch converts its files in turn; a
   * transient or `Lambda.*` error thrown there fails the whole invocation, and the workflow
   * retries it), Load and HandOff as the workflow calls them.
   */
  wrap?: (state: WorkflowStep, handler: TaskHandler) => TaskHandler
  /** Called when the run hands its backlog to a successor; the caller runs it (the CLI does, after this run). */
  onSuccessor?: (name: string, input: unknown) => void
  /** The clock of Load's commits (tests move it to age intents). */
  clock?: () => Date
  /** Compaction settings of the Compact step (its part thresholds, target size and small fraction). */
  compaction?: CompactionSettings
  /**
   * Milliseconds to wait before each retry of the named state (one for every retrier, or one
   * per retrier), instead of its Retry's backoff: the interpreter really sleeps, up to a minute
   * between a throttle's attempts. Tests set 0.
   */
  retryIntervals?: Record<string, number | number[]>
  /** Called as the execution enters each of its states (a state transition, as Step Functions bills them). */
  onStateEntered?: (state: string) => void
  /** The UpdateSite step: updates the status site (the CLI writes `<lake>/site/`); nothing when absent. */
  site?: TaskHandler
}

/** Loads the ASL and replaces every `${Name}` placeholder. */
export async function loadDefinition(arns: Record<string, string> = LOCAL_ARNS): Promise<object> {
  const text = await readFile(ASL_PATH, 'utf8')
  const resolved = text.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in arns)) throw new Error(`statemachine: no value for placeholder ${whole}`)
    return arns[name]
  })
  return JSON.parse(resolved) as object
}

/** A run id no other run has: the start time, then random digits. */
export const newRunId = () => `local-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`

/**
 * Errors that fail a whole Transform invocation: transient ones, which the workflow retries,
 * and a Lambda error (`Lambda.TooManyRequestsException`, …) that a wrapped conversion throws
 * to stand for its invocation's, as only the invocation can fail so on AWS.
 */
const invocationError = (error: Error) => error instanceof TransientStorageError || error.name.startsWith('Lambda.')

/**
 * Runs the real workflow definition with aws-local-stepfunctions, with the real step
 * handlers called in-process over the given lake.
 */
export async function runWorkflow(deps: LakeDeps, input: unknown, options: RunOptions = {}): Promise<WorkflowRun> {
  const definition = options.definition ?? (await loadDefinition())
  const settings = { ...DEFAULT_PLAN_SETTINGS, ...options.settings }
  const wrap = options.wrap ?? ((_state, handler) => handler)
  const transformFile = wrap('Transform', (event) => transformStep(deps, event as TransformEvent))
  // The interpreter always sets $$.Execution.StartTime to the wall clock: a pinned start time
  // (tests, backfills) is handed to Plan here instead.
  const plan = wrap('Plan', (event) => {
    const e = event as PlanEvent
    return planStep(deps, settings, options.startTime ? { ...e, startTime: options.startTime.toISOString() } : e)
  })
  const handlers = {
    Plan: asLambda(async (event) => writeBatch(deps.curated, LOCAL_CURATED_BUCKET, (await plan(event)) as PlannedBatch)),
    Transform: asLambda((event) => transformBatch(deps.curated, event as TransformBatchEvent, (e) => transformFile(e) as ReturnType<typeof transformStep>, invocationError)),
    Load: asLambda(wrap('Load', async (event) => (await loadRequest(deps, event as LoadRequest, options.clock)).output)),
    Compact: asLambda(wrap('Compact', (event) => compactStep(deps, event as CompactEvent, options.compaction ?? DEFAULT_COMPACTION, options.clock))),
    CompactClosed: asLambda(wrap('Compact', (event) => compactStep(deps, event as CompactEvent, options.compaction ?? DEFAULT_COMPACTION, options.clock))),
    UpdateSite: options.site ?? (async () => ({ pages: 0, datasets: 0, files: 0 })),
    HandOff: asLambda(wrap('HandOff', (event) =>
      handOffStep({ curated: deps.curated, startExecution: async (_arn, name, next) => options.onSuccessor?.(name, next) }, event as HandOffEvent),
    )),
  }
  const stopped = new AbortController()
  const maps = standInForDistributedMaps(definition as never, {
    bucket: (name) => (name === LOCAL_CURATED_BUCKET ? deps.curated : undefined),
    handlers,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    signal: stopped.signal,
    retryIntervals: options.retryIntervals,
  })
  const runId = options.runId ?? newRunId()
  if (options.runId !== undefined && (await deps.curated.head(runReportKey(runId)))) {
    throw new InvalidInputError(`run: run id ${runId} was used by an earlier run (its report is ${runReportKey(runId)}); leave the run id out, and a new one is made`)
  }
  const machine = limitedStateMachine(maps.definition as never, { validationOptions: { noValidate: true } }, maps.distributed)
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: { ...handlers, ...maps.handlers } as never, ...(options.retryIntervals ? { retryIntervalOverrides: options.retryIntervals } : {}) },
    context: { Execution: { Name: runId, Input: input as never }, StateMachine: { Id: LOCAL_STATE_MACHINE_ARN, Name: 'sluice-local-etl' } } as never,
  })
  const abort = () => {
    stopped.abort()
    execution.abort()
  }
  options.signal?.addEventListener('abort', abort, { once: true })
  const { onStateEntered } = options
  if (onStateEntered) {
    void (async () => {
      for await (const event of execution.eventLogs as WorkflowRun['events']) {
        const state = (event as { state?: { name?: string } }).state?.name
        if (event.type === 'StateEntered' && event.index === undefined && state) onStateEntered(state)
      }
    })()
  }
  return { runId, result: execution.result, abort, events: execution.eventLogs as WorkflowRun['events'] }
}
