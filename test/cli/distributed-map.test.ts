import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { batches, standInForDistributedMaps } from '../../cli/local/distributed-map'
import { limitedStateMachine } from '../../cli/local/execution-limits'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { ChildExecutionRecord, ResultWriterManifest } from '../../functions/load/map-run-results'

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:step'
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:test'

/** A workflow of one Distributed Map over `s3://bucket/items.json`, in batches of `perBatch`. */
function mapDefinition(tolerated: number) {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'bucket', 'Key.$': '$.key' } },
        ItemBatcher: { MaxItemsPerBatchPath: '$.perBatch', BatchInput: { 'tag.$': '$.tag' } },
        MaxConcurrency: 2,
        ToleratedFailurePercentage: tolerated,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Sum', States: { Sum: { Type: 'Task', Resource: ARN, End: true } } },
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'bucket', Prefix: 'out' } },
        ResultPath: '$.map',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.map', Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  }
}

async function run(store: ObjectStore, definition: object, input: object, sum: (batch: { Items: number[]; BatchInput: { tag: string } }) => Promise<unknown>) {
  const maps = standInForDistributedMaps(definition as never, { bucket: (name) => (name === 'bucket' ? store : undefined), handlers: { Sum: sum as never }, stateMachineArn: MACHINE })
  const execution = limitedStateMachine(maps.definition as never, { validationOptions: { checkArn: true } }, maps.distributed).run(input as never, { overrides: { taskResourceLocalHandlers: maps.handlers as never } })
  return (await execution.result) as { map: Record<string, any> }
}

const readJson = async <T>(store: ObjectStore, key: string) => JSON.parse((await store.readText(key))!) as T

describe('the local Distributed Map', () => {
  let dir: string | undefined

  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('groups consecutive items by count and by the bytes of the batch input', () => {
    // Prepare
    const items = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']

    // Act
    const byCount = batches(items, { maxItemsPerBatch: 2, batchInput: { run: 'r' } })
    const byBytes = batches(items, { maxInputBytesPerBatch: JSON.stringify({ Items: ['aaaa', 'bbbb', 'cccc'], BatchInput: {} }).length })

    // Assess
    expect(byCount).toEqual([{ Items: ['aaaa', 'bbbb'], BatchInput: { run: 'r' } }, { Items: ['cccc', 'dddd'], BatchInput: { run: 'r' } }, { Items: ['eeee'], BatchInput: { run: 'r' } }])
    expect(byBytes).toEqual([{ Items: ['aaaa', 'bbbb', 'cccc'], BatchInput: {} }, { Items: ['dddd', 'eeee'], BatchInput: {} }])
  })

  it('runs each batch as a child execution and writes the results as the ResultWriter does, a failed child with its input and error', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'sluice-map-'))
    const store = localObjectStore(dir)
    await store.writeText('items.json', JSON.stringify([1, 2, 3, 4, 5, 6, 7]))

    // Act
    const { map } = await run(store, mapDefinition(100), { key: 'items.json', perBatch: 3, tag: 't' }, async ({ Items, BatchInput }) => {
      if (Items.includes(4)) throw Object.assign(new Error('four is bad'), { name: 'BadItem' })
      return { sum: Items.reduce((a, b) => a + b, 0), tag: BatchInput.tag }
    })
    const manifest = await readJson<ResultWriterManifest>(store, map.ResultWriterDetails.Key)
    const succeeded = await readJson<ChildExecutionRecord[]>(store, manifest.ResultFiles.SUCCEEDED![0]!.Key)
    const failed = await readJson<ChildExecutionRecord[]>(store, manifest.ResultFiles.FAILED![0]!.Key)

    // Assess
    expect(Object.keys(map).sort()).toEqual(['MapRunArn', 'ResultWriterDetails'])
    expect(map.MapRunArn).toMatch(/^arn:aws:states:us-east-1:000000000000:mapRun:test\/Each:[0-9a-f-]+$/)
    expect(map.ResultWriterDetails).toEqual({ Bucket: 'bucket', Key: expect.stringMatching(/^out\/[0-9a-f-]+\/manifest\.json$/) })
    expect(manifest).toMatchObject({ DestinationBucket: 'bucket', MapRunArn: map.MapRunArn, ResultFiles: { PENDING: [] } })
    expect(manifest.ResultFiles.SUCCEEDED![0]!.Key).toMatch(/^out\/[0-9a-f-]+\/SUCCEEDED_0\.json$/)
    expect(succeeded.map((r) => [r.Status, JSON.parse(r.Input), JSON.parse(r.Output!)])).toEqual([
      ['SUCCEEDED', { Items: [1, 2, 3], BatchInput: { tag: 't' } }, { sum: 6, tag: 't' }],
      ['SUCCEEDED', { Items: [7], BatchInput: { tag: 't' } }, { sum: 7, tag: 't' }],
    ])
    expect(failed).toEqual([expect.objectContaining({ Status: 'FAILED', Error: 'BadItem', Cause: 'four is bad', Input: JSON.stringify({ Items: [4, 5, 6], BatchInput: { tag: 't' } }) })])
  })

  it('fails the Map with States.ExceedToleratedFailureThreshold when more items fail than it tolerates', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'sluice-map-'))
    const store = localObjectStore(dir)
    await store.writeText('items.json', JSON.stringify([1, 2, 3, 4]))

    // Act
    const { map } = await run(store, mapDefinition(25), { key: 'items.json', perBatch: 2, tag: 't' }, async ({ Items }) => {
      if (Items.includes(1)) throw new Error('bad batch')
      return {}
    })

    // Assess: 2 of 4 items failed (their batch), over 25 %
    expect(map).toEqual({ Error: 'States.ExceedToleratedFailureThreshold', Cause: expect.stringContaining('2 of 4 items failed') })
  })

  it('fails the Map with States.ItemReaderFailed when its items are missing', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'sluice-map-'))
    const store = localObjectStore(dir)

    // Act
    const { map } = await run(store, mapDefinition(100), { key: 'missing.json', perBatch: 2, tag: 't' }, async () => ({}))

    // Assess
    expect(map).toEqual({ Error: 'States.ItemReaderFailed', Cause: 's3://bucket/missing.json does not exist' })
  })
})
