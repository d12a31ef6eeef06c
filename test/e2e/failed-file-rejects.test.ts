import { afterEach, describe, expect, it } from 'vitest'
import { releaseQuarantine } from '../../cli/ops/retry-file'
import { lakeStatus } from '../../cli/ops/lake-status'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

const DAY = 24 * 3600 * 1000
const day = (n: number) => new Date(START_TIME.getTime() + n * DAY)
/**
 * Three data rows, each with the wrong number of fields (lines 2, 3 and 4): under the minimum of
 * 10 rejected rows, a file fails its threshold only when every row is rejected.
 */
const BAD = 'return_id,order_id,reason\n2,50002\n3,50003\n4,50004,late,x\n'
const GOOD = 'return_id,order_id,reason\n1,50001,damaged\n2,50002,late\n'
const KEY = 'returns/returns.csv'

describe('a file over its reject threshold', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  const rejects = async () => (await lake!.query(`SELECT line, error_code, error_message FROM returns__rejects WHERE source = '${KEY}' ORDER BY line`)) as { line: number; error_code: string; error_message: string }[]
  const fileRow = (outcome: Awaited<ReturnType<E2ELake['run']>>) => outcome.report.files.find((f) => f.key === KEY)

  it('keeps every bad line queryable, reports its real rows and field counts, and is not retried until it changes', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw(KEY, BAD)

    // Act
    const first = await lake.run(undefined, { startTime: day(0) })
    const again = await lake.run(undefined, { startTime: day(1) })

    // Assess
    expect(fileRow(first)).toMatchObject({ outcome: 'quarantined', rowsIn: 3, rowsOut: 0, rowsRejected: 3 })
    expect(fileRow(first)!.reason).toContain('column_count: expected 3 fields, found 2 on 2 row(s)')
    expect(fileRow(first)!.queries?.rejects).toContain('returns__rejects')
    expect(await rejects()).toEqual([
      { line: 2, error_code: 'column_count', error_message: 'csv: expected 3 fields, found 2' },
      { line: 3, error_code: 'column_count', error_message: 'csv: expected 3 fields, found 2' },
      { line: 4, error_code: 'column_count', error_message: 'csv: expected 3 fields, found 4' },
    ])
    expect(fileRow(again)).toBeUndefined()
    expect((await lakeStatus(lake.deps)).find((s) => s.dataset === 'returns')!.quarantined.map((q) => q.key)).toEqual([KEY])
    expect(await lakeFindings(lake.deps, [])).toEqual(CONSISTENT)
  })

  it('replaces the rows of the version it replaced; a retry keeps its rejects once; a fix loads it and removes them', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw(KEY, GOOD)
    await lake.run(undefined, { startTime: day(0) })
    expect(await lake.query('SELECT count(*)::INT AS n FROM returns')).toEqual([{ n: 2 }])

    // Act: a bad version, then a retry of it, then a fixed version
    await lake.putRaw(KEY, BAD)
    const failed = await lake.run(undefined, { startTime: day(1) })
    const afterFailure = { rows: await lake.query('SELECT count(*)::INT AS n FROM returns'), rejects: (await rejects()).length }
    await releaseQuarantine(lake.deps.curated, KEY)
    const retried = await lake.run(undefined, { startTime: day(2) })
    const afterRetry = (await rejects()).length
    await lake.putRaw(KEY, GOOD.replace('late', 'lost'))
    const fixed = await lake.run(undefined, { startTime: day(3) })

    // Assess
    expect(fileRow(failed)?.outcome).toBe('quarantined')
    expect(afterFailure).toEqual({ rows: [{ n: 0 }], rejects: 3 })
    expect(fileRow(retried)?.outcome).toBe('quarantined')
    expect(afterRetry).toBe(3)
    expect(fileRow(fixed)).toMatchObject({ outcome: 'loaded', rowsOut: 2, rowsRejected: 0 })
    expect(await rejects()).toEqual([])
    expect(await lake.query('SELECT reason FROM returns ORDER BY return_id')).toEqual([{ reason: 'damaged' }, { reason: 'lost' }])
    expect((await lakeStatus(lake.deps)).find((s) => s.dataset === 'returns')!.quarantined).toEqual([])
    expect(await lakeFindings(lake.deps, [KEY])).toEqual(CONSISTENT)
  })

  it('takes its rejects and its quarantine along when the raw file is deleted', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw(KEY, BAD)
    await lake.run(undefined, { startTime: day(0) })

    // Act
    await lake.deleteRaw(KEY)
    const swept = await lake.run(undefined, { startTime: day(1) })
    const later = await lake.run(undefined, { startTime: day(2) })

    // Assess
    expect(fileRow(swept)).toMatchObject({ outcome: 'retracted' })
    expect(await rejects()).toEqual([])
    expect(fileRow(later)).toBeUndefined()
    const ledger = await lake.curatedKeys('_ledger/returns/')
    // The head (retracted) and the file's receipt are all that stay: no quarantine record.
    expect(ledger).toEqual([expect.stringMatching(/^_ledger\/returns\/[0-9a-f]+\.json$/), expect.stringMatching(/\.receipt\.json$/)])
    expect(JSON.parse((await lake.deps.curated.readText(ledger[1]!))!)).toMatchObject({ key: KEY, status: 'retracted' })
    expect(await lakeFindings(lake.deps, [])).toEqual(CONSISTENT)
  })
})
