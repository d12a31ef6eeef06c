import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { columnBuilder, type BytesColumn, type Int64Column } from '../../functions/core/parquet/column-builders'
import { PartitionBuilders } from '../../functions/core/parquet/partition-builders'
import { MAX_KEPT_ENTRIES } from '../../functions/core/parquet/scatter-rows'
import { NULL_PARTITION } from '../../functions/core/parquet/partition-values'
import { parseContract } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { PartInfo } from '../../functions/core/parquet/part-sink'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, parquetMetadata, readParquet } from '../support/duckdb-parquet'
import { prng } from '../support/prng'
import { transformCsvReference } from '../oracle/transform-csv-reference'

/**
 * Partitioned tables on the byte engine: real files (sample-data) partitioned by a string, a
 * date and a column with empty values, each converted by the byte engine and by the reference
 * engine (the oracle), which must write the same partitions, part keys, rows in each partition
 * (read back by DuckDB), rejects and counts; and files with more partitions than one row group's
 * memory holds, whose rows must each land once, in their partition, in file order.
 */

const SAMPLES = fileURLToPath(new URL('../../sample-data/', import.meta.url))
let dir: string
let cases = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-partitioned-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

interface Converted {
  stats: TransformStats
  /** Part keys relative to the output folder, in the order the stats list them. */
  keys: string[]
  /** Each partition value (in order of first row) with its rows, read back by DuckDB. */
  partitions: { value: string; rows: Record<string, unknown>[] }[]
  rejects: Record<string, unknown>[]
}

async function convert(engine: typeof transformCsv, input: string, options: Omit<TransformOptions, 'sourceName'>): Promise<Converted> {
  cases += 1
  const out = join(dir, `out-${cases}`)
  mkdirSync(out)
  const stats = await engine(fileByteSource(input), localFilePartSink({ out: join(out, 'data.parquet') }), { sourceName: 'raw/sample.csv', ...options })
  const by = stats.partitionBy?.name
  const values = [...new Set(stats.parts.map((p) => (by ? p.partition![by] : '')))]
  const partitions = []
  for (const value of values) {
    const parts = stats.parts.filter((p: PartInfo) => (by ? p.partition![by] : '') === value)
    partitions.push({ value, rows: (await readParquet(parts.map((p) => p.key))).rows })
  }
  const rejects = stats.rejectParts.length ? (await readParquet(stats.rejectParts.map((p) => p.key))).rows : []
  return { stats, keys: stats.parts.map((p) => relative(out, p.key)), partitions, rejects }
}

/** Everything both engines must agree on: all but timings, byte sizes and column statistics. */
function comparable(c: Converted): unknown {
  const { seconds: _s, bytesOut: _b, rejectBytesOut: _r, parts, rejectParts, ...stats } = c.stats
  return { stats, parts: parts.map((p) => ({ rows: p.rows, index: p.index, partition: p.partition })), rejectRows: rejectParts.reduce((n, p) => n + p.rows, 0), keys: c.keys, partitions: c.partitions, rejects: c.rejects }
}

/** Converts with both engines, asserts they agree, and returns the byte engine's result. */
async function bothEngines(input: string, options: Omit<TransformOptions, 'sourceName'>): Promise<Converted> {
  const reference = await convert(transformCsvReference, input, options)
  const engine = await convert(transformCsv, input, options)
  expect(comparable(engine)).toEqual(comparable(reference))
  return engine
}

const paymentsContract = (partitionBy: string) => parseContract({ ...JSON.parse(readFileSync(join(SAMPLES, '_contracts', 'payments.json'), 'utf8')), partitionBy })

const customersContract = (partitionBy: string) =>
  parseContract({
    partitionBy,
    columns: [
      { name: 'customer_id', type: 'bigint' },
      { name: 'full_name', type: 'string' },
      { name: 'city', type: 'string' },
      { name: 'signup_date', type: 'date' },
      { name: 'loyalty_tier', type: 'string' },
      { name: 'newsletter', type: 'boolean' },
    ],
  })

const lineage = { source: 'raw/sample.csv', runId: 'run-1' }

describe('partitioned sample files on the byte engine, against the reference engine', () => {
  it('partitions the gzipped payments by their day-first paid_on date, rejecting the impossible date with its line', async () => {
    // Prepare
    const input = join(SAMPLES, 'payments', 'payments-2024-q2.csv.gz')

    // Act
    const result = await bothEngines(input, { contract: paymentsContract('paid_on'), lineage })

    // Assess
    expect(result.stats.partitionBy).toEqual({ name: 'paid_on', type: 'date' })
    expect(result.partitions.length).toBeGreaterThan(10)
    for (const p of result.partitions) expect(p.value).toMatch(/^2024-\d\d-\d\d$/)
    expect(result.rejects.map((r) => [Number(r.line), r.error_code])).toContainEqual([2, 'type_mismatch'])
    expect(result.partitions.reduce((n, p) => n + p.rows.length, 0)).toBe(result.stats.rowsOut)
    expect(result.partitions[0].rows[0]).not.toHaveProperty('paid_on')
  })

  it('partitions the payments by method, one part per method', async () => {
    const input = join(SAMPLES, 'payments', 'payments-2024-q2.csv.gz')

    const result = await bothEngines(input, { contract: paymentsContract('method'), lineage })

    expect(result.partitions.map((p) => p.value).sort()).toEqual([...new Set(result.partitions.map((p) => p.value))].sort())
    expect(result.keys.every((k) => k.startsWith('data.method='))).toBe(true)
  })

  it('puts the customers with an empty loyalty tier in the Hive default partition', async () => {
    const input = join(SAMPLES, 'customers', 'customers.csv')

    const result = await bothEngines(input, { contract: customersContract('loyalty_tier'), lineage })

    const values = result.partitions.map((p) => p.value)
    expect(values).toContain(NULL_PARTITION)
    expect(values).toEqual(expect.arrayContaining(['gold', 'silver', 'bronze']))
    expect(result.partitions.reduce((n, p) => n + p.rows.length, 0)).toBe(result.stats.rowsOut)
  })

  it('partitions the customers by their signup date', async () => {
    const input = join(SAMPLES, 'customers', 'customers.csv')

    const result = await bothEngines(input, { contract: customersContract('signup_date'), lineage })

    expect(result.stats.partitionBy).toEqual({ name: 'signup_date', type: 'date' })
    for (const p of result.partitions) expect(p.value).toMatch(/^2023-\d\d-\d\d$/)
  })

  it('partitions the May orders by status, the types of the other columns inferred', async () => {
    const input = join(SAMPLES, 'orders', 'orders-2024-05.csv')
    const contract = parseContract({ partitionBy: 'status', columns: [{ name: 'status', type: 'string' }] })

    const result = await bothEngines(input, { contract, lineage })

    expect(result.partitions.map((p) => p.value)).toEqual(expect.arrayContaining(['pending', 'shipped']))
    expect(result.stats.columns.map((c) => c.name)).not.toContain('status')
  })
})

/** An orders-like file of `rows` rows whose `region` takes `regions` values in a seeded order, some empty. */
function manyRegions(rows: number, regions: number, seed: number): string {
  const rnd = prng(seed)
  let text = 'id,region,amount,note\n'
  for (let i = 1; i <= rows; i++) {
    const r = Math.floor(rnd() * (regions + 1))
    const region = r === regions ? '' : `r${String(r).padStart(3, '0')}`
    text += `${i},${region},${(rnd() * 1000).toFixed(2)},${rnd() < 0.1 ? '"a, b"' : `note ${i % 37}`}\n`
  }
  return text
}

const regionContract = parseContract({
  partitionBy: 'region',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'region', type: 'string' },
    { name: 'amount', type: 'decimal(10,2)' },
    { name: 'note', type: 'string' },
  ],
})

describe('partitions beyond one row group of memory', () => {
  it('spills the largest partitions and still writes every row once, in its partition, in file order', async () => {
    // Prepare: 150 regions, and room for about 2,000 rows across all of them.
    const input = join(dir, 'many-regions.csv')
    writeFileSync(input, manyRegions(20_000, 150, 7))

    // Act
    const result = await bothEngines(input, { contract: regionContract, rowGroupBytes: 64 * 1024 })

    // Assess
    const ids = result.partitions.flatMap((p) => p.rows.map((r) => Number(r.id)))
    expect(ids.length).toBe(20_000)
    expect(new Set(ids).size).toBe(20_000)
    for (const p of result.partitions) {
      const own = p.rows.map((r) => Number(r.id))
      expect(own).toEqual([...own].sort((a, b) => a - b))
    }
    expect(result.partitions.length).toBe(151)
    // Row groups were written long before the partitions were full: many per part.
    const groups = await parquetMetadata(join(dir, `out-${cases}`, 'data.region=r000.parquet'))
    expect(groups.rowGroups).toBeGreaterThan(2)
  })

  it('writes a large partition of distinct strings, whose builder stops looking values up, as the reference does', async () => {
    // Prepare: two regions of 20,000 rows each, every token distinct, repeated tags beside them.
    const input = join(dir, 'distinct-tokens.csv')
    let text = 'id,region,token,tag\n'
    for (let i = 1; i <= 40_000; i++) text += `${i},${i % 2 ? 'north' : 'south'},tok-${(i * 7919).toString(36)},tag${i % 5}\n`
    writeFileSync(input, text)
    const contract = parseContract({ partitionBy: 'region', columns: [{ name: 'id', type: 'bigint' }, { name: 'region', type: 'string' }, { name: 'token', type: 'string' }, { name: 'tag', type: 'string' }] })

    // Act
    const result = await bothEngines(input, { contract })

    // Assess
    expect(result.partitions.map((p) => [p.value, p.rows.length])).toEqual([['north', 20_000], ['south', 20_000]])
    expect(new Set(result.partitions.flatMap((p) => p.rows.map((r) => r.token))).size).toBe(40_000)
  })

  it('writes the same strings as the reference when the staged values outgrow what stretches keep, and their entries are renumbered', async () => {
    // Prepare: 60 regions and small row groups, so rows move to the partitions in many stretches;
    // the labels repeat (a stretch finds most of them looked up already) but are more than the
    // staged entries kept from one stretch to the next (MAX_KEPT_ENTRIES), so the staging
    // builder is cleared now and then and the same entry number comes to mean another label.
    const labels = MAX_KEPT_ENTRIES + 1_500
    const rnd = prng(11)
    let text = 'id,region,label,tag\n'
    for (let i = 1; i <= 60_000; i++) text += `${i},r${Math.floor(rnd() * 60)},label-${Math.floor(rnd() * labels)},t${i % 3}\n`
    const input = join(dir, 'renumbered.csv')
    writeFileSync(input, text)
    const contract = parseContract({ partitionBy: 'region', columns: [{ name: 'id', type: 'bigint' }, { name: 'region', type: 'string' }, { name: 'label', type: 'string' }, { name: 'tag', type: 'string' }] })

    // Act
    const result = await bothEngines(input, { contract, rowGroupBytes: 48 * 1024 })

    // Assess: each row's label is its own (the ids and labels of the input, row for row).
    const expected = new Map(text.trim().split('\n').slice(1).map((line) => { const [id, , label] = line.split(','); return [Number(id), label] }))
    const rows = result.partitions.flatMap((p) => p.rows)
    expect(rows.length).toBe(60_000)
    expect(rows.filter((r) => expected.get(Number(r.id)) !== r.label)).toEqual([])
  })

  it('writes a file sorted in long runs of each partition, a partition left idle after a large row group filled again', async () => {
    // Prepare: rows of 25 bytes, row groups of exactly 3,000 rows, runs of 6,000 rows of one
    // region after another, each region coming back after another region's row groups.
    const input = join(dir, 'runs.csv')
    let text = 'id,region,amount,note\n'
    let id = 0
    for (const region of ['east', 'west', 'east', 'nrth', 'west', 'east']) {
      for (let k = 0; k < 6_000; k++) {
        id += 1
        text += `${String(id).padStart(6, '0')},${region},${1000 + (id % 9000)}.${10 + (id % 90)},note\n`
      }
    }
    writeFileSync(input, text)

    // Act
    const result = await bothEngines(input, { contract: regionContract, rowGroupBytes: 25 * 3_000 })

    // Assess
    expect(result.partitions.map((p) => [p.value, p.rows.length])).toEqual([['east', 18_000], ['west', 12_000], ['nrth', 6_000]])
    const east = result.partitions[0].rows.map((r) => Number(r.id))
    expect(east).toEqual([...east].sort((a, b) => a - b))
    expect((await parquetMetadata(join(dir, `out-${cases}`, 'data.region=east.parquet'))).rowGroups).toBe(6)
  })

  it('keeps the rows held across all partitions under the bound after every stretch', async () => {
    // Prepare: staged rows of 40 partitions, 25 bytes of CSV each; a bound of 1000 bytes.
    const out = join(dir, 'bound')
    mkdirSync(out)
    const sink = localFilePartSink({ out: join(out, 'data.parquet') })
    const columns = [{ name: 'id', type: { kind: 'bigint' as const }, nullable: true }]
    const by = { index: 1, name: 'region', type: { kind: 'string' as const } }
    const partitions = new PartitionBuilders(sink, columns, by, 'snappy', 1 << 30, { groupBytes: 1000, heldBytes: 1000, maxRows: 1 << 20 }, 'bound.csv')
    const rnd = prng(3)
    const held: number[] = []
    let id = 0

    // Act
    for (let stretch = 0; stretch < 50; stretch++) {
      const ids = columnBuilder({ kind: 'bigint' }) as Int64Column
      const regions = columnBuilder({ kind: 'string' }) as BytesColumn
      const rows = 1 + Math.floor(rnd() * 30)
      for (let r = 0; r < rows; r++) {
        ids.append(++id)
        regions.appendString(`r${Math.floor(rnd() * 40)}`)
      }
      await partitions.take([ids, regions], rows, new Array(rows).fill(25))
      held.push(partitions.heldBytes)
    }
    const parts = await partitions.finish()

    // Assess
    expect(Math.max(...held)).toBeLessThan(1000)
    const written = (await readParquet(parts.map((p) => p.key))).rows.map((r) => Number(r.id))
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: id }, (_, k) => k + 1))
  })

  it('fails a file with more partition values than a file may have, as the reference does', async () => {
    const input = join(dir, 'too-many-regions.csv')
    writeFileSync(input, manyRegions(3_000, 250, 11))

    const failure = (engine: typeof transformCsv) => convert(engine, input, { contract: regionContract }).then(() => 'converted', (e: Error) => `${e.name}: ${e.message}`)

    const reference = await failure(transformCsvReference)
    expect(reference).toMatch(/^ContractViolationError: partition: .* more than 200 values of partition column region/)
    expect(await failure(transformCsv)).toBe(reference)
  })
})
