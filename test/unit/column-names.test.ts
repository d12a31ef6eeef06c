import { describe, expect, it } from 'vitest'
import { MAX_COLUMN_NAME_LENGTH, normalizeColumnName, normalizeHeader, normalizeHeaderNames } from '../../functions/core/schema/column-names'

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

  it('suffixes identical headers in order of appearance', () => {
    expect(normalizeHeader(['name', 'name', 'name'])).toEqual(['name', 'name_2', 'name_3'])
  })

  it('names colliding headers by their text, whatever their order, with a warning', () => {
    // Prepare: two files with the same two headers in swapped order.
    const a = normalizeHeaderNames(['Amount', 'amount'])
    const b = normalizeHeaderNames(['amount', 'Amount'])

    // Assess: the exact lower-case header keeps the name; the other gets one from its text.
    expect(a.names[1]).toBe('amount')
    expect(b.names[0]).toBe('amount')
    expect(a.names[0]).toMatch(/^amount_h[0-9a-f]{6}$/)
    expect(b.names[1]).toBe(a.names[0])
    expect(a.collisions).toHaveLength(1)
    expect(a.collisions[0]).toContain(`"Amount" → ${a.names[0]}`)
  })

  it('gives the name to the same header whichever order colliding headers come in', () => {
    const orders = [['Order ID', 'ORDER-ID', 'order id'], ['order id', 'Order ID', 'ORDER-ID'], ['ORDER-ID', 'order id', 'Order ID']]
    const byHeader = orders.map((headers) => Object.fromEntries(headers.map((h, i) => [h, normalizeHeader(headers)[i]])))
    expect(byHeader[1]).toEqual(byHeader[0])
    expect(byHeader[2]).toEqual(byHeader[0])
    expect(new Set(Object.values(byHeader[0])).size).toBe(3)
  })

  it('never gives a duplicate the name another column already has', () => {
    expect(normalizeHeader(['a', 'a', 'a_2'])).toEqual(['a', 'a_3', 'a_2'])
  })

  it('numbers a header that a reserved name takes', () => {
    expect(normalizeHeader(['ingest_date', 'Ingest Date', 'amount'], ['ingest_date'])).toEqual([expect.stringMatching(/^ingest_date_h[0-9a-f]{6}$/), expect.stringMatching(/^ingest_date_h[0-9a-f]{6}$/), 'amount'])
    expect(normalizeHeader(['id', 'ingest_date'], ['ingest_date'])).toEqual(['id', 'ingest_date_2'])
  })

  it('keeps suffixed duplicates of a 255-character name within 255 characters', () => {
    const long = 'y'.repeat(300)
    const [first, second] = normalizeHeader([long, long])
    expect(second).toHaveLength(MAX_COLUMN_NAME_LENGTH)
    expect(second.endsWith('_2')).toBe(true)
    expect(second).not.toBe(first)
  })
})
