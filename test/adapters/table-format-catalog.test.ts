import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { tableFormatCatalog } from '../../functions/adapters/table-format-catalog'
import { parquetTable } from '../../functions/core/lake/catalog'
import { icebergTableInput } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { renamesOf, isIcebergDefinition } from '../../functions/core/table-format/iceberg/working-definition'
import type { TableFormatName } from '../../functions/core/table-format/table-format-setting'

let dir: string
afterEach(async () => rm(dir, { recursive: true, force: true }))

async function lake(lakeDefault: TableFormatName | undefined, contracts: Record<string, unknown> = {}) {
  dir = await mkdtemp(join(tmpdir(), 'sluice-formats-'))
  const raw = localObjectStore(join(dir, 'raw'))
  const curated = localObjectStore(join(dir, 'curated'))
  for (const [dataset, contract] of Object.entries(contracts)) await raw.writeText(`_contracts/${dataset}.json`, JSON.stringify(contract))
  const real = localCatalog(join(dir, 'catalog'))
  return { real, curated, catalog: tableFormatCatalog(real, curated, { raw, lakeDefault }) }
}

const table = (name: string, parameters: Record<string, string> = {}) => {
  const t = parquetTable(name, [{ Name: 'id', Type: 'int' }], [{ Name: 'ingest_date', Type: 'date' }], `file:///lake/${name}/`)
  return { ...t, Parameters: { ...t.Parameters, ...parameters } }
}

describe('the workflow catalog', () => {
  it('creates a new table in its contract\'s format, else the lake\'s, and its rejects table in its dataset\'s', async () => {
    const { real, catalog } = await lake('hive', { events: { tableFormat: 'iceberg' } })
    await catalog.createTable('sluice', table('events'))
    await catalog.createTable('sluice', table('events__rejects'))
    await catalog.createTable('sluice', table('orders'))
    expect(await catalog.formatOf('sluice', 'events')).toBe('iceberg')
    expect(await catalog.formatOf('sluice', 'events__rejects')).toBe('iceberg')
    expect(await catalog.formatOf('sluice', 'orders')).toBe('hive')
    // The Iceberg tables' definitions are working ones, out of the readers' catalog.
    expect((await real.listTables('sluice')).map((t) => t.Name)).toEqual(['orders'])
    expect(isIcebergDefinition(await catalog.getTable('sluice', 'events'))).toBe(true)
    expect(isIcebergDefinition(await catalog.getTable('sluice', 'orders'))).toBe(false)
  })

  it('without a lake setting, makes a new lake\'s tables Iceberg ones, and a lake that has a Hive table goes on with Hive', async () => {
    const fresh = await lake(undefined)
    await fresh.catalog.createTable('sluice', table('events'))
    await fresh.catalog.createTable('sluice', table('orders'))
    expect([await fresh.catalog.formatOf('sluice', 'events'), await fresh.catalog.formatOf('sluice', 'orders')]).toEqual(['iceberg', 'iceberg'])
    await rm(dir, { recursive: true, force: true })

    const old = await lake(undefined, { events: { tableFormat: 'iceberg' } })
    await old.real.createTable('sluice', table('customers'))
    await old.catalog.createTable('sluice', table('orders'))
    await old.catalog.createTable('sluice', table('events'))
    expect([await old.catalog.formatOf('sluice', 'orders'), await old.catalog.formatOf('sluice', 'events')]).toEqual(['hive', 'iceberg'])
    expect((await old.real.listTables('sluice')).map((t) => t.Name).sort()).toEqual(['customers', 'orders'])
  })

  it('keeps an existing table\'s format whatever the contract and the lake say now', async () => {
    const { real, catalog } = await lake('iceberg', { orders: { tableFormat: 'iceberg' } })
    await real.createTable('sluice', table('orders'))
    expect(await catalog.formatOf('sluice', 'orders')).toBe('hive')
    await catalog.createTable('sluice', table('orders__rejects'))
    expect(await catalog.formatOf('sluice', 'orders__rejects')).toBe('hive')
    expect((await real.listTables('sluice')).map((t) => t.Name).sort()).toEqual(['orders', 'orders__rejects'])
  })

  it('reads an Iceberg table\'s working definition while the catalog holds its pointer, and keeps renames through a swap', async () => {
    const { real, catalog } = await lake('iceberg')
    await catalog.createTable('sluice', table('events', { 'sluice.renamed.total': 'amount' }))
    const { schema } = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }], 0)
    await real.createTable('sluice', icebergTableInput('events', 'file:///lake/events/', schema, 'file:///lake/events/metadata/1.metadata.json'))
    const read = await catalog.readTable('sluice', 'events')
    expect(isIcebergDefinition(read!.table)).toBe(true)
    // A reprocess swaps in a definition built afresh: the renames stay.
    await catalog.replaceTable('sluice', table('events'), [], read!.version)
    expect(renamesOf((await catalog.getTable('sluice', 'events'))!)).toEqual({ total: 'amount' })
    expect(await catalog.listPartitions('sluice', 'events')).toEqual([])
    await catalog.deleteTable('sluice', 'events')
    expect(await catalog.getTable('sluice', 'events')).toBeUndefined()
    expect(await real.getTable('sluice', 'events')).toBeUndefined()
  })
})
