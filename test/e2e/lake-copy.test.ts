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
import { expireDataset } from '../../functions/load/expire-tables'


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

describe.each(['hive', 'iceberg'] as const)('a copied or moved local lake of %s tables', (TESTED_FORMAT) => {
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
    // A Hive table's partitions, an Iceberg table's metadata pointer: inside the lake, so relative.
    if (TESTED_FORMAT === 'hive') expect(stored.partitions.map((p) => p.StorageDescriptor.Location)).toEqual(['curated/orders/ingest_date=2024-07-01/'])
    else expect((stored.table as unknown as { Parameters: Record<string, string> }).Parameters['metadata_location']).toMatch(/^curated\/orders\/metadata\/\d{5}-.*\.metadata\.json$/)
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
    // Expiry in the copy deletes the copy's files only (an Iceberg table's replaced ones; none on Hive).
    const originalParts = (await lake.curatedKeys('orders/')).length
    await writeFile(join(copy, 'raw', 'orders', 'orders-2024-06.csv'), JULY.replace('59001', '59002'))
    const replaced = await lake.run(undefined, { deps: localLake(copy) })
    await expireDataset(localLake(copy), 'orders', new Date(Date.now() + 25 * 3_600_000))
    const originalPartsAfter = (await lake.curatedKeys('orders/')).length
    const inCopyReplaced = await countOrders(copy)
    await rm(lake.dir, { recursive: true, force: true })
    const copyAlone = await countOrders(copy)

    // Assess
    expect(outcome.failure).toBeUndefined()
    expect(outcome.report.totals).toMatchObject({ loaded: 1, skipped: 2 })
    expect(inCopy).toBe(before + 1)
    expect(inOriginal).toBe(before)
    expect(replaced.failure).toBeUndefined()
    expect(originalPartsAfter).toBe(originalParts)
    expect(inCopyReplaced).toBe(copyAlone)
    expect(inCopyReplaced).toBeLessThan(inCopy)
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
