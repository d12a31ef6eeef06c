import { describe, expect, it } from 'vitest'
import { formatRunSummary } from '../../cli/run-summary'
import type { FileReport, RunReport } from '../../functions/core/lake/run-report'

const file = (key: string, outcome: FileReport['outcome'], rowsIn: number, rowsRejected = 0, reason?: string): FileReport => ({
  dataset: key.split('/')[0]!,
  key,
  etag: 'e',
  outcome,
  rowsIn: outcome === 'failed' ? 0 : rowsIn,
  rowsOut: outcome === 'failed' ? 0 : rowsIn - rowsRejected,
  rowsRejected,
  outputs: [],
  ...(reason ? { reason } : {}),
})

function report(files: FileReport[]): RunReport {
  const sum = (f: (x: FileReport) => number) => files.reduce((s, x) => s + f(x), 0)
  const count = (o: FileReport['outcome']) => files.filter((f) => f.outcome === o).length
  return {
    runId: 'run-1',
    trigger: 'schedule',
    ingestDate: '2024-07-01',
    startedAt: '2024-07-01T06:00:00.000Z',
    updatedAt: '2024-07-01T06:01:00.000Z',
    status: count('failed') > 0 ? 'failed' : 'succeeded',
    files,
    totals: { files: files.length, loaded: count('loaded'), empty: count('empty'), failed: count('failed'), skipped: 0, superseded: 0, retracted: 0, pending: 0, rowsRetracted: 0, rowsIn: sum((f) => f.rowsIn), rowsOut: sum((f) => f.rowsOut), rowsRejected: sum((f) => f.rowsRejected) },
  }
}

const FILES = [
  ...Array.from({ length: 200 }, (_, i) => file(`orders/part-${i}.csv`, 'loaded', 10)),
  file('orders/bad.csv', 'failed', 0, 0, 'RejectThresholdError: too many rejects'),
  file('payments/p.csv', 'loaded', 10, 1),
  file('customers/c.csv', 'empty', 0),
]

describe('the run summary', () => {
  it('gives totals per dataset first, then only the failed and rejecting files', () => {
    // Act
    const text = formatRunSummary(report(FILES))

    // Assess
    expect(text.split('\n').slice(0, 5)).toEqual([
      'dataset    files  loaded  failed  rows in  rows loaded  rejected',
      '---------  -----  ------  ------  -------  -----------  --------',
      'customers      1       1       0        0            0         0',
      'orders       201     200       1     2000         2000         0',
      'payments       1       1       0       10            9         1',
    ])
    expect(text).toContain('orders/bad.csv')
    expect(text).toContain('payments/p.csv')
    expect(text).not.toContain('orders/part-0.csv')
    expect(text).toContain('201 file(s) loaded without rejects are not listed (--all lists every file)')
    expect(text.split('\n').length).toBeLessThan(20)
  })

  it('counts quarantined files apart from failed ones, in a column of their own', () => {
    // Act
    const text = formatRunSummary(report([file('prod/p.csv', 'quarantined', 3, 3, 'RejectThresholdError: rejects: 3 of 3 rows'), file('prod/q.csv', 'loaded', 2)]))

    // Assess
    expect(text.split('\n')[0]).toBe('dataset  files  loaded  failed  quarantined  rows in  rows loaded  rejected')
    expect(text.split('\n')[2]).toMatch(/^prod\s+2\s+1\s+0\s+1\s+5\s+2\s+3$/)
  })

  it('lists every file with all', () => {
    // Act
    const text = formatRunSummary(report(FILES), { all: true })

    // Assess
    for (const f of FILES) expect(text).toContain(f.key)
    expect(text).not.toContain('not listed')
  })
})

describe('the run summary of a file with values in variant columns', () => {
  it('lists the file with a distinct outcome, counts the values per dataset and in the totals', () => {
    // Prepare
    const withVariants = { ...file('races/day-2.csv', 'loaded', 40), variantValues: 1, warnings: ['variant: 1 value(s) of column win_odds fit neither its type decimal(18,2) nor a widening of it, first at line 18'] }
    const clean = file('races/day-1.csv', 'loaded', 40)

    // Act
    const text = formatRunSummary(report([clean, withVariants]))

    // Assess
    expect(text.split('\n')[0]).toBe('dataset  files  loaded  failed  rows in  rows loaded  rejected  to __string')
    expect(text.split('\n')[2]).toMatch(/^races\s+2\s+2\s+0\s+80\s+80\s+0\s+1$/)
    expect(text).toMatch(/races\/day-2\.csv\s+loaded, 1 to __string\s+40\s+40\s+0\s+variant: 1 value\(s\) of column win_odds/)
    expect(text).not.toContain('races/day-1.csv')
    expect(text).toContain("1 value(s) fit neither their column's type nor a widening of it and went to __string variant columns")
  })
})

describe('the run summary of files with warnings', () => {
  it('lists a file that loaded cleanly but with warnings, with them, and counts such files in the totals', () => {
    // Prepare
    const warned = { ...file('sales/q1.csv', 'loaded', 12), warnings: ['encoding: no BOM and not UTF-8; read as windows-1252 (add "encoding": "windows-1252" to the contract)'] }
    const failed = { ...file('sales/q2.csv', 'failed', 0, 0, 'CsvFormatError: unterminated quote at line 4'), warnings: ['header: line 1 is a title row, skipped'] }

    // Act
    const text = formatRunSummary(report([file('sales/q0.csv', 'loaded', 12), warned, failed]))

    // Assess
    expect(text).toMatch(/sales\/q1\.csv\s+loaded\s+12\s+12\s+0\s+encoding: no BOM and not UTF-8; read as windows-1252/)
    expect(text).toContain('CsvFormatError: unterminated quote at line 4; header: line 1 is a title row, skipped')
    expect(text).not.toContain('sales/q0.csv')
    expect(text).toContain('2 file(s) with warnings (listed above)')
  })
})
