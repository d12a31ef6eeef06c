import { GetObjectCommand } from '@aws-sdk/client-s3'
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand, type ExecutionStatus } from '@aws-sdk/client-sfn'
import { runReportKey } from '../../functions/core/lake/lake-layout'
import type { RunReport } from '../../functions/core/lake/run-report'
import type { OpsClients } from './aws-clients'
import { explainAwsError } from './ops-errors'
import type { StackInfo } from './stack-info'

export interface ExecutionState {
  executionArn: string
  name: string
  status: ExecutionStatus | string
  startDate?: Date
  stopDate?: Date
  error?: string
  cause?: string
}

/**
 * Starts an execution: a sweep, one raw key as the on-drop trigger does, or the rebuild of a
 * dataset (`{ reprocess: <dataset> }`).
 */
export async function startExecution(clients: OpsClients, stack: StackInfo, what?: string | { reprocess: string }): Promise<ExecutionState> {
  const input = typeof what === 'object' ? { trigger: 'reprocess', dataset: what.reprocess } : what ? { trigger: 'object', key: what } : { trigger: 'schedule' }
  try {
    const started = await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, input: JSON.stringify(input) }))
    const arn = started.executionArn!
    return { executionArn: arn, name: arn.slice(arn.lastIndexOf(':') + 1), status: 'RUNNING', startDate: started.startDate }
  } catch (e) {
    throw explainAwsError(e, 'starting an execution')
  }
}

export async function describeExecution(clients: OpsClients, executionArn: string): Promise<ExecutionState> {
  try {
    const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }))
    return { executionArn, name: d.name ?? '', status: d.status ?? 'UNKNOWN', startDate: d.startDate, stopDate: d.stopDate, error: d.error, cause: d.cause }
  } catch (e) {
    throw explainAwsError(e, `describing execution ${executionArn}`)
  }
}

/**
 * Polls until the execution ends, calling `onPoll` after each look with the run report
 * so far (files loaded up to now), and returns the final state.
 */
export async function waitForExecution(
  clients: OpsClients,
  stack: StackInfo,
  execution: ExecutionState,
  options: { intervalMs: number; sleep?: (ms: number) => Promise<void>; onPoll?: (state: ExecutionState, report?: RunReport) => void },
): Promise<ExecutionState> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  for (;;) {
    const state = await describeExecution(clients, execution.executionArn)
    options.onPoll?.(state, await readRunReport(clients, stack, state.name))
    if (state.status !== 'RUNNING' && state.status !== 'PENDING_REDRIVE') return state
    await sleep(options.intervalMs)
  }
}

/** The run report the workflow wrote for this execution, if it wrote one. */
export async function readRunReport(clients: OpsClients, stack: StackInfo, runId: string): Promise<RunReport | undefined> {
  try {
    const out = await clients.s3.send(new GetObjectCommand({ Bucket: stack.curatedBucket, Key: runReportKey(runId) }))
    return JSON.parse(await out.Body!.transformToString()) as RunReport
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey' || (e as Error).name === 'NotFound') return undefined
    throw explainAwsError(e, `reading the run report of ${runId}`)
  }
}

/** The most recent executions, newest first. */
export async function listExecutions(clients: OpsClients, stack: StackInfo, limit: number): Promise<ExecutionState[]> {
  try {
    const { executions } = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: limit }))
    return (executions ?? []).map((e) => ({ executionArn: e.executionArn!, name: e.name ?? '', status: e.status ?? 'UNKNOWN', startDate: e.startDate, stopDate: e.stopDate }))
  } catch (e) {
    throw explainAwsError(e, 'listing executions')
  }
}
