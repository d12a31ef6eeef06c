import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { localLake } from '../../cli/local/local-lake'
import { openLakeQuery } from '../../cli/query/lake-query'
import { partitionFiles } from '../../cli/query/partition-files'
import { createLake, type E2ELake } from '../support/e2e-lake'

/** A Hive lake: an Iceberg table's metadata holds absolute locations, so a copied lake cannot read it yet (docs/iceberg.md). */
const TESTED_FORMAT = 'hive'

const run = promisify(execFile)

const JULY = ['order_id,customer_id,ordered_at,status,items,total_eur,note', '59001,1001,2024-07-02T10:00:00Z,pending,1,10.00,copied lake', ''].join('\n')

async function countOrders(dir: string): Promise<number> {
  const lake = localLake(dir)
  const query = await openLakeQuery(lake.catalog, lake.database, partitionFiles({}, join(dir, '.cache')))
  try {
    return (await query.query('SELECT count(*) AS n FROM orders')).rows[0]!['n'] as number
  } finally {
    query.close()
  }
}

describe('a copied or moved local lake', () => {
  let lake: E2ELake | undefined
  let copy: string | undefined

  afterEach(async () => {
    await lake?.dispose()
    if (copy) await rm(copy, { recursive: true, force: true })
    lake = copy = undefined
  })

  it('stores partition locations relative to the lake in the local catalog', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'], tableFormat: TESTED_FORMAT })

    // Act
    await lake.run()
    const stored = JSON.parse(await readFile(join(lake.dir, 'catalog', 'sluice', 'orders.json'), 'utf8')) as {
      table: { StorageDescriptor: { Location: string } }
      partitions: { StorageDescriptor: { Location: string } }[]
    }

    // Assess
    expect(stored.table.StorageDescriptor.Location).toBe('curated/orders/')
    expect(stored.partitions.map((p) => p.StorageDescriptor.Location)).toEqual(['curated/orders/ingest_date=2024-07-01/'])
    expect((await lake.deps.catalog.getTable('sluice', 'orders'))?.StorageDescriptor.Location).toBe(`${pathToFileURL(join(lake.dir, 'curated', 'orders')).href}/`)
  })

  it('queries its own files after cp -a, including a file loaded into the copy after copying', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv'], tableFormat: TESTED_FORMAT })
    await lake.run()
    const before = await countOrders(lake.dir)
    copy = `${lake.dir}-copy`
    await run('cp', ['-a', lake.dir, copy])
    await writeFile(join(copy, 'raw', 'orders', 'orders-2024-07.csv'), JULY)

    // Act
    const outcome = await lake.run(undefined, { deps: localLake(copy) })
    const inCopy = await countOrders(copy)
    const inOriginal = await countOrders(lake.dir)
    await rm(lake.dir, { recursive: true, force: true })
    const copyAlone = await countOrders(copy)

    // Assess
    expect(outcome.failure).toBeUndefined()
    expect(outcome.report.totals).toMatchObject({ loaded: 1, skipped: 2 })
    expect(inCopy).toBe(before + 1)
    expect(inOriginal).toBe(before)
    expect(copyAlone).toBe(before + 1)
  })

  it('still reads a catalog written with absolute file:// locations', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'], tableFormat: TESTED_FORMAT })
    await lake.run()
    const before = await countOrders(lake.dir)
    const path = join(lake.dir, 'catalog', 'sluice', 'orders.json')
    const absolute = (await readFile(path, 'utf8')).replace(/"curated\//g, `"${pathToFileURL(join(lake.dir, 'curated')).href}/`)
    await writeFile(path, absolute)

    // Act
    const after = await countOrders(lake.dir)

    // Assess
    expect(absolute).toContain('file://')
    expect(after).toBe(before)
  })
})
