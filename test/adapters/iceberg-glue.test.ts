import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { commitTableChange, currentTableFiles, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import type { DataFile } from '../../functions/core/table-format/iceberg/iceberg-model'
import { startGlueServer, type GlueServer } from '../support/glue-server'

const NOW = new Date('2024-07-01T06:00:00Z')
const TABLE: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'bigint' } }] }

let dir: string
let glue: GlueServer
let target: IcebergTarget

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-iceberg-glue-'))
  glue = await startGlueServer()
  target = { store: localObjectStore(dir), catalog: glueCatalog(glue.client), database: 'sluice' }
  await target.catalog.ensureDatabase('sluice')
})

afterAll(async () => {
  await glue.stop()
  await rm(dir, { recursive: true, force: true })
})

/** A data file entry; the commit reads no data file, so none needs to exist. */
function dataFile(source: string, publish: string): DataFile {
  return { path: target.store.location(`orders/ingest_date=2024-07-01/${source}-${publish}-00000.parquet`), source, recordCount: 1, sizeBytes: 10, partition: { ingest_date: 19905 } }
}

describe('Iceberg commits on Glue', () => {
  it('creates the table, then swaps metadata_location by UpdateTable conditional on VersionId, as Iceberg\'s Glue catalog does', async () => {
    const first = await commitTableChange(target, TABLE, { sources: [{ source: 'aaaa', files: [dataFile('aaaa', 'p1')] }] }, NOW)
    const created = glue.table('sluice', 'orders')!.VersionId
    const second = await commitTableChange(target, TABLE, { sources: [{ source: 'bbbb', files: [dataFile('bbbb', 'p1')] }] }, NOW)

    const update = glue.log.find((c) => c.operation === 'UpdateTable')!
    expect(update.input.VersionId).toBe(created)
    expect(glue.table('sluice', 'orders')!.VersionId).not.toBe(created)
    expect((update.input.TableInput as { Parameters: Record<string, string> }).Parameters).toEqual({ table_type: 'ICEBERG', metadata_location: second.metadataLocation, previous_metadata_location: first.metadataLocation })
    const stored = glue.table('sluice', 'orders')!
    expect(stored.Parameters).toMatchObject({ table_type: 'ICEBERG', metadata_location: second.metadataLocation })
    expect((stored.StorageDescriptor as { Columns: unknown[] }).Columns).toEqual([{ Name: 'ingest_date', Type: 'date' }, { Name: 'id', Type: 'bigint' }])
    expect(stored.PartitionKeys ?? []).toEqual([])
  })

  it('applies a commit again after Glue answers ConcurrentModificationException for a stale VersionId', async () => {
    let raced = false
    const undo = glue.beforeCall('UpdateTable', async () => {
      if (raced) return
      raced = true
      await commitTableChange(target, TABLE, { sources: [{ source: 'cccc', files: [dataFile('cccc', 'p1')] }] }, NOW)
    })
    const result = await commitTableChange(target, TABLE, { sources: [{ source: 'dddd', files: [dataFile('dddd', 'p1')] }] }, NOW)
    undo()

    expect(result.attempts).toBe(2)
    expect(glue.log.some((c) => c.operation === 'UpdateTable' && c.error?.includes('ConcurrentModificationException'))).toBe(true)
    const current = await currentTableFiles(target, 'orders')
    expect(current!.files.map((f) => f.source).sort()).toEqual(['aaaa', 'bbbb', 'cccc', 'dddd'])
  })
})
