import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { executionStarter } from '../../functions/adapters/sfn-executions'
import { startS3rver, type LocalS3 } from '../support/s3rver'

describe('s3ObjectStore compare-and-swap, against a server that enforces conditional writes', () => {
  let s3: LocalS3

  beforeAll(async () => {
    s3 = await startS3rver(['curated'])
  })

  afterAll(async () => {
    await s3.stop()
  })

  it('creates a key only when it is absent, and replaces only the content that was read', async () => {
    // Prepare
    const store = s3ObjectStore(s3.client, 'curated')

    // Act
    await store.writeText('_ledger/d/f.json', 'first', { ifNoneMatch: '*' })
    const again = await store.writeText('_ledger/d/f.json', 'second', { ifNoneMatch: '*' }).catch((e: Error) => e)
    const read = (await store.readVersioned('_ledger/d/f.json'))!
    await store.writeText('_ledger/d/f.json', 'third', { ifMatch: read.etag })
    const stale = await store.writeText('_ledger/d/f.json', 'fourth', { ifMatch: read.etag }).catch((e: Error) => e)
    const missing = await store.writeText('_ledger/d/none.json', 'x', { ifMatch: read.etag }).catch((e: Error) => e)

    // Assess
    expect(read.text).toBe('first')
    expect(again).toMatchObject({ name: 'WriteConflictError' })
    expect(stale).toMatchObject({ name: 'WriteConflictError' })
    expect(missing).toMatchObject({ name: 'WriteConflictError' })
    expect(await store.readText('_ledger/d/f.json')).toBe('third')
  })

  it('lets one of eight concurrent creates win', async () => {
    // Prepare
    const store = s3ObjectStore(s3.client, 'curated')

    // Act
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.writeText('_ledger/d/race.json', `w${i}`, { ifNoneMatch: '*' })))

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.name === 'WriteConflictError')).toBe(true)
  })
})

describe('executionStarter', () => {
  const sfn = mockClient(SFNClient)

  it('starts the named execution with the input, and takes one that exists already as started', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'arn:x', startDate: new Date() }).rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }))
    const start = executionStarter(new SFNClient({ region: 'us-east-1' }))

    // Act
    await start('arn:aws:states:us-east-1:1:stateMachine:sluice-etl', 'nightly-c2', { trigger: 'schedule' })
    await start('arn:aws:states:us-east-1:1:stateMachine:sluice-etl', 'nightly-c2', { trigger: 'schedule' })

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sluice-etl', name: 'nightly-c2', input: '{"trigger":"schedule"}' },
      { stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sluice-etl', name: 'nightly-c2', input: '{"trigger":"schedule"}' },
    ])
  })
})
