import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { parquetPartition, parquetTable, type Catalog } from '../../functions/core/lake/catalog'
import { WriteConflictError } from '../../functions/core/errors'
import { startGlueServer, type GlueServer } from '../support/glue-server'

/**
 * A compaction ends by moving its partition to the folder it built, but only from the folder it
 * started from: a partition that a swap to another table generation moved meanwhile stays put.
 */
describe.each(['the local catalog', 'Glue'] as const)('moving a partition in %s', (place) => {
  let glue: GlueServer | undefined
  let dir: string | undefined

  afterAll(async () => {
    await glue?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function catalogWithPartition(): Promise<{ catalog: Catalog; base: string }> {
    dir = await mkdtemp(join(tmpdir(), 'sluice-moves-'))
    const base = pathToFileURL(join(dir, 'curated')).href
    let catalog: Catalog
    if (place === 'Glue') {
      glue = await startGlueServer()
      catalog = glueCatalog(glue.client)
    } else catalog = localCatalog(join(dir, 'catalog'), dir)
    await catalog.ensureDatabase('sluice')
    const table = parquetTable('events', [{ Name: 'id', Type: 'bigint' }], [{ Name: 'ingest_date', Type: 'string' }], `${base}/events/`)
    await catalog.createTable('sluice', table)
    await catalog.addPartitions('sluice', 'events', [parquetPartition(table, ['2024-07-01'], `${base}/events/ingest_date=2024-07-01/`)])
    return { catalog, base }
  }

  const locationOf = async (catalog: Catalog) => (await catalog.listPartitions('sluice', 'events'))[0]!.StorageDescriptor.Location

  it('moves it from where it is, and refuses from anywhere else', async () => {
    // Prepare
    const { catalog, base } = await catalogWithPartition()
    const home = `${base}/events/ingest_date=2024-07-01/`
    const compacted = `${base}/events/compacted/c1/ingest_date=2024-07-01/`
    const swapped = `${base}/events/gen=abc/ingest_date=2024-07-01/`

    // Act
    await catalog.movePartition('sluice', 'events', ['2024-07-01'], compacted, home)
    const moved = await locationOf(catalog)
    const stale = await catalog.movePartition('sluice', 'events', ['2024-07-01'], swapped, home).catch((e: unknown) => e)

    // Assess
    expect(moved).toBe(compacted)
    expect(stale).toBeInstanceOf(WriteConflictError)
    expect(await locationOf(catalog)).toBe(compacted)
  })
})
