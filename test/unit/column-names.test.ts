import { describe, expect, it } from 'vitest'
import { MAX_COLUMN_NAME_LENGTH, normalizeColumnName, normalizeHeader } from '../../functions/core/schema/column-names'

describe('normalizeColumnName', () => {
  it.each([
    ['Order ID', 'order_id'],
    ['orderDate', 'order_date'],
    ['HTTPStatus', 'http_status'],
    ['  Amount (EUR) ', 'amount_eur'],
    ['Größe', 'grosse'],
    ['Zürich café', 'zurich_cafe'],
    ['2024 sales', 'col_2024_sales'],
    ['a--b__c', 'a_b_c'],
    ['_private_', 'private'],
    ['%', ''],
  ])('turns %j into %j', (header, expected) => {
    expect(normalizeColumnName(header)).toBe(expected)
  })

  it('cuts names to 255 characters', () => {
    const name = normalizeColumnName('x'.repeat(300))
    expect(name).toHaveLength(MAX_COLUMN_NAME_LENGTH)
  })
})

describe('normalizeHeader', () => {
  it('names empty headers by their 1-based position', () => {
    expect(normalizeHeader(['id', '', '%%'])).toEqual(['id', 'col_2', 'col_3'])
  })

  it('suffixes duplicates in order of appearance', () => {
    expect(normalizeHeader(['Name', 'name', 'NAME'])).toEqual(['name', 'name_2', 'name_3'])
  })

  it('never gives a duplicate the name another column already has', () => {
    expect(normalizeHeader(['a', 'a', 'a_2'])).toEqual(['a', 'a_3', 'a_2'])
  })

  it('keeps suffixed duplicates of a 255-character name within 255 characters', () => {
    const long = 'y'.repeat(300)
    const [first, second] = normalizeHeader([long, long])
    expect(second).toHaveLength(MAX_COLUMN_NAME_LENGTH)
    expect(second.endsWith('_2')).toBe(true)
    expect(second).not.toBe(first)
  })
})
