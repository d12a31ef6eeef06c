import { describe, expect, it } from 'vitest'
import { athenaTypeName } from '../../functions/core/schema/athena-types'
import { ColumnTypeAccumulator, classifyValue } from '../../functions/core/schema/infer-column-type'

/** Infers a column from its cell texts, as the engine does for non-null cells. */
function infer(values: string[]): string {
  const acc = new ColumnTypeAccumulator()
  for (const v of values) acc.add(classifyValue(v))
  return athenaTypeName(acc.type)
}

describe('type inference', () => {
  it.each([
    [['1', '-2', '3'], 'bigint'],
    [['1', '+3'], 'string'],
    [['+318855443322'], 'string'],
    [['2147483647', '-2147483648'], 'bigint'],
    [['2147483648'], 'bigint'],
    [['9007199254740993', '1'], 'bigint'],
    [['9223372036854775807'], 'bigint'],
    [['9223372036854775808'], 'decimal(38,0)'],
    [['1'.repeat(39)], 'string'],
    [['12.50', '3.1'], 'decimal(18,2)'],
    [['0.001'], 'decimal(18,4)'],
    [['1', '2.5'], 'decimal(18,2)'],
    [['7.125', '1.00'], 'decimal(18,4)'],
    [['.097', '5.'], 'decimal(18,4)'],
    [['-.5'], 'decimal(18,2)'],
    [['0.1234567'], 'decimal(18,9)'],
    [['123456789012345678', '0.5'], 'decimal(38,2)'],
    [['9223372036854775807', '0.5'], 'decimal(38,2)'],
    [['1.5e3', '2'], 'double'],
    [['7.02608E+17', '702608123456789012'], 'bigint'],
    [['7.02608E+17', '123456789012345'], 'double'],
    [['1.5e3', '0.123456789012345678'], 'decimal(18,18)'],
    [['1e3', '100000000000000000000'], 'double'],
    [['NaN', '1.25'], 'double'],
    [['007', '8'], 'string'],
    [['true', 'FALSE', 'True'], 'boolean'],
    [['1', 'true'], 'string'],
    [['2024-02-29'], 'date'],
    [['2023-02-29'], 'string'],
    [['2024-01-01', '2024-01-01T10:00:00Z'], 'timestamp'],
    [['2024-01-01 10:00', '2024-01-01T10:00:00.123456+02:00'], 'timestamp'],
    [['2024-01-01T10:00:00.1234567Z'], 'string'],
    [['2024-01-01', '5'], 'string'],
    [[], 'string'],
  ])('infers %j as %s', (values, expected) => {
    expect(infer(values)).toBe(expected)
  })

  it('never narrows once widened', () => {
    expect(infer(['1.5', '1', '2'])).toBe('decimal(18,2)')
    expect(infer(['x', '1'])).toBe('string')
  })

  it('gives up on decimal past 38 digits rather than lose digits', () => {
    expect(infer(['1234567890123456789012345678901234567', '0.12'])).toBe('string')
  })
})
