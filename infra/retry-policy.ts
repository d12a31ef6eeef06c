/**
 * The workflow's one retry policy. ASL has no shared retriers: each Task of
 * statemachine/etl.asl.json carries a copy in its own Retry array, and the Workflow construct
 * refuses a definition in which any Task lacks it (`tasksWithoutRetrier`).
 *
 * Throttles and transient failures share it: a Lambda throttle or service error
 * (`Lambda.*`), and the S3, Glue and Step Functions throttles, 5xx and timeouts the adapters
 * raise as TransientStorageError (functions/adapters/aws-errors.ts). Both are cured by waiting,
 * and a Task cannot tell one from the other by name, so a second, shorter retrier would
 * never match first. Ten retries after the first attempt, waiting 2, 4, 8, 16, 32, then 60 s
 * (each drawn in full jitter from 0 to that), wait up to about 6 minutes in all: a file is
 * recorded as failed only after a throttle outlasts that.
 */
export const THROTTLE_RETRIER = {
  ErrorEquals: ['TransientStorageError', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 10,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
} as const

interface AslState {
  Type?: string
  Retry?: unknown[]
  Branches?: { States?: Record<string, AslState> }[]
  ItemProcessor?: { States?: Record<string, AslState> }
  Iterator?: { States?: Record<string, AslState> }
}

/**
 * Names of the Task states of `definition`, at any depth (Map item processors, Parallel
 * branches), whose Retry does not hold `retrier` exactly.
 */
export function tasksWithoutRetrier(definition: { States?: Record<string, AslState> }, retrier: object = THROTTLE_RETRIER): string[] {
  const wanted = canonical(retrier)
  const missing: string[] = []
  const visit = (states: Record<string, AslState> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      if (state.Type === 'Task' && !(state.Retry ?? []).some((r) => canonical(r) === wanted)) missing.push(name)
      visit(state.ItemProcessor?.States)
      visit(state.Iterator?.States)
      for (const branch of state.Branches ?? []) visit(branch.States)
    }
  }
  visit(definition.States)
  return missing
}

/** JSON with sorted keys, so that the order of a retrier's fields does not matter. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}
