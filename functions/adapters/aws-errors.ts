import { SluiceError, TransientStorageError } from '../core/errors'

/*
 * How an AWS SDK failure is reported to the workflow. Transient failures become
 * TransientStorageError, which the ASL retries. Anything else is rethrown as a plain Error that
 * keeps the original `name` (AccessDenied, NoSuchBucket, ValidationException ...), so a Catch can
 * still tell them apart, with a message naming the operation and its target and the original
 * error as `cause`. Errors sluice raised itself (SluiceError) pass through untouched.
 */

/**
 * Service error names worth retrying: throttling (the names the SDK's own retry strategy
 * treats as throttles, plus `TooManyRequests`), timeouts, server-side hiccups, lost races. A
 * throttle reaches here only once the client's own retries (aws-clients.ts) are spent.
 */
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'InternalServiceException',
  'OperationTimeoutException',
  'ConcurrentModificationException',
])

/** Socket and DNS failures raised by the Node HTTP handler before any response arrives. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
])

interface AwsErrorFields {
  name?: string
  code?: string
  $retryable?: unknown
  $metadata?: { httpStatusCode?: number }
}

/** True when retrying the same call later may succeed. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const e = error as AwsErrorFields
  const status = e.$metadata?.httpStatusCode
  return (
    Boolean(e.$retryable) ||
    (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) ||
    (e.code !== undefined && TRANSIENT_NETWORK_CODES.has(e.code)) ||
    (status !== undefined && (status >= 500 || status === 429))
  )
}

/**
 * The error to throw for `error` raised while doing `what`, e.g. `s3: read s3://raw/a.csv`
 * or `glue: putTable sales.orders`; its message is `<what> failed: <cause>`.
 */
export function awsStorageError(what: string, error: unknown): Error {
  if (error instanceof SluiceError) return error
  const message = `${what} failed: ${describeAwsError(error)}`
  if (isTransientAwsError(error)) return new TransientStorageError(message, { cause: error })
  const wrapped = new Error(message, { cause: error })
  if (error instanceof Error) wrapped.name = error.name
  return wrapped
}

/** `Name (HTTP 403): message`, leaving out whatever the SDK did not fill in. */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const e = error as Error & AwsErrorFields
  const name = e.name === 'Error' && e.code ? e.code : e.name
  const status = e.$metadata?.httpStatusCode
  const head = status ? `${name} (HTTP ${status})` : name
  const message = e.message && e.message !== name && e.message !== 'UnknownError' ? e.message : ''
  return message ? `${head}: ${message}` : head
}
