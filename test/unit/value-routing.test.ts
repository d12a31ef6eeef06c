import { describe, expect, it } from 'vitest'
import { athenaTypeName, parseAthenaType } from '../../functions/core/schema/athena-types'
import { ColumnInference, routeValue } from '../../functions/core/schema/value-routing'
import { contractWriteType, convertValue } from '../../functions/core/schema/contract-on-table'
import { ContractViolationError } from '../../functions/core/errors'

const t = (name: string) => parseAthenaType(name)!

/** The typing a file's values give a column: its type name, and whether it writes a variant. */
function infer(table: string | undefined, values: string[]): [string, boolean] {
  const inference = new ColumnInference(table ? t(table) : undefined)
  for (const v of values) inference.add(v)
  const { type, variant } = inference.typing
  return [athenaTypeName(type), variant]
}

describe('the typing of a column the table already has', () => {
  it.each([
    ['decimal(18,2)', ['1.5', '2.25'], 'decimal(18,2)', false],
    ['decimal(18,2)', ['7.125', '1.00'], 'decimal(29,9)', false],
    ['decimal(18,2)', ['1.5', '--', '2.5'], 'decimal(18,2)', true],
    ['decimal(18,2)', ['1e5', '2.5'], 'decimal(18,2)', true],
    ['decimal(12,2)', ['1.5'], 'decimal(12,2)', false],
    ['bigint', ['1', '007'], 'bigint', true],
    ['bigint', ['1', '+7'], 'bigint', true],
    ['bigint', ['1', '2.5'], 'decimal(29,9)', false],
    ['int', ['1', '2'], 'int', false],
    ['int', ['1', '3000000000'], 'bigint', false],
    ['double', ['1.5', '1e5', '12345'], 'double', false],
    ['double', ['1.5', '702608123456789012'], 'double', true],
    ['date', ['2024-01-01', '2024-01-01T10:00:00Z'], 'timestamp', false],
    ['date', ['2024-01-01', 'soon'], 'date', true],
    ['boolean', ['true', '1'], 'boolean', true],
    ['string', ['x', '1'], 'string', false],
  ])('%s with %j writes %s, variant %s', (table, values, type, variant) => {
    expect(infer(table, values)).toEqual([type, variant])
  })
})

describe('the typing of a new column', () => {
  it.each([
    [['1.5', '--'], 'string', false],
    [['702608123456789012', '7.02608E+17'], 'bigint', true],
    [['123456789012345', '7.02608E+17'], 'double', false],
    [['0.123456789012345678', '1e-3'], 'decimal(18,18)', true],
    [['+318855443322'], 'string', false],
  ])('%j gives %s, variant %s', (values, type, variant) => {
    expect(infer(undefined, values)).toEqual([type, variant])
  })
})

describe('where a value goes', () => {
  it('keeps a value that fits in the column, sends one that fits no widening to the variant, and restarts for the rest', () => {
    const odds = { type: t('decimal(18,2)'), variant: true }
    expect(routeValue(odds, t('decimal(18,2)'), '2.5')).toEqual({ to: 'column' })
    expect(routeValue(odds, t('decimal(18,2)'), '--')).toEqual({ to: 'variant' })
    expect(routeValue(odds, t('decimal(18,2)'), '7.125')).toEqual({ to: 'restart', typing: { type: t('decimal(29,9)'), variant: true } })
    expect(routeValue({ type: t('decimal(18,2)'), variant: false }, t('decimal(18,2)'), '--')).toEqual({ to: 'restart', typing: { type: t('decimal(18,2)'), variant: true } })
  })

  it('restarts a new column for any value that changes its type, and sends exponent values of an exact column with a variant there', () => {
    expect(routeValue({ type: t('bigint'), variant: false }, undefined, 'x')).toEqual({ to: 'restart', typing: { type: t('string'), variant: false } })
    expect(routeValue({ type: t('bigint'), variant: true }, undefined, '7.02608E+17')).toEqual({ to: 'variant' })
    expect(routeValue({ type: t('bigint'), variant: false }, undefined, '7.02608E+17')).toEqual({ to: 'restart', typing: { type: t('bigint'), variant: true } })
  })
})

describe('a contract column on a table that has it', () => {
  it.each([
    ['int', 'bigint', 'bigint'],
    ['decimal(12,2)', 'decimal(18,2)', 'decimal(18,2)'],
    ['bigint', 'int', 'bigint'],
    ['decimal(18,4)', 'decimal(18,2)', 'decimal(29,9)'],
    ['date', 'timestamp', 'timestamp'],
    ['string', undefined, 'string'],
  ])('declared %s on a %s column writes %s', (declared, table, written) => {
    expect(athenaTypeName(contractWriteType('c', t(declared), table ? t(table) : undefined, 'orders', 'orders/a.csv'))).toBe(written)
  })

  it('fails on a real conflict naming the column, both types and the command that rebuilds the dataset', () => {
    expect(() => contractWriteType('total', t('double'), t('decimal(18,2)'), 'orders', 'orders/a.csv')).toThrow(ContractViolationError)
    expect(() => contractWriteType('total', t('double'), t('decimal(18,2)'), 'orders', 'orders/a.csv')).toThrow(
      /column total is declared double but the table orders holds it as decimal\(18,2\).*orders\/a\.csv.*sluice reprocess orders/,
    )
  })

  it('converts declared values to the written type exactly', () => {
    expect(convertValue(1995, t('decimal(12,2)'), t('decimal(38,4)'))).toBe(199500)
    expect(convertValue(9_007_199_254_740_991, t('bigint'), t('decimal(38,2)'))).toBe(900719925474099100n)
    expect(convertValue(7, t('int'), t('bigint'))).toBe(7)
    expect(convertValue(19723, t('date'), t('timestamp'))).toBe(19723 * 86_400_000_000)
  })
})
