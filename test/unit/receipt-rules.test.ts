import { describe, expect, it } from 'vitest'
import { MAX_TAGS, mergeTags, receiptOf, receiptTags, tagValue } from '../../functions/core/lake/receipt'
import type { FileReport } from '../../functions/core/lake/run-report'

const AT = new Date('2024-07-01T06:00:00.000Z')

function report(outcome: FileReport['outcome'], more: Partial<FileReport> = {}): FileReport {
  return { dataset: 'orders', key: 'orders/a.csv', etag: '"0f3c-2"', outcome, rowsIn: 10, rowsOut: 8, rowsRejected: 2, outputs: [], ...more }
}

describe('receipts', () => {
  it('gives a receipt for each outcome that settles a file, and none for a skipped or superseded version', () => {
    // Act
    const statuses = (['loaded', 'empty', 'failed', 'quarantined', 'retracted', 'skipped', 'superseded'] as const).map((o) => receiptOf(report(o), 'run-1', AT)?.status)

    // Assess
    expect(statuses).toEqual(['loaded', 'empty', 'failed', 'quarantined', 'retracted', undefined, undefined])
  })

  it('carries the counts, reason, warnings and queries of the report', () => {
    // Prepare
    const queries = { rows: "SELECT * FROM orders WHERE _sluice_source = 'orders/a.csv'", rejects: "SELECT * FROM orders__rejects WHERE source = 'orders/a.csv' ORDER BY line" }

    // Act
    const loaded = receiptOf(report('loaded', { queries, warnings: ['column x: 2 values widened'] }), 'run-1', AT)
    const failed = receiptOf(report('failed', { rowsOut: 0, reason: 'RejectThresholdError: too many rejects' }), 'run-1', AT)

    // Assess
    expect(loaded).toEqual({
      key: 'orders/a.csv', dataset: 'orders', etag: '"0f3c-2"', status: 'loaded', runId: 'run-1', at: AT.toISOString(),
      rowsIn: 10, rowsLoaded: 8, rowsRejected: 2, warnings: ['column x: 2 values widened'], queries,
    })
    expect(failed).toMatchObject({ status: 'failed', rowsLoaded: 0, reason: 'RejectThresholdError: too many rejects', warnings: [] })
    expect(failed).not.toHaveProperty('queries')
  })

  it('keeps tag values to the characters and length S3 allows', () => {
    // Act
    const values = [tagValue('"0f3c-2"'), tagValue('run 2024-07-01T06:00:00Z/a+b=c@d'), tagValue('x'.repeat(300)), tagValue('größe, €')]

    // Assess
    expect(values).toEqual(['_0f3c-2_', 'run 2024-07-01T06:00:00Z/a+b=c@d', 'x'.repeat(256), 'größe_ _'])
  })

  it('tags status, rows loaded, rows rejected, run and version', () => {
    // Act
    const tags = receiptTags(receiptOf(report('loaded'), 'sched-1', AT)!)

    // Assess
    expect(tags).toEqual([['sluice-status', 'loaded'], ['sluice-rows-loaded', '8'], ['sluice-rows-rejected', '2'], ['sluice-run', 'sched-1'], ['sluice-version', '_0f3c-2_']])
  })

  it("keeps the uploader's tags, replaces an earlier receipt's, and stays within ten", () => {
    // Prepare
    const ours = receiptTags(receiptOf(report('loaded'), 'run-2', AT)!)
    const theirs = Array.from({ length: 7 }, (_, i) => [`team-${i}`, `v${i}`] as [string, string])

    // Act
    const merged = mergeTags([...theirs, ['sluice-status', 'failed'], ['sluice-run', 'run-1']], ours)

    // Assess
    expect(merged).toHaveLength(MAX_TAGS)
    expect(merged.slice(0, 7)).toEqual(theirs)
    expect(merged.slice(7)).toEqual(ours.slice(0, 3))
    expect(mergeTags([['owner', 'ann']], ours)).toEqual([['owner', 'ann'], ...ours])
  })
})
