import { describe, expect, it } from 'vitest'
import { recordTextShown, withoutRecordText } from '../../functions/core/site/record-text'

describe('record text on the status site', () => {
  it('is shown only when both the deployment and the dataset\'s contract opt in', () => {
    const optIn = { site: { recordText: true } }
    expect(recordTextShown(true, optIn)).toBe(true)
    expect([recordTextShown(false, optIn), recordTextShown(undefined, optIn), recordTextShown(true, undefined), recordTextShown(true, {}), recordTextShown(true, { site: { recordText: false } })]).toEqual([false, false, false, false, false])
  })

  it('leaves out the record and every value its message quotes, and keeps file, line, column, code and wording', () => {
    // Prepare
    const samples = [
      { source: 'people/p.csv', line: 3, record: '2,Zelda,forty-two', errorCode: 'type_mismatch', errorMessage: 'type: "forty-two" is not a int', column: 'age' },
      { source: 'people/p.csv', line: 4, record: '3,"Bob', errorCode: 'malformed', errorMessage: 'csv: Invalid Opening Quote: a quote is found on field 1 at line 4, value is "\\"Bob \\\\ x" (people/p.csv)' },
      { source: 'people/p.csv', line: 5, record: '4,Cy', errorCode: 'column_count', errorMessage: 'csv: expected 3 fields, found 2' },
    ]

    // Act
    const shown = samples.map(withoutRecordText)

    // Assess
    expect(shown).toEqual([
      { source: 'people/p.csv', line: 3, errorCode: 'type_mismatch', errorMessage: 'type: "…" is not a int', column: 'age' },
      { source: 'people/p.csv', line: 4, errorCode: 'malformed', errorMessage: 'csv: Invalid Opening Quote: a quote is found on field 1 at line 4, value is "…" (people/p.csv)' },
      { source: 'people/p.csv', line: 5, errorCode: 'column_count', errorMessage: 'csv: expected 3 fields, found 2' },
    ])
    expect(shown.map(withoutRecordText)).toEqual(shown)
  })
})
