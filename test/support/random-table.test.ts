import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NULL_LIKE, randomTable, toCsv, type ColumnType, type RandomTable } from './random-table'

const FORMAT: Record<Exclude<ColumnType, 'string'>, RegExp> = {
  int: /^-?\d+$/,
  bigint: /^-?\d+$/,
  decimal: /^-?\d+\.\d+$/,
  double: /^-?\d(\.\d+)?e-?\d+$/,
  boolean: /^(true|false)$/,
  date: /^(19\d\d|20\d\d|2100)-\d\d-\d\d$/,
  timestamp: /^(19\d\d|20\d\d|2100)-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
}

function column(t: RandomTable, c: number): string[] {
  return t.rows.map((r) => r[c]).filter((v): v is string => v !== null && v !== undefined)
}

describe('randomTable / toCsv', () => {
  it('toCsv output parses back to the same cells (nulls as empty)', () => {
    fc.assert(
      fc.property(randomTable(), (t) => {
        const parsed = parse(toCsv(t), {
          delimiter: t.delimiter,
          record_delimiter: t.lineBreak,
          relax_column_count: false,
        }) as string[][]
        expect(parsed).toEqual([t.header, ...t.rows.map((r) => r.map((v) => v ?? ''))])
      }),
      { numRuns: 100 },
    )
  })

  it('keeps its promises about shapes, formats and witnesses', () => {
    fc.assert(
      fc.property(randomTable(), (t) => {
        expect(t.header.length).toBeGreaterThanOrEqual(1)
        expect(t.header.length).toBeLessThanOrEqual(8)
        expect(new Set(t.header).size).toBe(t.header.length)
        for (const h of t.header) expect(h).toMatch(/^[a-z][a-z0-9_]*$/)
        expect(t.types.length).toBe(t.header.length)
        expect(t.rows.length).toBeLessThanOrEqual(30)
        for (const r of t.rows) expect(r.length).toBe(t.header.length)
        if (t.header.length === 1) for (const r of t.rows) expect(r[0]).not.toBeNull()

        t.types.forEach((type, c) => {
          const values = column(t, c)
          if (t.rows.length > 0) expect(values.length).toBeGreaterThan(0)
          if (type === 'string') {
            for (const v of values) {
              expect(NULL_LIKE).not.toContain(v.trim().toLowerCase())
              expect(v).not.toContain('\u0000')
            }
            if (values.length) expect(values.some((v) => v.startsWith('Q'))).toBe(true)
            return
          }
          for (const v of values) expect(v).toMatch(FORMAT[type])
          if (type === 'int') {
            for (const v of values) expect(Math.abs(Number(v))).toBeLessThanOrEqual(2 ** 31)
            if (values.length) expect(values.some((v) => Math.abs(Number(v)) >= 2)).toBe(true)
          }
          if (type === 'bigint' && values.length) {
            expect(values.some((v) => (BigInt(v) < 0n ? -BigInt(v) : BigInt(v)) > 2n ** 53n)).toBe(true)
          }
          if (type === 'decimal') {
            expect(new Set(values.map((v) => v.split('.')[1]!.length)).size).toBeLessThanOrEqual(1)
          }
          if (type === 'double') for (const v of values) expect(Number.isFinite(Number(v))).toBe(true)
          if (type === 'date') {
            for (const v of values) expect(new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10)).toBe(v)
          }
          if (type === 'timestamp') {
            for (const v of values) expect(new Date(v).toISOString().slice(0, 19)).toBe(v.slice(0, 19))
          }
        })
      }),
      { numRuns: 200 },
    )
  })

  it('renders the documented quoting', () => {
    const t: RandomTable = {
      header: ['a', 'b', 'c'],
      types: ['string', 'int', 'string'],
      rows: [
        ['x,y', '1', ' pad'],
        ['say "hi"', null, 'line\r\nbreak'],
      ],
      delimiter: ',',
      lineBreak: '\r\n',
    }
    expect(toCsv(t)).toBe('a,b,c\r\n"x,y",1," pad"\r\n"say ""hi""",,"line\r\nbreak"\r\n')
  })
})
