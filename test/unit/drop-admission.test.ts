import { describe, expect, it } from 'vitest'
import { admitDrops, type QueuedDrop } from '../../functions/core/lake/drop-admission'
import { dropsStep, type DropsDeps } from '../../functions/drops/drops-step'

const drop = (messageId: string, key: string, type = 'Object Created'): QueuedDrop => ({
  messageId,
  body: JSON.stringify({ source: 'aws.s3', 'detail-type': type, detail: { bucket: { name: 'raw' }, object: { key } } }),
})

describe('admitDrops', () => {
  it('starts one execution for every key of the batch while fewer than the cap run', () => {
    // Prepare
    const batch = [drop('b-2', 'orders/b.csv'), drop('a-1', 'orders/a.csv', 'Object Deleted'), drop('c-3', 'orders/a.csv')]

    // Act
    const admission = admitDrops(batch, 3, 4)

    // Assess
    expect(admission).toEqual({ start: { name: 'drops-a-1', input: { trigger: 'object', keys: ['orders/b.csv', 'orders/a.csv'] } }, held: [], unreadable: [] })
  })

  it('holds every message of the batch, starting nothing, once the cap is reached', () => {
    // Prepare
    const batch = [drop('m-1', 'orders/a.csv'), drop('m-2', 'orders/b.csv')]

    // Act
    const [atCap, above] = [admitDrops(batch, 4, 4), admitDrops(batch, 9, 4)]

    // Assess
    expect(atCap).toEqual({ held: ['m-1', 'm-2'], unreadable: [] })
    expect(above).toEqual(atCap)
  })

  it('names the execution after the batch, whatever order the messages come in', () => {
    const one = admitDrops([drop('m-2', 'a/x.csv'), drop('m-1', 'a/y.csv')], 0, 1).start!.name
    const other = admitDrops([drop('m-1', 'a/y.csv'), drop('m-2', 'a/x.csv')], 0, 1).start!.name
    expect(one).toBe('drops-m-1')
    expect(other).toBe(one)
    expect(admitDrops([drop('id:with/odd+chars'.padEnd(120, 'x'), 'a/x.csv')], 0, 1).start!.name).toMatch(/^drops-id_with_odd_chars[x]+$/)
    expect(admitDrops([drop('y'.repeat(120), 'a/x.csv')], 0, 1).start!.name).toHaveLength(80)
  })

  it('acknowledges a message that names no key, and holds or starts the others', () => {
    // Prepare
    const batch = [{ messageId: 'bad', body: '{"detail":{}}' }, drop('good', 'orders/a.csv')]

    // Act
    const [room, full] = [admitDrops(batch, 0, 1), admitDrops(batch, 1, 1)]

    // Assess
    expect(room).toEqual({ start: { name: 'drops-good', input: { trigger: 'object', keys: ['orders/a.csv'] } }, held: [], unreadable: ['bad'] })
    expect(full).toEqual({ held: ['good'], unreadable: ['bad'] })
    expect(admitDrops([batch[0]!], 0, 1)).toEqual({ held: [], unreadable: ['bad'] })
  })
})

describe('dropsStep', () => {
  function fakeWorkflow(running: number, cap: number) {
    const started: { name: string; input: unknown }[] = []
    const counted: number[] = []
    const deps: DropsDeps = {
      stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:sluice-etl',
      maxRunningExecutions: cap,
      countRunning: async (_arn, atMost) => (counted.push(atMost), Math.min(running, atMost)),
      startExecution: async (_arn, name, input) => void started.push({ name, input }),
    }
    return { deps, started, counted }
  }

  it('starts the execution and reports no message failed while there is room', async () => {
    // Prepare
    const workflow = fakeWorkflow(1, 2)

    // Act
    const result = await dropsStep(workflow.deps, [drop('m-1', 'orders/a.csv')])

    // Assess
    expect(result.batchItemFailures).toEqual([])
    expect(workflow.started).toEqual([{ name: 'drops-m-1', input: { trigger: 'object', keys: ['orders/a.csv'] } }])
    expect(workflow.counted).toEqual([2])
  })

  it('starts nothing at the cap and reports every message failed, so that the queue keeps them', async () => {
    // Prepare
    const workflow = fakeWorkflow(2, 2)

    // Act
    const result = await dropsStep(workflow.deps, [drop('m-1', 'orders/a.csv'), drop('m-2', 'orders/b.csv')])

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }])
    expect(workflow.started).toEqual([])
  })
})
