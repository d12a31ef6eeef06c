import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { DEFINITION_PATH } from '../../infra/workflow'
import { THROTTLE_RETRIER, tasksWithoutRetrier } from '../../infra/retry-policy'

const definitionFile = async () => JSON.parse(await readFile(DEFINITION_PATH, 'utf8')) as { States: Record<string, Record<string, unknown>> }

describe('the throttle retrier', () => {
  it('is on every Task of the workflow definition, the Map item processor included', async () => {
    // Prepare
    const definition = await definitionFile()

    // Act
    const missing = tasksWithoutRetrier(definition)

    // Assess
    expect(missing).toEqual([])
    const transform = (definition.States.TransformFiles as { ItemProcessor: { States: { Transform: { Retry: unknown[] } } } }).ItemProcessor.States.Transform
    expect(transform.Retry).toContainEqual(THROTTLE_RETRIER)
  })

  it('names a nested Task whose Retry lacks it, or differs from it in one field', async () => {
    // Prepare
    const definition = await definitionFile()
    const map = definition.States.TransformFiles as { ItemProcessor: { States: Record<string, Record<string, unknown>> } }
    map.ItemProcessor.States.Transform!.Retry = [{ ...THROTTLE_RETRIER, MaxAttempts: 4 }]
    definition.States.Load!.Retry = undefined
    definition.States.Probe = { Type: 'Parallel', Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'arn', End: true } } }] }

    // Act
    const missing = tasksWithoutRetrier(definition)

    // Assess
    expect(missing.sort()).toEqual(['Inner', 'Load', 'Transform'])
  })

  it('retries a throttle at least 8 times, waiting at most 60 s between attempts with full jitter', () => {
    expect(THROTTLE_RETRIER.ErrorEquals).toEqual(expect.arrayContaining(['TransientStorageError', 'Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException']))
    expect(THROTTLE_RETRIER.MaxAttempts).toBeGreaterThanOrEqual(8)
    expect(THROTTLE_RETRIER).toMatchObject({ MaxDelaySeconds: 60, JitterStrategy: 'FULL' })
  })
})
