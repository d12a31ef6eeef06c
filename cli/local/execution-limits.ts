import { StateMachine } from 'aws-local-stepfunctions'

/** Step Functions' payload quota: every state's input and output, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 262_144

/** Step Functions' execution history quota: events per execution (Standard). */
export const MAX_HISTORY_EVENTS = 25_000

/** A limit of Step Functions reached locally, named as AWS names it. */
export class StatesLimitError extends Error {
  constructor(name: 'States.DataLimitExceeded' | 'States.Runtime', message: string) {
    super(message)
    this.name = name
  }
}

/** UTF-8 size of a value as Step Functions serializes it. */
export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8')
}

/** Throws States.DataLimitExceeded when `value` is over the payload quota. */
export function checkPayload(value: unknown, what: string): void {
  const bytes = payloadBytes(value)
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new StatesLimitError('States.DataLimitExceeded', `${what} is ${bytes} bytes, over the quota of ${MAX_PAYLOAD_BYTES} bytes`)
  }
}

interface InterpreterEvent {
  type: string
  index?: number
  state?: { name: string; type: string; input?: unknown; output?: unknown }
}

/**
 * History events the interpreter's events stand for, as a Standard execution records them:
 * ExecutionStarted/Succeeded/Failed 1 each; every state's Entered and Exited 1 each; a Lambda
 * task 3 more per attempt (Scheduled, Started, Succeeded or Failed or TimedOut); an inline Map
 * MapStateStarted and MapStateSucceeded, and per iteration MapIterationStarted and
 * MapIterationSucceeded/Failed around the events of its states; a Distributed Map MapRunStarted
 * and MapRunSucceeded only (its child executions have histories of their own).
 */
export function historyEvents(event: InterpreterEvent, distributed: ReadonlySet<string>): number {
  const name = event.state?.name ?? ''
  const nested = event.index !== undefined
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1
    case 'StateEntered':
      return event.state?.type === 'Map' || (!nested && distributed.has(name)) ? 2 : 1
    case 'StateExited': {
      if (event.state?.type === 'Map' || (!nested && distributed.has(name))) return 2
      return event.state?.type === 'Task' ? 4 : 1
    }
    case 'StateFailed':
      return event.state?.type === 'Task' && !(!nested && distributed.has(name)) ? 3 : 0
    default:
      return 0
  }
}

/** The interpreter's internal loop over states, which `limitedStateMachine` wraps. */
type ExecuteLoop = (input: unknown, options: { eventLogger: { dispatch(event: InterpreterEvent): void } }, cleanup: () => void) => Promise<unknown>

/**
 * aws-local-stepfunctions' StateMachine with Step Functions' quotas: an execution whose state
 * input or output is over 256 KiB fails with States.DataLimitExceeded, and one whose history
 * would pass 25,000 events fails with States.Runtime, as on AWS. The checks run as the
 * interpreter records each state's entry and exit, before the next state starts. `distributed`
 * names the states standing in for Distributed Maps (their events are counted as such).
 */
export function limitedStateMachine(
  definition: ConstructorParameters<typeof StateMachine>[0],
  options: ConstructorParameters<typeof StateMachine>[1],
  distributed: ReadonlySet<string> = new Set(),
): StateMachine {
  const machine = new StateMachine(definition, options)
  const inner = machine as unknown as { execute: ExecuteLoop }
  const loop = inner.execute.bind(machine)
  inner.execute = (input, loopOptions, cleanup) => {
    const logger = loopOptions.eventLogger
    const dispatch = logger.dispatch.bind(logger)
    let events = 0
    logger.dispatch = (event: InterpreterEvent) => {
      dispatch(event)
      events += historyEvents(event, distributed)
      // Events of an inline Map's iterations reach this logger from the iterations' own loops,
      // where a throw would not end the execution: the Map's own exit is checked instead.
      if (event.index !== undefined || event.type.startsWith('Execution')) return
      if (events > MAX_HISTORY_EVENTS) {
        throw new StatesLimitError('States.Runtime', `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`)
      }
      if (event.type === 'StateEntered') checkPayload(event.state?.input, `the input of state ${event.state?.name}`)
      if (event.type === 'StateExited') checkPayload(event.state?.output, `the output of state ${event.state?.name}`)
    }
    return loop(input, loopOptions, cleanup)
  }
  return machine
}

/**
 * A task handler whose errors reach the workflow as a Lambda function's do: the error's name
 * is its type, and its cause the JSON Lambda writes (`errorType`, `errorMessage`, `trace`),
 * stack included, so that a state carrying causes grows locally as much as on AWS.
 */
export function asLambda<I, O>(handler: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await handler(input)
    } catch (e) {
      const error = e as Error
      if (error instanceof StatesLimitError || !(error instanceof Error)) throw e
      const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') })
      throw Object.assign(new Error(cause, { cause: error }), { name: error.name })
    }
  }
}

/** The message inside a Lambda error's JSON cause; any other cause as it is. */
export function lambdaErrorMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown }
    return typeof parsed?.errorMessage === 'string' ? parsed.errorMessage : cause
  } catch {
    return cause
  }
}
