import { describe, expect, it } from 'vitest'
import { fileId } from '../../functions/core/lake/lake-layout'
import type { LedgerRecord } from '../../functions/core/lake/ledger'
import { sumTotals, type FileReport, type RunReport } from '../../functions/core/lake/run-report'
import { emptyHistory, recordRun, runRow, RUN_HISTORY_LIMITS } from '../../functions/core/site/run-history'
import { datasetTotals, emptySummary, mergeFileEntry, mergeShard, mergeSummary, shardOf, shardTotals, type DatasetSummary, type FileShard, type FileUpdate, type RejectSample } from '../../functions/core/site/site-summary'

const head = (key: string, etag: string, rowsOut: number, committedAt: string, extra: Partial<LedgerRecord> = {}): LedgerRecord => ({
  key, dataset: 'orders', fileId: fileId(key), state: 'committed', etag, publishId: `p-${etag}`, runId: 'r', committedAt, outputs: [], replaced: [], rowsIn: rowsOut, rowsOut, rowsRejected: 0, ...extra,
})
const report = (key: string, outcome: FileReport['outcome'], rowsOut: number, etag: string): FileReport => ({ dataset: 'orders', key, etag, outcome, rowsIn: rowsOut, rowsOut, rowsRejected: 0, outputs: [] })
const sample = (source: string, line: number, errorCode = 'column_count'): RejectSample => ({ source, line, record: `r${line}`, errorCode, errorMessage: 'm' })

/** A Load's merge of updates into one shard and the summary, as update-summaries.ts does it. */
function merge(state: { shard?: FileShard; summary: DatasetSummary }, updates: FileUpdate[], samples: RejectSample[] = []) {
  // One shard holds every file here: what is tested is the merge, not the sharding.
  const entries = updates.map((u) => mergeFileEntry(state.shard?.files[u.report.key], u))
  const shard = mergeShard(state.shard, entries)
  const summary = mergeSummary(state.summary, { entries: entries.map((e) => shard.files[e.key]!), shards: { all: shardTotals(shard) }, samples, warnings: [] })
  return { shard, summary }
}

const start = () => ({ summary: emptySummary('orders') })
const loadA = (etag: string, rows: number, at: string, codes?: Record<string, number>): FileUpdate => ({ report: report('orders/a.csv', 'loaded', rows, etag), runId: `run-${etag}`, at, head: head('orders/a.csv', etag, rows, at, codes ? { rowsRejected: Object.values(codes).reduce((n, c) => n + c, 0) } : {}), ...(codes ? { rejectCodes: codes } : {}) })

describe('the site summaries Load keeps', () => {
  it('counts a replaced file by its new version only: its rows and rejects go down', () => {
    // Prepare
    const first = merge(start(), [loadA('e1', 10, '2024-07-01T06:00:00Z', { column_count: 3 })], [sample('orders/a.csv', 2), sample('orders/a.csv', 5)])

    // Act
    const second = merge(first, [loadA('e2', 4, '2024-07-02T06:00:00Z', {})])

    // Assess
    expect(datasetTotals(first.summary)).toMatchObject({ files: 1, rows: 10, rowsRejected: 3, rejectCodes: { column_count: 3 } })
    expect(datasetTotals(second.summary)).toMatchObject({ files: 1, rows: 4, rowsRejected: 0, rejectCodes: {} })
    expect(second.summary.samples).toEqual([])
  })

  it('drops a retracted file from the counts and lists it as retracted', () => {
    // Prepare
    const loaded = merge(start(), [loadA('e1', 10, '2024-07-01T06:00:00Z')])
    const retraction: FileUpdate = { report: report('orders/a.csv', 'retracted', 0, ''), runId: 'r2', at: '2024-07-02T06:00:00Z', head: head('orders/a.csv', '', 10, '2024-07-02T06:00:05Z', { state: 'retracted', publishId: '' }) }

    // Act
    const { summary, shard } = merge(loaded, [retraction])

    // Assess
    expect(datasetTotals(summary)).toMatchObject({ files: 0, rows: 0 })
    expect(summary.recent).toMatchObject([{ key: 'orders/a.csv', status: 'retracted' }])
    expect(shard.files['orders/a.csv']!.versions.map((v) => v.outcome)).toEqual(['loaded', 'retracted'])
  })

  it('gives the same entry and summary when a retried Load merges its batch again', () => {
    // Prepare
    const once = merge(start(), [loadA('e1', 10, '2024-07-01T06:00:00Z', { column_count: 1 })], [sample('orders/a.csv', 2)])

    // Act
    const twice = merge(once, [loadA('e1', 10, '2024-07-01T06:00:00Z', { column_count: 1 })], [sample('orders/a.csv', 2)])

    // Assess
    expect(twice.shard.files).toEqual(once.shard.files)
    expect({ ...twice.summary, shards: {} }).toEqual({ ...once.summary, shards: {} })
    expect(datasetTotals(twice.summary)).toEqual(datasetTotals(once.summary))
  })

  it('keeps the newer head when a slower Load merges an older version after it', () => {
    // Prepare
    const newer = merge(start(), [loadA('e2', 4, '2024-07-02T06:00:00Z')])

    // Act
    const { summary, shard } = merge(newer, [loadA('e1', 10, '2024-07-01T06:00:00Z')])

    // Assess
    expect(shard.files['orders/a.csv']!.head).toMatchObject({ etag: 'e2', rowsOut: 4 })
    expect(datasetTotals(summary).rows).toBe(4)
  })

  it('keeps the newest totals of a shard whatever order the summary merges land in', () => {
    // Prepare
    const shard1 = mergeShard(undefined, [mergeFileEntry(undefined, loadA('e1', 10, '2024-07-01T06:00:00Z'))])
    const shard2 = mergeShard(shard1, [mergeFileEntry(shard1.files['orders/a.csv'], loadA('e2', 4, '2024-07-02T06:00:00Z'))])
    const id = shardOf(fileId('orders/a.csv'))

    // Act
    const later = mergeSummary(emptySummary('orders'), { entries: [], shards: { [id]: shardTotals(shard2) }, samples: [], warnings: [] })
    const late = mergeSummary(later, { entries: [], shards: { [id]: shardTotals(shard1) }, samples: [], warnings: [] })

    // Assess
    expect(datasetTotals(late).rows).toBe(4)
  })

  it('keeps the first five rejected rows of each code, by file and line', () => {
    // Prepare
    const b: FileUpdate = { report: report('orders/b.csv', 'loaded', 1, 'e1'), runId: 'r1', at: '2024-07-01T06:00:00Z', head: { ...head('orders/b.csv', 'e1', 1, '2024-07-01T06:00:00Z') }, rejectCodes: { column_count: 4, bad_date: 1 } }
    const rows = [9, 3, 7, 1, 5, 11].map((line) => sample('orders/a.csv', line))

    // Act
    const { summary } = merge(start(), [loadA('e1', 1, '2024-07-01T06:00:00Z', { column_count: 6 }), b], [...rows, sample('orders/b.csv', 2), sample('orders/b.csv', 4, 'bad_date')])

    // Assess
    expect(summary.samples.filter((s) => s.errorCode === 'column_count').map((s) => `${s.source}:${s.line}`)).toEqual(['orders/a.csv:1', 'orders/a.csv:3', 'orders/a.csv:5', 'orders/a.csv:7', 'orders/a.csv:9'])
    expect(summary.samples.filter((s) => s.errorCode === 'bad_date')).toHaveLength(1)
  })
})

describe('the run history', () => {
  const run = (n: number): RunReport => ({ runId: `r${String(n).padStart(3, '0')}`, trigger: 'schedule', ingestDate: '2024-07-01', startedAt: new Date(Date.UTC(2024, 6, 1, 0, n)).toISOString(), updatedAt: '', status: 'succeeded', files: [], totals: sumTotals([], 0) })

  it('cuts the oldest runs into a page once the index would show too many, and keeps a bounded list', () => {
    // Prepare
    const { latest, page } = RUN_HISTORY_LIMITS
    let history = emptyHistory()

    // Act
    for (let n = 1; n <= latest + 2 * page; n++) history = recordRun(history, runRow(run(n), { orders: n }))

    // Assess
    expect(history.pages).toBe(2)
    expect(history.archived.map((p) => [p.page, p.runs[0]!.runId, p.runs.length, p.cutBy])).toEqual([[1, 'r001', page, `r0${latest + page}`], [2, `r0${page + 1}`, page, `r0${latest + 2 * page}`]])
    expect(history.runs).toHaveLength(latest)
    expect(history.runs[0]!.runId).toBe(`r0${2 * page + 1}`)
  })

  it('replaces the row of a run reported again, and carries the rows of datasets it did not load', () => {
    // Prepare
    let history = recordRun(emptyHistory(), runRow(run(1), { orders: 10, customers: 3 }))
    history = recordRun(history, runRow(run(2), { orders: 12 }))

    // Act
    history = recordRun(history, runRow({ ...run(2), status: 'failed' }, { orders: 14 }))

    // Assess
    expect(history.runs.map((r) => [r.runId, r.status, r.rows])).toEqual([['r001', 'succeeded', { orders: 10, customers: 3 }], ['r002', 'failed', { orders: 14, customers: 3 }]])
  })
})
