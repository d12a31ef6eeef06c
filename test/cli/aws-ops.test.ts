import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, AthenaClient } from '@aws-sdk/client-athena'
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { awsLakeStatus } from '../../cli/aws/lake-status'
import { fileId } from '../../functions/core/lake/lake-layout'
import { quarantineKey } from '../../functions/core/lake/ledger'
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { opsClients } from '../../cli/aws/aws-clients'
import { athenaQuery } from '../../cli/aws/athena-query'
import { collectRows } from '../../cli/query/row-stream'
import { listExecutions, startExecution, waitForExecution } from '../../cli/aws/executions'
import { findStack, type StackInfo } from '../../cli/aws/stack-info'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'

const cfn = mockClient(CloudFormationClient)
const sfn = mockClient(SFNClient)
const athena = mockClient(AthenaClient)
const s3 = mockClient(S3Client)
const glue = mockClient(GlueClient)
const clients = opsClients('eu-west-1')
const STACK: StackInfo = { stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:sluice', curatedBucket: 'curated-b', database: 'sluice', workGroup: 'sluice-wg' }
const noSleep = async () => undefined

beforeEach(() => {
  cfn.reset()
  sfn.reset()
  athena.reset()
  s3.reset()
  glue.reset()
})

describe('finding the stack', () => {
  it('reads the resources from the stack outputs', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Sluice' }).resolves({
      Stacks: [{
        StackName: 'Sluice', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: STACK_OUTPUTS.stateMachine, OutputValue: STACK.stateMachineArn },
          { OutputKey: STACK_OUTPUTS.curatedBucket, OutputValue: 'curated-b' },
          { OutputKey: STACK_OUTPUTS.database, OutputValue: 'sluice' },
          { OutputKey: STACK_OUTPUTS.workGroup, OutputValue: 'sluice-wg' },
        ],
      }],
    })
    expect(await findStack(clients, { stack: 'Sluice' })).toEqual(STACK)
  })

  it('does not ask CloudFormation when every value is given as a flag', async () => {
    expect(await findStack(clients, { stack: 'Sluice', ...STACK })).toEqual({ stack: 'Sluice', ...STACK })
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0)
  })

  it('says how to deploy when the stack does not exist', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }))
    await expect(findStack(clients, { stack: 'Nope' })).rejects.toThrow(/stack Nope was not found.*npx cdk deploy/)
  })

  it('says how to provide credentials when there are none', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }))
    await expect(findStack(clients, { stack: 'Sluice' })).rejects.toThrow(/no AWS credentials found.*AWS_PROFILE/)
  })

  it('names a missing output', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] })
    await expect(findStack(clients, { stack: 'Other' })).rejects.toThrow(`has no output ${STACK_OUTPUTS.stateMachine}`)
  })
})

describe('the status of the deployed lake', () => {
  it('reads pending and quarantined files from the buckets and the table from Glue', async () => {
    // Prepare
    const id = fileId('returns/r.csv')
    const quarantined = { key: 'returns/r.csv', dataset: 'returns', fileId: id, etag: 'e2', runId: 'run-1', quarantinedAt: '2024-07-01T06:00:00.000Z', reason: 'RejectThresholdError: rejects: 6 of 10 rows', rowsIn: 10, rowsRejected: 6 }
    s3.on(ListObjectsV2Command, { Bucket: 'raw-b' }).resolves({ Contents: [{ Key: 'orders/a.csv', ETag: '"e1"', Size: 10 }, { Key: 'returns/r.csv', ETag: '"e2"', Size: 10 }] })
    s3.on(ListObjectsV2Command, { Bucket: 'curated-b', Prefix: '_ledger/' }).resolves({ Contents: [{ Key: quarantineKey('returns', id, 'e2'), ETag: '"q"', Size: 10 }] })
    s3.on(ListObjectsV2Command, { Bucket: 'curated-b', Prefix: '_runs/' }).resolves({ Contents: [] })
    s3.on(GetObjectCommand, { Bucket: 'curated-b', Key: quarantineKey('returns', id, 'e2') }).resolves({ Body: { transformToString: async () => JSON.stringify(quarantined) } as never, ETag: '"q"' })
    glue.on(GetTableCommand).rejects(Object.assign(new Error('not found'), { name: 'EntityNotFoundException' }))

    // Act
    const status = await awsLakeStatus(clients, { ...STACK, rawBucket: 'raw-b' })

    // Assess
    expect(status).toMatchObject([
      { dataset: 'orders', table: false, rows: 0, pending: [{ key: 'orders/a.csv', reason: 'new' }], failed: [], quarantined: [] },
      { dataset: 'returns', table: false, pending: [], quarantined: [{ key: 'returns/r.csv', reason: quarantined.reason, runId: 'run-1' }] },
    ])
  })

  it('asks for the raw bucket when the stack does not name it', async () => {
    await expect(awsLakeStatus(clients, STACK)).rejects.toThrow(/--raw-bucket/)
  })
})

describe('executions', () => {
  it('starts a sweep, or one key as the on-drop trigger does', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STACK.stateMachineArn.replace('stateMachine', 'execution')}:run-1`, startDate: new Date() })
    const sweep = await startExecution(clients, STACK)
    await startExecution(clients, STACK, 'orders/a.csv')
    const inputs = sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!))
    expect(inputs).toEqual([{ trigger: 'schedule' }, { trigger: 'object', key: 'orders/a.csv' }])
    expect(sweep.name).toBe('run-1')
  })

  it('starts the rebuild of a dataset with the reprocess input the workflow takes', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STACK.stateMachineArn.replace('stateMachine', 'execution')}:run-2`, startDate: new Date() })
    await startExecution(clients, STACK, { reprocess: 'orders' })
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!))).toEqual([{ trigger: 'reprocess', dataset: 'orders' }])
  })

  it('polls until the execution ends and shows the run report as it grows', async () => {
    sfn.on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', name: 'run-1', executionArn: 'x', stateMachineArn: 'y', startDate: new Date() })
      .resolvesOnce({ status: 'RUNNING', name: 'run-1', executionArn: 'x', stateMachineArn: 'y', startDate: new Date() })
      .resolves({ status: 'SUCCEEDED', name: 'run-1', executionArn: 'x', stateMachineArn: 'y', startDate: new Date(), stopDate: new Date() })
    s3.on(GetObjectCommand, { Bucket: 'curated-b', Key: '_runs/run-1.json' }).resolves({
      Body: { transformToString: async () => JSON.stringify({ runId: 'run-1', totals: { files: 2 } }) } as never,
    })
    const seen: string[] = []
    let slept = 0

    const final = await waitForExecution(clients, STACK, { executionArn: 'x', name: 'run-1', status: 'RUNNING' }, {
      intervalMs: 5,
      sleep: async () => void (slept += 1),
      onPoll: (state, report) => seen.push(`${state.status}:${report?.totals.files}`),
    })

    expect(final.status).toBe('SUCCEEDED')
    expect(seen).toEqual(['RUNNING:2', 'RUNNING:2', 'SUCCEEDED:2'])
    expect(slept).toBe(2)
  })

  it('returns a failed execution with its error and cause', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED', name: 'run-2', executionArn: 'x', stateMachineArn: 'y', startDate: new Date(),
      error: 'FilesFailed', cause: '1 file(s) failed: orders/bad.csv: RejectThresholdError: …',
    })
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no key'), { name: 'NoSuchKey' }))
    const final = await waitForExecution(clients, STACK, { executionArn: 'x', name: 'run-2', status: 'RUNNING' }, { intervalMs: 1, sleep: noSleep })
    expect(final).toMatchObject({ status: 'FAILED', error: 'FilesFailed', cause: expect.stringContaining('orders/bad.csv') })
  })

  it('lists recent executions', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [{ executionArn: 'a', stateMachineArn: 'y', name: 'run-9', status: 'SUCCEEDED', startDate: new Date('2026-01-01T02:00:00Z') }],
    })
    const runs = await listExecutions(clients, STACK, 5)
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toEqual({ stateMachineArn: STACK.stateMachineArn, maxResults: 5 })
    expect(runs).toEqual([expect.objectContaining({ name: 'run-9', status: 'SUCCEEDED' })])
  })
})

describe('Athena queries', () => {
  it('runs in the stack workgroup and database, polls, and reads every page without the header row', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' })
    athena.on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } })
    const meta = { ColumnInfo: [{ Name: 'status', Type: 'varchar' }, { Name: 'n', Type: 'bigint' }] }
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined }).resolves({
      ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: 'status' }, { VarCharValue: 'n' }] }, { Data: [{ VarCharValue: 'shipped' }, { VarCharValue: '28' }] }] },
      NextToken: 'p2',
    })
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 'p2' }).resolves({
      ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: 'pending' }, {}] }] },
    })

    const result = await collectRows(await athenaQuery(clients, STACK, 'SELECT status, count(*) n FROM orders GROUP BY 1', { intervalMs: 1, sleep: noSleep }))

    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryString: 'SELECT status, count(*) n FROM orders GROUP BY 1', WorkGroup: 'sluice-wg', QueryExecutionContext: { Database: 'sluice' },
    })
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3)
    expect(result).toEqual({ columns: ['status', 'n'], rows: [{ status: 'shipped', n: '28' }, { status: 'pending', n: null }] })
  })

  it('fails with Athena\'s reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' })
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'sluice.nope' does not exist" } } })
    await expect(athenaQuery(clients, STACK, 'SELECT * FROM nope', { intervalMs: 1, sleep: noSleep })).rejects.toThrow(/query q2 failed: TABLE_NOT_FOUND/)
  })
})

describe('Athena results', () => {
  it('are read a page at a time, the next page only when the rows before it were taken', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q3' })
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } })
    const meta = { ColumnInfo: [{ Name: 'n', Type: 'integer' }] }
    const page = (n: number) => ({ Data: [{ VarCharValue: String(n) }] })
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q3', NextToken: undefined }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: 'n' }] }, page(1)] }, NextToken: 't2' })
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q3', NextToken: 't2' }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [page(2)] }, NextToken: 't3' })
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q3', NextToken: 't3' }).resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [page(3)] } })

    const stream = await athenaQuery(clients, STACK, 'SELECT n FROM t', { intervalMs: 1, sleep: noSleep })
    const batches = stream.batches[Symbol.asyncIterator]()
    const first = await batches.next()
    const requestedAfterFirst = athena.commandCalls(GetQueryResultsCommand).length
    const rest = []
    for (let b = await batches.next(); !b.done; b = await batches.next()) rest.push(b.value.rows())

    expect(stream.columns).toEqual(['n'])
    expect(first.value!.rows()).toEqual([['1']])
    expect(requestedAfterFirst).toBe(1)
    expect(rest).toEqual([[['2']], [['3']]])
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3)
  })
})
