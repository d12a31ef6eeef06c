import { describe, expect, it } from 'vitest'
import { awsStorageError, isTransientAwsError } from '../../functions/adapters/aws-errors'
import { TransientStorageError } from '../../functions/core/errors'

const named = (name: string, fields: object = {}) => Object.assign(new Error('rate exceeded'), { name }, fields)

describe('isTransientAwsError', () => {
  it.each(['ThrottlingException', 'TooManyRequests', 'TooManyRequestsException', 'SlowDown', 'RequestThrottled', 'ThrottledException', 'ProvisionedThroughputExceededException', 'ConcurrentModificationException'])(
    'takes %s as transient without an HTTP status',
    (name) => {
      expect(isTransientAwsError(named(name))).toBe(true)
    },
  )

  it.each([
    ['an HTTP 503', named('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } })],
    ['an HTTP 429', named('Unknown', { $metadata: { httpStatusCode: 429 } })],
    ['a throttle the SDK marks retryable', named('Whatever', { $retryable: { throttling: true } })],
  ])('takes %s as transient', (_, error) => {
    expect(isTransientAwsError(error)).toBe(true)
  })

  it('does not take a quota or a permission error as transient', () => {
    expect(isTransientAwsError(named('ResourceNumberLimitExceededException', { $metadata: { httpStatusCode: 400 } }))).toBe(false)
    expect(isTransientAwsError(named('AccessDeniedException', { $metadata: { httpStatusCode: 403 } }))).toBe(false)
  })
})

describe('awsStorageError', () => {
  it('reports a throttle as TransientStorageError, the name the workflow retries', () => {
    // Prepare
    const throttle = named('TooManyRequests')

    // Act
    const reported = awsStorageError('glue: getTable sales.orders', throttle)

    // Assess
    expect(reported).toBeInstanceOf(TransientStorageError)
    expect(reported).toMatchObject({ name: 'TransientStorageError', message: 'glue: getTable sales.orders failed: TooManyRequests: rate exceeded', cause: throttle })
  })
})
