import { ListExecutionsCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { runningCounter } from '../../functions/adapters/sfn-executions'
import { TransientStorageError } from '../../functions/core/errors'

const ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:sluice-etl'
const executions = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ executionArn: `${ARN.replace('stateMachine', 'execution')}:run-${from + i}`, stateMachineArn: ARN, name: `run-${from + i}`, status: 'RUNNING' as const, startDate: new Date() }))

describe('runningCounter', () => {
  const sfn = mockClient(SFNClient)
  const count = runningCounter(new SFNClient({ region: 'eu-west-1' }))

  beforeEach(() => {
    sfn.reset()
  })

  it('counts the RUNNING executions of the state machine over every page it needs', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolvesOnce({ executions: executions(2), nextToken: 't1' }).resolvesOnce({ executions: executions(1, 2) })

    // Act
    const running = await count(ARN, 10)

    // Assess
    expect(running).toBe(3)
    expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: ARN, statusFilter: 'RUNNING', maxResults: 10, nextToken: undefined },
      { stateMachineArn: ARN, statusFilter: 'RUNNING', maxResults: 10, nextToken: 't1' },
    ])
  })

  it('stops reading pages once the cap is reached', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).resolvesOnce({ executions: executions(4), nextToken: 't1' }).resolves({ executions: executions(4, 4) })

    // Act
    const running = await count(ARN, 4)

    // Assess
    expect(running).toBe(4)
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(1)
  })

  it('reports a throttled listing as TransientStorageError, so that the pipe hands the batch over again', async () => {
    // Prepare
    sfn.on(ListExecutionsCommand).rejects(new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }))

    // Act
    const counting = count(ARN, 4)

    // Assess
    await expect(counting).rejects.toBeInstanceOf(TransientStorageError)
    await expect(counting).rejects.toThrow(`sfn: listExecutions RUNNING of ${ARN} failed: ThrottlingException (HTTP 400): Rate exceeded`)
  })
})
