import { describe, expect, it } from 'vitest'
import { scanRecords, type RecordBatch } from '../../functions/core/csv/scan-records'
import type { Dialect } from '../../functions/core/csv/dialect'
import type { ColumnBuilder } from '../../functions/core/parquet/column-builders'
import type { ColumnPlan } from '../../functions/core/schema/column-plan'
import { DEFAULT_NULL_TOKENS } from '../../functions/core/schema/contract'
import { NullTokens } from '../../functions/core/schema/null-tokens'
import { RecordCoercer } from '../../functions/core/parquet/record-coercer'
import type { AthenaType } from '../../functions/core/schema/athena-types'
import type { Reject } from '../../functions/core/csv/reject'
import { prng } from '../support/prng'

/**
 * Column runs (RecordCoercer.coerceRange) must leave the builders and the rejects exactly as
 * coercing record by record does: the same values, nulls and rejects, whatever mix of fast
 * cells, null tokens, bad values, variants and ragged records a stretch holds.
 */

const DIALECT: Dialect = { delimiter: ',', quote: '"', escape: '"', lineBreak: 'LF', trimSpaces: false, trailingDelimiter: false, skipLines: 0 }

interface Column {
  name: string
  type: AthenaType
  /** Declared by a contract (rejects) or inferred with a `__string` variant (routing). */
  declared: boolean
  nullable: boolean
  values: (rnd: () => number) => string
}

const pick = (rnd: () => number, xs: string[]) => xs[Math.floor(rnd() * xs.length)]
const int = (rnd: () => number) => String(Math.floor(rnd() * 200000) - 100000)

const COLUMNS: Column[] = [
  { name: 'id', type: { kind: 'bigint' }, declared: true, nullable: false, values: (r) => (r() < 0.02 ? pick(r, ['x1', '', 'NULL', '9007199254740993', ' 12 ', '+5']) : int(r)) },
  { name: 'who', type: { kind: 'string' }, declared: true, nullable: false, values: (r) => (r() < 0.03 ? pick(r, ['', 'NULL', '"q""uote"', 'N/A']) : pick(r, ['ann', '"Lee, Bo"', 'São', 'a b'])) },
  { name: 'amount', type: { kind: 'decimal', precision: 18, scale: 2 }, declared: true, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['1.005', '.5', 'abc', '', 'NA', '-0.05', '12345678901234567.5']) : `${Math.floor(r() * 9999)}.${Math.floor(r() * 90 + 10)}`) },
  { name: 'day', type: { kind: 'date' }, declared: true, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['2024-02-30', '2024-1-5', '', 'null']) : `2024-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}`) },
  { name: 'at', type: { kind: 'timestamp' }, declared: true, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['2024-01-01T10:00:00.123+02:00', '2024-01-01', 'soon', '']) : `2024-05-0${1 + Math.floor(r() * 9)}T1${Math.floor(r() * 9)}:00:00Z`) },
  { name: 'ok', type: { kind: 'boolean' }, declared: true, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['yes', 'TRUE', ' false ', '']) : pick(r, ['true', 'false'])) },
  { name: 'ratio', type: { kind: 'double' }, declared: true, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['1e3', 'NaN', '007', '']) : `${Math.floor(r() * 100)}.${Math.floor(r() * 10)}`) },
  { name: 'qty', type: { kind: 'bigint' }, declared: false, nullable: true, values: (r) => (r() < 0.03 ? pick(r, ['n/a?', '--', '']) : int(r)) },
  { name: 'big', type: { kind: 'decimal', precision: 12, scale: 0 }, declared: true, nullable: true, values: (r) => (r() < 0.5 ? '' : String(Math.floor(r() * 1e9))) },
  // Mostly distinct: past 16,384 values its builder stops looking values up.
  { name: 'token', type: { kind: 'string' }, declared: true, nullable: false, values: (r) => (r() < 0.02 ? pick(r, ['', 'NULL']) : `tok${Math.floor(r() * 1e9)}`) },
]

function csv(seed: number, rows: number, badRate: number): string {
  const rnd = prng(seed)
  const lines: string[] = []
  for (let i = 0; i < rows; i++) {
    const cells = COLUMNS.map((c) => (rnd() < badRate ? c.values(rnd) : c.values(() => rnd() * 0.97 + 0.03)))
    // Now and then a ragged record, or one the scanner hands to csv-parse.
    const shape = rnd()
    if (shape < badRate / 4) cells.pop()
    else if (shape < badRate / 2) cells[1] = '"odd"x'
    lines.push(cells.join(','))
  }
  return `${lines.join('\n')}\n`
}

function coercer(): RecordCoercer {
  const plan: ColumnPlan = {
    width: COLUMNS.length,
    warnings: [],
    columns: COLUMNS.map((c, field) => ({ original: c.name, name: c.name, field, declared: c.declared ? { name: c.name, type: c.type, nullable: c.nullable } : undefined })),
  }
  const typing = { types: COLUMNS.map((c) => c.type), variants: COLUMNS.map((c) => !c.declared) }
  // The inferred column belongs to a table of its type: text that fits no widening goes to its variant.
  return new RecordCoercer(plan, typing, COLUMNS.map((c) => (c.declared ? undefined : c.type)), new NullTokens(DEFAULT_NULL_TOKENS), DEFAULT_NULL_TOKENS, new Set())
}

async function batches(text: string): Promise<RecordBatch[]> {
  const out: RecordBatch[] = []
  async function* chunks() {
    const bytes = Buffer.from(text)
    // Uneven chunks, so batches end at different places.
    for (let at = 0; at < bytes.length; at += 7919) yield bytes.subarray(at, at + 7919)
  }
  for await (const b of scanRecords(chunks(), DIALECT, 'runs.csv', { blankLines: 0 })) {
    // Each batch is kept: the scanner would otherwise reuse nothing here, but copy to be safe.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(b)), b, { buf: Buffer.from(b.buf), fallback: new Map(b.fallback) })
    out.push(copy)
  }
  return out
}

function state(builders: ColumnBuilder[]) {
  return builders.map((b) => {
    const base = { kind: b.kind, rows: b.rows, count: b.count, defined: [...b.defined.subarray(0, b.rows)] }
    switch (b.kind) {
      case 'bytes':
        // Each value's text: an entry left unused by a dropped row is no value.
        return { ...base, values: Array.from({ length: b.count }, (_, i) => b.entryOf(i)).map((e) => Buffer.from(b.bytes.subarray(b.entryStart(e), b.ends[e])).toString("utf8")) }
      case 'int64':
        return { ...base, values: [...b.values.subarray(0, b.count)], big: [...(b.big ?? new Map())].filter(([k]) => k < b.count) }
      case 'bigdecimal':
        return { ...base, values: b.values.slice(0, b.count) }
      default:
        return { ...base, values: [...b.values.subarray(0, b.count)] }
    }
  })
}

describe('column runs', () => {
  for (const [seed, badRate, rows] of [
    [1, 0, 3000],
    [2, 0.01, 3000],
    [3, 0.05, 3000],
    [4, 0.3, 3000],
    [5, 1, 3000],
    [6, 0.01, 40_000],
  ] as const) {
    it(`equal record-by-record coercion (seed ${seed}, ${badRate * 100}% odd cells, ${rows} rows)`, async () => {
      const text = csv(seed, rows, badRate)
      const all = await batches(text)
      const one = coercer()
      const run = coercer()
      const byRecord: Reject[] = []
      const byRun: Reject[] = []
      let checked = 0
      for (const [b, batch] of all.entries()) {
        for (let r = 0; r < batch.count; r++) {
          const reject = one.coerce(batch, r)
          if (reject) byRecord.push(reject)
        }
        // Stretches of different lengths, as row groups cut them.
        for (let from = 0; from < batch.count; ) {
          const to = Math.min(batch.count, from + 1 + ((from * 7 + seed) % 900))
          const rejected: { record: number; reject: Reject }[] = []
          run.coerceRange(batch, from, to, rejected)
          byRun.push(...rejected.map((x) => x.reject))
          from = to
        }
        checked += batch.count
        // Every few batches, and at the end (the states grow with the rows).
        if (b % 20 === 0 || b === all.length - 1) expect(state(run.builders)).toEqual(state(one.builders))
      }
      expect(byRun).toEqual(byRecord)
      expect(run.variantCounts).toEqual(one.variantCounts)
      // And both hold the file's own tokens, in order, for every record not rejected: values
      // cut back after the builder stopped looking them up must not shift the later ones. The
      // token is each record's last field; a null one is a reject (the column is not nullable).
      const rejected = new Set(byRecord.map((r) => r.line))
      const token = COLUMNS.findIndex((c) => c.name === 'token')
      const expected = text
        .split('\n')
        .slice(0, rows)
        .flatMap((line, i) => (rejected.has(i + 1) ? [] : [line.split(',').at(-1)!]))
      const tokens = state(run.builders)[token] as { values: string[] }
      expect(tokens.values).toEqual(expected)
      expect(checked).toBe(rows)
      if (badRate > 0) expect(byRecord.length).toBeGreaterThan(0)
      else expect(byRecord).toEqual([])
    })
  }
})
