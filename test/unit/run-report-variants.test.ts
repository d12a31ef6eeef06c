import { describe, expect, it } from 'vitest'
import { mergeRunReport, type FileReport } from '../../functions/core/lake/run-report'
import { variantWarning } from '../../functions/core/transform/file-outcome'

const base = { runId: 'r1', trigger: 'schedule' as const, ingestDate: '2024-07-01', startedAt: '2024-07-01T06:00:00Z', updatedAt: '2024-07-01T06:01:00Z' }
const loaded = (key: string, warnings: string[]): FileReport => ({ dataset: 'races', key, etag: 'e', outcome: 'loaded', rowsIn: 40, rowsOut: 40, rowsRejected: 0, outputs: [], ...(warnings.length ? { warnings } : {}) })

describe('variant values in the run report', () => {
  it('counts each file\'s values in variant columns from its warnings, and adds them up in the totals', () => {
    // Prepare: warnings as the transform words them.
    const one = variantWarning('win_odds', 'decimal(18,2)', { values: 1, firstLine: 14 }, true)
    const three = variantWarning('id', 'bigint', { values: 3, firstLine: 11 }, false)

    // Act
    const report = mergeRunReport(undefined, base, [loaded('races/a.csv', [one, three]), loaded('races/b.csv', [])], 0, 0)

    // Assess
    expect(report.files.map((f) => f.variantValues)).toEqual([4, undefined])
    expect(report.totals.variantValues).toBe(4)
    expect(report.status).toBe('succeeded')
  })

  it('is not confused by other warnings', () => {
    // Act
    const report = mergeRunReport(undefined, base, [loaded('races/a.csv', ['columns not in the contract were kept with inferred types: variant'])], 0, 0)

    // Assess
    expect(report.files[0]?.variantValues).toBeUndefined()
    expect(report.totals.variantValues).toBe(0)
  })

  it('keeps the transform\'s warning and its count in step', () => {
    expect(variantWarning('amount', 'decimal(18,2)', { values: 12, firstLine: 3 }, true)).toMatch(/^variant: 12 value\(s\) of column amount /)
  })
})
