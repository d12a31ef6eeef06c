import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { generationOf } from '../../functions/core/lake/generation'
import { TABLE_FORMAT_PARAMETER } from '../../functions/core/table-format/iceberg/working-definition'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { convertToIceberg } from '../../functions/load/convert-table'
import { liveParts, transformingBlind } from '../support/live-parts'

const DAY2 = new Date('2024-07-02T06:00:00.000Z')

/** The keys of the objects a store is asked to write (uploads, and copies by their target). */
function recordingWrites(inner: ObjectStore): { store: ObjectStore; written: string[] } {
  const written: string[] = []
  return {
    written,
    store: {
      ...inner,
      location: (prefix) => inner.location(prefix),
      list: (prefix) => inner.list(prefix),
      upload: (key) => (written.push(key), inner.upload(key)),
      copy: (from, to) => (written.push(to), inner.copy(from, to)),
    },
  }
}

/** Makes a dataset's Hive tables Iceberg tables, as `sluice convert` does. */
async function markIceberg(lake: E2ELake, dataset: string): Promise<void> {
  expect((await convertToIceberg(lake.deps, dataset, 'convert', new Date())).outcome).toBe('converted')
}

async function columnsOf(lake: E2ELake, table: string): Promise<string[]> {
  return ((await lake.deps.catalog.getTable('sluice', table))?.StorageDescriptor.Columns ?? []).map((c) => `${c.Name} ${c.Type}`)
}

/**
 * Parquet objects written other than the batch's own parts (staged, then published into the
 * second day's partition of the live generation): parts of the files loaded before, rewritten
 * or copied, and staged parts rewritten to the table's types.
 */
const otherPartsWritten = (written: string[]) =>
  written.filter((k) => k.endsWith('.parquet') && !/^_staging\/[^/]+\/[^/]+\/data-\d+\.parquet$/.test(k) && !k.startsWith('meter/ingest_date=2024-07-02/'))

/** Loads `meter/a.csv` (id declared int), then makes the table a Hive or Iceberg one. */
async function loadFirst(format: 'hive' | 'iceberg'): Promise<E2ELake> {
  const lake = await createLake({ seed: 'none', tableFormat: 'hive' })
  await lake.putRaw('_contracts/meter.json', JSON.stringify({ columns: [{ name: 'id', type: 'int' }] }))
  await lake.putRaw('meter/a.csv', 'id,amount\n1,12.25\n2,99999999.99\n')
  expect((await lake.run()).failure).toBeUndefined()
  await lake.deleteRaw('_contracts/meter.json')
  if (format === 'iceberg') await markIceberg(lake, 'meter')
  return lake
}

describe('schema changes on an Iceberg working definition', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('promotes int to bigint and a decimal precision by the definition alone, rewriting no part', async () => {
    // Prepare
    lake = await loadFirst('iceberg')
    const [before] = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    const generation = generationOf(await lake.deps.catalog.getTable('sluice', 'meter'))
    const recorded = recordingWrites(lake.deps.curated)
    await lake.putRaw('meter/b.csv', 'id,amount\n3000000000,12345678901234567890.75\n')
    await lake.putRaw('meter/c.csv', 'id,amount\n4,1.5\n')

    // Act
    const run = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind, deps: { ...lake.deps, curated: recorded.store } })

    // Assess
    expect(run.failure).toBeUndefined()
    expect(before.types).toMatchObject({ id: 'int', amount: 'decimal(18,2)' })
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'amount decimal(38,2)', '_sluice_source string', '_sluice_run_id string'])
    expect(generationOf(await lake.deps.catalog.getTable('sluice', 'meter'))).toBe(generation)
    expect(otherPartsWritten(recorded.written)).toEqual([])
    expect(recorded.written.filter((k) => k.endsWith('.parquet'))).toHaveLength(4)
    const after = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    expect(after.find((p) => p.key === before.key)?.types).toEqual(before.types)
    expect(after.map((p) => p.types.amount).sort()).toEqual(['decimal(18,2)', 'decimal(18,2)', 'decimal(38,2)'])
    expect(run.report.files.find((f) => f.key === 'meter/b.csv')?.warnings).toEqual([
      'column id widened from int to bigint: the files loaded before are read as they are',
      'column amount widened from decimal(18,2) to decimal(38,2): the files loaded before are read as they are',
    ])
  })

  it('rewrites the parts of a Hive table for the same decimal precision, as Athena cannot read them', async () => {
    lake = await loadFirst('hive')
    const recorded = recordingWrites(lake.deps.curated)
    await lake.putRaw('meter/b.csv', 'id,amount\n3000000000,12345678901234567890.75\n')
    await lake.putRaw('meter/c.csv', 'id,amount\n4,1.5\n')

    const run = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind, deps: { ...lake.deps, curated: recorded.store } })

    expect(run.failure).toBeUndefined()
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'amount decimal(38,2)', '_sluice_source string', '_sluice_run_id string'])
    expect(otherPartsWritten(recorded.written)).toEqual([
      expect.stringMatching(/^meter\/gen=\w+\/ingest_date=2024-07-01\/.*\.parquet$/),
      expect.stringMatching(/^_staging\/.*\.widened\.parquet$/),
      expect.stringMatching(/^meter\/gen=\w+\/ingest_date=2024-07-02\//),
      expect.stringMatching(/^meter\/gen=\w+\/ingest_date=2024-07-02\//),
    ])
  })

  it('still rewrites the parts on Iceberg for a widening it cannot promote (a decimal scale)', async () => {
    lake = await loadFirst('iceberg')
    const recorded = recordingWrites(lake.deps.curated)
    await lake.putRaw('meter/b.csv', 'id,amount\n3,0.125\n')

    const run = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind, deps: { ...lake.deps, curated: recorded.store } })

    expect(run.failure).toBeUndefined()
    expect(await columnsOf(lake, 'meter')).toContain('amount decimal(29,9)')
    expect(otherPartsWritten(recorded.written)).toContainEqual(expect.stringMatching(/^meter\/gen=\w+\/ingest_date=2024-07-01\/.*\.parquet$/))
    const parts = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    expect(parts.map((p) => p.types.amount)).toEqual(['decimal(29,9)', 'decimal(29,9)'])
  })

  it('renames a column in place on Iceberg; on Hive the file fails, and loads once the table is Iceberg', async () => {
    // Prepare
    lake = await createLake({ seed: 'none', tableFormat: 'hive' })
    await lake.putRaw('meter/a.csv', 'id,amount,note\n1,12.25,x\n2,9.5,y\n')
    await lake.run()
    const [first] = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    await lake.putRaw('_contracts/meter.json', JSON.stringify({ columns: [{ name: 'total', type: 'decimal(18,2)', renamedFrom: 'amount' }] }))
    await lake.putRaw('meter/b.csv', 'id,total,note\n3,1.5,z\n')

    // Act: a Hive table
    const hive = await lake.run(undefined, { startTime: DAY2 })

    // Assess
    expect(hive.report.files).toMatchObject([{ key: 'meter/b.csv', outcome: 'failed', rowsIn: 1, rowsOut: 0 }])
    expect(hive.report.files[0].reason).toMatch(/^TableFormatMismatchError: contract: the contract renames column amount to total \(renamedFrom\), and a rename needs an Iceberg table: table meter is a Hive table/)
    expect(hive.report.files[0].reason).toContain('`sluice convert meter --to iceberg`')
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'amount decimal(18,2)', 'note string', '_sluice_source string', '_sluice_run_id string'])

    // Act: the same table as an Iceberg one
    await markIceberg(lake, 'meter')
    const recorded = recordingWrites(lake.deps.curated)
    const iceberg = await lake.run(undefined, { startTime: DAY2, deps: { ...lake.deps, curated: recorded.store } })

    // Assess
    expect(iceberg.report.files).toMatchObject([{ key: 'meter/b.csv', outcome: 'loaded', rowsOut: 1 }])
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'total decimal(18,2)', 'note string', '_sluice_source string', '_sluice_run_id string'])
    expect((await lake.deps.catalog.getTable('sluice', 'meter'))?.Parameters).toMatchObject({ [TABLE_FORMAT_PARAMETER]: 'iceberg', 'sluice.renamed.total': 'amount' })
    expect(otherPartsWritten(recorded.written)).toEqual([])
    const parts = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    expect(parts.find((p) => p.key === first.key)?.types).toEqual(first.types)
    // The parts written before the rename read under the new name.
    expect(await lake.query('SELECT id, total::VARCHAR AS total, note FROM meter ORDER BY id')).toEqual([
      { id: 1, total: '12.25', note: 'x' },
      { id: 2, total: '9.50', note: 'y' },
      { id: 3, total: '1.50', note: 'z' },
    ])
  })

  it('rewrites the parts loaded before a rename under their old column name when the renamed column widens', async () => {
    // Prepare: amount renamed to total on an Iceberg definition
    lake = await createLake({ seed: 'none', tableFormat: 'hive' })
    await lake.putRaw('meter/a.csv', 'id,amount\n1,12.25\n')
    await lake.run()
    await markIceberg(lake, 'meter')
    await lake.putRaw('_contracts/meter.json', JSON.stringify({ columns: [{ name: 'total', type: 'decimal(18,2)', renamedFrom: 'amount' }] }))
    await lake.putRaw('meter/b.csv', 'id,total\n2,1.5\n')
    await lake.run(undefined, { startTime: DAY2 })
    await lake.deleteRaw('_contracts/meter.json')

    // Act: a file whose total needs a wider scale, which Iceberg cannot promote
    await lake.putRaw('meter/c.csv', 'id,total\n3,0.125\n')
    const run = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })

    // Assess
    expect(run.report.files).toMatchObject([{ key: 'meter/c.csv', outcome: 'loaded' }])
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'total decimal(29,9)', '_sluice_source string', '_sluice_run_id string'])
    const parts = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
    expect(parts.map((p) => Object.entries(p.types).filter(([name]) => name === 'amount' || name === 'total')).sort()).toEqual([
      [['amount', 'decimal(29,9)']],
      [['total', 'decimal(29,9)']],
      [['total', 'decimal(29,9)']],
    ])
  })

  it('refuses a file whose old header would come back as a new column after a rename, and loads it once the header is an alias', async () => {
    // Prepare: amount renamed to total on an Iceberg definition
    lake = await createLake({ seed: 'none', tableFormat: 'hive' })
    await lake.putRaw('meter/a.csv', 'id,amount\n1,12.25\n')
    await lake.run()
    await markIceberg(lake, 'meter')
    await lake.putRaw('_contracts/meter.json', JSON.stringify({ columns: [{ name: 'total', type: 'decimal(18,2)', renamedFrom: 'amount' }] }))
    await lake.putRaw('meter/b.csv', 'id,total\n2,1.5\n')
    await lake.run(undefined, { startTime: DAY2 })

    // Act: a late file with the old header
    await lake.putRaw('meter/c.csv', 'id,amount\n3,7.75\n')
    const refused = await lake.run(undefined, { startTime: DAY2 })
    await lake.putRaw('_contracts/meter.json', JSON.stringify({ columns: [{ name: 'total', type: 'decimal(18,2)', renamedFrom: 'amount', aliases: ['amount'] }] }))
    const aliased = await lake.run(undefined, { startTime: DAY2 })

    // Assess
    expect(refused.report.files).toMatchObject([{ key: 'meter/c.csv', outcome: 'failed' }])
    expect(refused.report.files[0].reason).toMatch(/^ContractViolationError: contract: this file has column\(s\) amount \(now total\) under the name a column of table meter had before its rename/)
    expect(aliased.report.files).toMatchObject([{ key: 'meter/c.csv', outcome: 'loaded', rowsOut: 1 }])
    expect(await columnsOf(lake, 'meter')).toEqual(['id bigint', 'total decimal(18,2)', '_sluice_source string', '_sluice_run_id string'])
  })
})
