import { afterEach, describe, expect, it } from 'vitest'
import type { TaskHandler, WorkflowStep } from '../../cli/local/run-workflow'
import type { LocalRunOutcome } from '../../cli/local-run'
import { lakeStatus } from '../../cli/ops/lake-status'
import { receiptKey, type Receipt } from '../../functions/core/lake/receipt'
import { fileId } from '../../functions/core/lake/lake-layout'
import type { TransformEvent } from '../../functions/core/lake/workflow-types'
import { createLake, type E2ELake, type RunOptions } from '../support/e2e-lake'

const FILES = ['prod/a.csv', 'prod/b.csv', 'prod/c.csv']
const THREE_ROWS = 'id,name\n1,a\n2,b\n3,c\n'
/** A contract under which every row of THREE_ROWS is rejected: its ids are no dates. */
const REJECT_ALL = JSON.stringify({ columns: [{ name: 'id', type: 'date' }, { name: 'name', type: 'string' }] })

/** Counts Plan turns, and with `failTransform` fails every file's conversion with a plain error (a failure that is not quarantined). */
function watch(failTransform = false) {
  const turns = { plan: 0 }
  const wrap = (state: WorkflowStep, handler: TaskHandler): TaskHandler => {
    if (state === 'Plan') {
      return async (event) => {
        turns.plan += 1
        // A loop that never ends would run the interpreter to its history limit: stop early.
        if (turns.plan > 50) throw new Error('test: more than 50 Plan turns')
        return handler(event)
      }
    }
    if (state === 'Transform' && failTransform) {
      return async (event) => {
        if ((event as TransformEvent).file.key === '') return handler(event)
        throw new Error(`disk: cannot read ${(event as TransformEvent).file.key}`)
      }
    }
    return handler
  }
  return { turns, wrap }
}

const failedKeys = (outcome: LocalRunOutcome) =>
  outcome.report.files.filter((f) => f.outcome === 'failed' || f.outcome === 'quarantined').map((f) => f.key).sort()

/** Runs `input` and the successors it hands its backlog to, at most `limit` executions. */
async function runChain(lake: E2ELake, input: unknown, options: RunOptions, limit = 6): Promise<LocalRunOutcome[]> {
  const successors: { name: string; input: unknown }[] = []
  const onSuccessor = (name: string, next: unknown) => successors.push({ name, input: next })
  const outcomes = [await lake.run(input, { ...options, onSuccessor })]
  while (successors.length > 0 && outcomes.length < limit) {
    const next = successors.shift()!
    outcomes.push(await lake.run(next.input, { ...options, runId: next.name, onSuccessor }))
  }
  return outcomes
}

describe('a workflow loop in which every file fails', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  async function lakeOfFailingFiles(): Promise<E2ELake> {
    const made = await createLake({ seed: 'none' })
    for (const key of FILES) await made.putRaw(key, THREE_ROWS)
    await made.putRaw('_contracts/prod.json', REJECT_ALL)
    return made
  }

  it('ends a sweep of one file per batch after one turn per file, with every file reported failed', async () => {
    // Prepare
    lake = await lakeOfFailingFiles()
    const { turns, wrap } = watch()

    // Act
    const outcome = await lake.run(undefined, { wrap, settings: { batchSize: 1 } })

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(failedKeys(outcome)).toEqual(FILES)
    expect(turns.plan).toBe(FILES.length + 1)
  })

  it('ends a drop of several keys, with every file reported failed', async () => {
    // Prepare
    lake = await lakeOfFailingFiles()
    const { turns, wrap } = watch(true)

    // Act
    const outcome = await lake.run({ trigger: 'object', keys: FILES }, { wrap, settings: { batchSize: 2 } })

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(outcome.report.files.map((f) => [f.key, f.outcome])).toEqual(FILES.map((k) => [k, 'failed']))
    expect(turns.plan).toBe(3)
  })

  it('ends a reprocess whose every file is quarantined, lists the failures and swaps in an empty table with every row in rejects', async () => {
    // Prepare: the files load without a contract, then a contract rejects every row.
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('prod/p.csv', THREE_ROWS)
    await lake.run()
    await lake.putRaw('_contracts/prod.json', REJECT_ALL)
    const { turns, wrap } = watch()

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { wrap })

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(outcome.failure?.cause).toContain('prod/p.csv')
    expect(outcome.report.files.map((f) => [f.key, f.outcome])).toEqual([['prod/p.csv', 'quarantined']])
    expect(turns.plan).toBe(2)
    expect(await lake.query('SELECT count(*) AS n FROM prod')).toEqual([{ n: 0 }])
    expect(await lake.query('SELECT source, line FROM prod__rejects ORDER BY line')).toEqual([2, 3, 4].map((line) => ({ source: 'prod/p.csv', line })))
  })

  it('ends a reprocess of one file per batch in which every file fails', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    for (const key of FILES) await lake.putRaw(key, THREE_ROWS)
    await lake.run()
    await lake.putRaw('_contracts/prod.json', REJECT_ALL)
    const { turns, wrap } = watch()

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { wrap, settings: { batchSize: 1 } })

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(failedKeys(outcome)).toEqual(FILES)
    expect(turns.plan).toBe(FILES.length + 1)
    expect(await lake.query('SELECT count(*) AS n FROM prod')).toEqual([{ n: 0 }])
    expect(await lake.query('SELECT count(*) AS n FROM prod__rejects')).toEqual([{ n: 9 }])
  })

  it('after a reprocess that quarantined a loaded file, status and the receipt both say quarantined', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('prod/p.csv', THREE_ROWS)
    await lake.run()
    await lake.putRaw('_contracts/prod.json', REJECT_ALL)

    // Act
    await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { wrap: watch().wrap })
    const [status] = await lakeStatus(lake.deps)
    const receipt = JSON.parse((await lake.deps.curated.readText(receiptKey('prod', fileId('prod/p.csv'))))!) as Receipt

    // Assess
    expect(receipt.status).toBe('quarantined')
    expect(status.quarantined.map((q) => q.key)).toEqual(['prod/p.csv'])
    expect(status.quarantined[0].reason).toContain('RejectThresholdError')
    expect(status.quarantined[0].reason).not.toContain('earlier load stays')
    expect([status.files, status.rows]).toEqual([0, 0])
  })

  it('ends a backlog handed to successor executions once each failing file was tried once', async () => {
    // Prepare: a cap of 2 files per execution, 3 files that fail at every try.
    lake = await lakeOfFailingFiles()
    const { turns, wrap } = watch(true)

    // Act
    const outcomes = await runChain(lake, { trigger: 'schedule' }, { wrap, settings: { batchSize: 1, maxFilesPerRun: 2 } })

    // Assess: the successor tries the file its predecessor did not reach, and ends.
    expect(outcomes.map((o) => [o.report.runId, failedKeys(o), o.report.successor ?? null, o.failure?.error])).toEqual([
      [outcomes[0].report.runId, ['prod/a.csv', 'prod/b.csv'], `${outcomes[0].report.runId}-c2`, 'FilesFailed'],
      [`${outcomes[0].report.runId}-c2`, ['prod/c.csv'], null, 'FilesFailed'],
    ])
    expect(turns.plan).toBeLessThanOrEqual(6)
  })

  it('ends a drop of more keys than an execution takes, handed to a successor, once each failing file was tried once', async () => {
    // Prepare
    lake = await lakeOfFailingFiles()
    const { turns, wrap } = watch(true)

    // Act
    const outcomes = await runChain(lake, { trigger: 'object', keys: FILES }, { wrap, settings: { batchSize: 1, maxFilesPerRun: 2 } })

    // Assess
    expect(outcomes.map((o) => failedKeys(o))).toEqual([['prod/a.csv', 'prod/b.csv'], ['prod/c.csv']])
    expect(outcomes.every((o) => o.failure?.error === 'FilesFailed')).toBe(true)
    expect(turns.plan).toBeLessThanOrEqual(6)
  })

  it('ends a reprocess handed to successor executions once each failing file was tried once', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    for (const key of FILES) await lake.putRaw(key, THREE_ROWS)
    await lake.run()
    const { turns, wrap } = watch(true)

    // Act
    const outcomes = await runChain(lake, { trigger: 'reprocess', dataset: 'prod' }, { wrap, settings: { batchSize: 1, maxFilesPerRun: 2 } })

    // Assess
    expect(outcomes.map((o) => failedKeys(o))).toEqual([['prod/a.csv', 'prod/b.csv'], ['prod/c.csv']])
    expect(outcomes.every((o) => o.failure?.error === 'FilesFailed')).toBe(true)
    expect(turns.plan).toBeLessThanOrEqual(6)
    expect(await lake.query('SELECT count(*) AS n FROM prod')).toEqual([{ n: 9 }])
  })
})
