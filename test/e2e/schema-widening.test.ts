import { readFile } from 'node:fs/promises'
import { parquetReadObjects } from 'hyparquet'
import { afterEach, describe, expect, it } from 'vitest'
import { parseAthenaType } from '../../functions/core/schema/athena-types'
import { holds, readableAs } from '../../functions/core/schema/type-widening'
import type { LocalRunOutcome } from '../../cli/local-run'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { generationOf } from '../../functions/core/lake/generation'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { startS3rver, type LocalS3 } from '../support/s3rver'
import { canonicalDecimal, csvColumn, exactSum } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { liveParts, transformingBlind } from '../support/live-parts'

/** Hive's widening rules: an Iceberg table promotes in metadata instead (iceberg-schema-changes.test.ts). */
const TESTED_FORMAT = 'hive'

const DAY2 = new Date('2024-07-02T06:00:00.000Z')

async function columnsOf(lake: E2ELake, table: string): Promise<string[]> {
  return ((await lake.deps.catalog.getTable('sluice', table))?.StorageDescriptor.Columns ?? []).map((c) => `${c.Name} ${c.Type}`)
}

/**
 * Every column of every live part whose written type is not the table's (int under bigint
 * is Athena's one readable pair, so it is listed apart under `readable`).
 */
export async function typeMismatches(lake: E2ELake, table: string): Promise<{ unreadable: string[]; readable: string[] }> {
  const columns = new Map(((await lake.deps.catalog.getTable('sluice', table))?.StorageDescriptor.Columns ?? []).map((c) => [c.Name, c.Type]))
  const unreadable: string[] = []
  const readable: string[] = []
  for (const part of await liveParts(lake.deps.catalog, 'sluice', table, lake.deps.curated)) {
    for (const [name, written] of Object.entries(part.types)) {
      const declared = columns.get(name)
      if (!declared || declared === written) continue
      const line = `${part.key} ${name}: ${written} under ${declared}`
      if (readableAs(parseAthenaType(written)!, parseAthenaType(declared)!)) readable.push(line)
      else unreadable.push(line)
    }
  }
  return { unreadable, readable }
}

/** The type of `column` in a list of `name type` lines. */
const typeIn = (columns: string[], column: string) => columns.find((c) => c.startsWith(`${column} `))?.slice(column.length + 1)

/** Whether `wider` is a widening of `narrower` that holds every one of its values, and not the same. */
const widens = (narrower: string | undefined, wider: string | undefined) =>
  narrower !== wider && holds(parseAthenaType(wider!)!, parseAthenaType(narrower!)!)

/** Loads `first` in one run, then `second` in a run whose Transform does not know the table. */
async function loadTwice(first: Record<string, string>, second: Record<string, string>): Promise<E2ELake & { second: LocalRunOutcome; before: string[] }> {
  const lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
  for (const [key, csv] of Object.entries(first)) await lake.putRaw(key, csv)
  const one = await lake.run()
  expect(one.failure).toBeUndefined()
  const before = await columnsOf(lake, Object.keys(first)[0].split('/')[0])
  for (const [key, csv] of Object.entries(second)) await lake.putRaw(key, csv)
  const two = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })
  expect(two.failure).toBeUndefined()
  return Object.assign(lake, { second: two, before })
}

async function sumOf(lake: E2ELake, table: string, column: string): Promise<string> {
  const [row] = await lake.query(`SELECT CAST(sum(${column}) AS VARCHAR) AS s FROM ${table}`)
  return canonicalDecimal(String(row.s))
}

describe('widening a column in place', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('widens a decimal scale, rewriting the parts loaded before with every value exact', async () => {
    // Prepare
    const filler = Array.from({ length: 30 }, (_, i) => `${100 + i},${i}.${i % 10}`).join('\n')
    const a = `id,amount\n1,1.5\n2,2.5\n3,-0.5\n4,1.5,extra\n5,\n${filler}\n`
    const b = 'id,amount\n6,0.125\n7,-3.875\n'
    const keys = ['meter/a.csv', 'meter/b.csv']

    // Act
    const loaded = await loadTwice({ 'meter/a.csv': a }, { 'meter/b.csv': b })
    lake = loaded

    // Assess
    const after = await columnsOf(lake, 'meter')
    const [from, to] = [typeIn(loaded.before, 'amount'), typeIn(after, 'amount')]
    expect(after.map((c) => c.split(' ')[0])).toEqual(['id', 'amount', '_sluice_source', '_sluice_run_id'])
    expect(widens(from, to)).toBe(true)
    expect(parseAthenaType(to!)).toMatchObject({ kind: 'decimal', scale: expect.toSatisfy((n: number) => n >= 3) })
    expect(await sumOf(lake, 'meter', 'amount')).toBe(exactSum(csvColumn([a, b], 'amount')))
    expect(await lake.query('SELECT count(*) AS n, count(amount) AS filled FROM meter')).toEqual([{ n: 36, filled: 35 }])
    expect(await typeMismatches(lake, 'meter')).toEqual({ unreadable: [], readable: [] })
    expect(await lake.query('SELECT source, line FROM meter__rejects')).toEqual([{ source: 'meter/a.csv', line: 5 }])
    expect(loaded.second.report.files[0].warnings).toEqual([`column amount widened from ${from} to ${to}: 1 part(s) of the 1 file(s) loaded before were rewritten in the new type`])
    expect(await lakeFindings(lake.deps, keys)).toEqual(CONSISTENT)
  })

  it('keeps the lineage columns and the row order of a rewritten part', async () => {
    // Prepare
    const a = `id,amount\n${Array.from({ length: 50 }, (_, i) => `${50 - i},${i}.5`).join('\n')}\n`
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    await lake.putRaw('meter/a.csv', a)
    await lake.run()
    const before = await lake.query("SELECT _sluice_source, _sluice_run_id, count(*) AS n FROM meter GROUP BY ALL")

    // Act
    await lake.putRaw('meter/b.csv', 'id,amount\n99,0.25\n')
    await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })
    const [part] = (await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)).filter((p) => p.path.includes('ingest_date=2024-07-01'))
    const bytes = await readFile(part.path)
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })

    // Assess
    expect(part.types.amount).toBe(typeIn(await columnsOf(lake, 'meter'), 'amount'))
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i))
    expect(rows.map((r) => r.amount)).toEqual(Array.from({ length: 50 }, (_, i) => i + 0.5))
    expect(await lake.query("SELECT _sluice_source, _sluice_run_id, count(*) AS n FROM meter WHERE _sluice_source = 'meter/a.csv' GROUP BY ALL")).toEqual(before)
  })

  it('widens a decimal precision from 18 to 38 digits', async () => {
    const a = 'id,amount\n1,12.25\n2,99999999.99\n'
    const b = 'id,amount\n3,12345678901234567890.75\n'
    const loaded = await loadTwice({ 'meter/a.csv': a }, { 'meter/b.csv': b })
    lake = loaded

    expect(typeIn(loaded.before, 'amount')).toBe('decimal(18,2)')
    expect(typeIn(await columnsOf(lake, 'meter'), 'amount')).toBe('decimal(38,2)')
    expect(await sumOf(lake, 'meter', 'amount')).toBe(exactSum(csvColumn([a, b], 'amount')))
    expect(await typeMismatches(lake, 'meter')).toEqual({ unreadable: [], readable: [] })
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv'])).toEqual(CONSISTENT)
  })

  it('widens bigint to decimal, each integer becoming the same number', async () => {
    const a = 'id,qty\n1,9007199254740993\n2,-42\n'
    const b = 'id,qty\n3,0.75\n'
    const loaded = await loadTwice({ 'stock/a.csv': a }, { 'stock/b.csv': b })
    lake = loaded
    const to = typeIn(await columnsOf(lake, 'stock'), 'qty')

    expect(typeIn(loaded.before, 'qty')).toBe('bigint')
    expect(widens('bigint', to)).toBe(true)
    expect(to).toBe('decimal(29,9)')
    expect(await sumOf(lake, 'stock', 'qty')).toBe(exactSum(csvColumn([a, b], 'qty')))
    expect(await lake.query("SELECT CAST(qty AS VARCHAR) AS q FROM stock WHERE id = 1")).toEqual([{ q: '9007199254740993.000000000' }])
    expect(await lake.query("SELECT CAST(qty AS VARCHAR) AS q FROM stock WHERE id = 2")).toEqual([{ q: '-42.000000000' }])
    expect(await typeMismatches(lake, 'stock')).toEqual({ unreadable: [], readable: [] })
    expect(await lakeFindings(lake.deps, ['stock/a.csv', 'stock/b.csv'])).toEqual(CONSISTENT)
  })

  it('widens a contract int column to the bigint a later file infers, without rewriting', async () => {
    // Prepare
    const a = 'id,qty\n1,7\n2,2147483647\n'
    const b = 'id,qty\n3,3000000000\n'
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    await lake.putRaw('_contracts/stock.json', JSON.stringify({ columns: [{ name: 'id', type: 'bigint' }, { name: 'qty', type: 'int' }] }))
    await lake.putRaw('stock/a.csv', a)
    await lake.run()
    const first = await columnsOf(lake, 'stock')
    await lake.deleteRaw('_contracts/stock.json')
    const parts = (await lake.curatedKeys('stock/')).sort()

    // Act
    await lake.putRaw('stock/b.csv', b)
    const second = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })

    // Assess
    expect(second.failure).toBeUndefined()
    expect(first).toContain('qty int')
    expect(await columnsOf(lake, 'stock')).toContain('qty bigint')
    expect(await sumOf(lake, 'stock', 'qty')).toBe(exactSum(csvColumn([a, b], 'qty')))
    const mismatches = await typeMismatches(lake, 'stock')
    expect(mismatches.unreadable).toEqual([])
    expect(mismatches.readable).toHaveLength(1)
    expect((await lake.curatedKeys('stock/')).filter((k) => k.includes('2024-07-01'))).toEqual(parts)
    expect(second.report.files[0].warnings).toEqual(['column qty widened from int to bigint: the files loaded before are read as they are'])
  })

  it('widens a date column to timestamps, a day becoming its midnight UTC', async () => {
    const a = 'id,seen\n1,2024-05-01\n2,2024-05-31\n'
    const b = 'id,seen\n3,2024-06-01T10:30:00Z\n'
    const loaded = await loadTwice({ 'visits/a.csv': a }, { 'visits/b.csv': b })
    lake = loaded

    expect(typeIn(loaded.before, 'seen')).toBe('date')
    expect(typeIn(await columnsOf(lake, 'visits'), 'seen')).toBe('timestamp')
    expect(await lake.query("SELECT id, strftime(timezone('UTC', seen), '%Y-%m-%d %H:%M:%S') AS seen FROM visits ORDER BY id")).toEqual([
      { id: 1, seen: '2024-05-01 00:00:00' },
      { id: 2, seen: '2024-05-31 00:00:00' },
      { id: 3, seen: '2024-06-01 10:30:00' },
    ])
    expect(await typeMismatches(lake, 'visits')).toEqual({ unreadable: [], readable: [] })
    expect(await lakeFindings(lake.deps, ['visits/a.csv', 'visits/b.csv'])).toEqual(CONSISTENT)
  })

  it('joins the types of the files of one batch, rewriting the narrower staged ones', async () => {
    const files = { 'meter/a.csv': 'id,amount\n1,1.5\n', 'meter/b.csv': 'id,amount\n2,0.125\n', 'meter/c.csv': 'id,amount\n3,7\n' }
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    for (const [k, v] of Object.entries(files)) await lake.putRaw(k, v)
    const run = await lake.run()

    expect(run.report.totals).toMatchObject({ loaded: 3 })
    expect(parseAthenaType(typeIn(await columnsOf(lake, 'meter'), 'amount')!)).toMatchObject({ kind: 'decimal', scale: expect.toSatisfy((n: number) => n >= 3) })
    expect(await sumOf(lake, 'meter', 'amount')).toBe(exactSum(csvColumn(Object.values(files), 'amount')))
    expect(await typeMismatches(lake, 'meter')).toEqual({ unreadable: [], readable: [] })
    expect(await lakeFindings(lake.deps, Object.keys(files))).toEqual(CONSISTENT)
  })

  it('widens on S3 and Glue the same way, both tables and their partitions moving to the new generation', { timeout: 120_000 }, async () => {
    // Prepare
    const servers: { s3?: LocalS3; glue?: GlueServer } = { s3: await startS3rver(['raw', 'curated']), glue: await startGlueServer() }
    try {
      const raw = s3ObjectStore(servers.s3!.client, 'raw')
      const curated = s3ObjectStore(servers.s3!.client, 'curated')
      lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT, zones: { raw, curated, buckets: { raw, curated } }, catalog: glueCatalog(servers.glue!.client) })
      const a = `id,amount\n${Array.from({ length: 30 }, (_, i) => `${i},${i}.5`).join('\n')}\n31,1,extra\n`
      const b = 'id,amount\n100,0.125\n'
      await lake.putRaw('meter/a.csv', a)
      await lake.run()
      const rejectsBefore = await lake.query('SELECT source, line, record, error_code, error_message, ingest_date FROM meter__rejects')
      expect(rejectsBefore).toHaveLength(1)

      // Act
      await lake.putRaw('meter/b.csv', b)
      const run = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })

      // Assess
      expect(run.failure).toBeUndefined()
      const generation = generationOf(await lake.deps.catalog.getTable('sluice', 'meter'))
      expect(generation).not.toBe('')
      expect(generationOf(await lake.deps.catalog.getTable('sluice', 'meter__rejects'))).toBe(generation)
      for (const table of ['meter', 'meter__rejects']) {
        const locations = (await lake.deps.catalog.listPartitions('sluice', table)).map((p) => p.StorageDescriptor.Location)
        expect(locations.length).toBeGreaterThan(0)
        expect(locations.every((l) => l.includes(`/gen=${generation}/`)), locations.join(' ')).toBe(true)
      }
      expect(await sumOf(lake, 'meter', 'amount')).toBe(exactSum(csvColumn([a, b], 'amount')))
      expect(await lake.query('SELECT source, line, record, error_code, error_message, ingest_date FROM meter__rejects')).toEqual(rejectsBefore)
      expect(await typeMismatches(lake, 'meter')).toEqual({ unreadable: [], readable: [] })
      expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv'])).toEqual(CONSISTENT)
    } finally {
      await lake?.dispose()
      lake = undefined
      await servers.s3?.stop()
      await servers.glue?.stop()
    }
  })

  it('brings the files a reprocess built before a later batch widened a column to the final type at the swap', async () => {
    // Prepare
    const a = 'id,amount\n1,1.5\n2,2.5\n'
    const b = 'id,amount\n3,0.125\n'
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    await lake.putRaw('meter/a.csv', a)
    await lake.run()
    await lake.putRaw('meter/b.csv', b)
    await lake.run({ trigger: 'object', key: 'meter/b.csv' }, { startTime: DAY2, wrap: transformingBlind })

    // Act: one file per batch, so the rebuild's table widens after meter/a.csv was built.
    const rebuilt = await lake.run({ trigger: 'reprocess', dataset: 'meter' }, { startTime: DAY2, wrap: transformingBlind, settings: { batchSize: 1 } })

    // Assess
    expect(rebuilt.failure).toBeUndefined()
    expect(await sumOf(lake, 'meter', 'amount')).toBe(exactSum(csvColumn([a, b], 'amount')))
    expect(await typeMismatches(lake, 'meter')).toEqual({ unreadable: [], readable: [] })
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv'])).toEqual(CONSISTENT)
  })
})
