import { describe, expect, it } from 'vitest'
import { fileId } from '../../functions/core/lake/lake-layout'
import { parseLedgerKey, quarantineKey, versionId } from '../../functions/core/lake/ledger'
import { planBatch } from '../../functions/core/lake/plan-files'
import { failureFacts, isQuarantined } from '../../functions/core/lake/quarantine'

const sources = (quarantined: string[]) => ({
  objects: [{ key: 'returns/a.csv', etag: 'e1', size: 10 }, { key: 'returns/b.csv', etag: 'e2', size: 10 }],
  gone: [],
  committed: new Set<string>(),
  intents: new Set<string>(),
  quarantined: new Set(quarantined),
  doneInRun: new Set<string>(),
  batchSize: 500,
  maxBatchBytes: 96 * 1024,
})

describe('quarantine', () => {
  it('names a quarantined version in the ledger so that the listing tells it apart from a committed one', () => {
    const id = fileId('returns/a.csv')
    expect(parseLedgerKey(quarantineKey('returns', id, 'e1'))).toEqual({ kind: 'quarantined', fileId: id, version: versionId('e1') })
  })

  it('leaves a quarantined version out of the plan, and plans another version of the same file', () => {
    const a = `${fileId('returns/a.csv')}--${versionId('e1')}`
    const batch = planBatch(sources([a]))
    const changed = planBatch({ ...sources([a]), objects: [{ key: 'returns/a.csv', etag: 'e3', size: 10 }] })
    expect(batch.items.map((i) => i.key)).toEqual(['returns/b.csv'])
    expect(batch.quarantined).toBe(1)
    expect(changed.items.map((i) => i.key)).toEqual(['returns/a.csv'])
  })

  it('quarantines failures a retry cannot change, and retries storage errors, timeouts and invalid contracts', () => {
    expect(['RejectThresholdError', 'BinaryInputError', 'EncodingError', 'CsvFormatError', 'ContractViolationError'].every(isQuarantined)).toBe(true)
    expect(['TransientStorageError', 'States.Timeout', 'ContractInvalidError', 'Error'].some(isQuarantined)).toBe(false)
  })

  it('reads the rows and the field counts a failure message gives', () => {
    expect(failureFacts('rejects: 6 of 10 rows of returns/a.csv were rejected (60.00%, threshold 5.00%); codes {"column_count":6}; first at line 3')).toEqual({ rowsIn: 10, rowsRejected: 6 })
    expect(failureFacts('rejects: 4 of 9 rows were rejected; first at line 2: csv: expected 7 fields, found 4')).toEqual({ rowsIn: 9, rowsRejected: 4, fieldCounts: { expected: 7, found: 4 } })
    expect(failureFacts('binary: not text')).toEqual({ rowsIn: 0, rowsRejected: 0 })
  })
})
