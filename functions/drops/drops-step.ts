import { admitDrops, type QueuedDrop } from '../core/lake/drop-admission'

export interface DropsDeps {
  stateMachineArn: string
  /** Executions of the workflow that may run at once before drops wait. */
  maxRunningExecutions: number
  /** RUNNING executions of the state machine, counted up to `atMost`. */
  countRunning(stateMachineArn: string, atMost: number): Promise<number>
  /** Starts an execution of that name; one that exists already counts as started. */
  startExecution(stateMachineArn: string, name: string, input: unknown): Promise<void>
}

/** The answer EventBridge Pipes reads from a Lambda target: the messages to hand over again. */
export interface DropsResult {
  batchItemFailures: { itemIdentifier: string }[]
}

/**
 * Starts one execution for a batch of queued drops, unless the workflow already runs
 * `maxRunningExecutions` executions: then every message is reported failed, so that it stays
 * in the queue and the pipe hands it over again once it is visible again, backing off meanwhile.
 */
export async function dropsStep(deps: DropsDeps, messages: QueuedDrop[]): Promise<DropsResult & { started?: string; keys: number; unreadable: string[] }> {
  const running = await deps.countRunning(deps.stateMachineArn, deps.maxRunningExecutions)
  const admission = admitDrops(messages, running, deps.maxRunningExecutions)
  if (admission.start) await deps.startExecution(deps.stateMachineArn, admission.start.name, admission.start.input)
  return {
    batchItemFailures: admission.held.map((itemIdentifier) => ({ itemIdentifier })),
    ...(admission.start ? { started: admission.start.name } : {}),
    keys: admission.start?.input.keys.length ?? 0,
    unreadable: admission.unreadable,
  }
}
