import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { icebergRead } from 'icebird'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { commitTableChange, currentTableFiles, readPointer, swapMetadataLocation, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import { keyOfLocation } from '../../functions/adapters/zone-locations'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { partDataFile } from '../../functions/core/table-format/iceberg/part-data-file'
import { NAME_MAPPING, withSchema } from '../../functions/core/table-format/iceberg/table-metadata'
import type { DataFile } from '../../functions/core/table-format/iceberg/iceberg-model'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'
import { serveFolder } from '../support/http-folder'
import { expectV2Metadata } from '../support/iceberg-spec'

const NOW = new Date('2024-07-01T06:00:00Z')
const BEFORE: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'item', type: { kind: 'string' } }] }
const AFTER: IcebergTableSpec = { ...BEFORE, columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'fruit', type: { kind: 'string' } }] }

let dir: string
let curated: string
let server: { url: string; close: () => Promise<void> }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-iceberg-renames-'))
  curated = join(dir, 'curated')
  await mkdir(curated, { recursive: true })
  server = await serveFolder(curated)
})

afterAll(async () => {
  await server.close()
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

/** A lake zone whose locations are the HTTP URLs of the same folder, so icebird can fetch them. */
function target(): IcebergTarget {
  const store: ObjectStore = { ...localObjectStore(curated), location: (prefix) => `${server.url}${prefix}` }
  return { store, catalog: localCatalog(join(dir, 'catalog'), dir), database: 'sluice' }
}

/** Writes a Parquet part without field ids (as sluice writes them) whose text column is named `column`. */
async function part(t: IcebergTarget, source: string, column: string, rows: [number, string][]): Promise<DataFile> {
  const key = `orders/ingest_date=2024-07-01/${source}-p1-00000.parquet`
  const path = join(curated, key)
  await mkdir(dirname(path), { recursive: true })
  const values = rows.map(([id, text]) => `(${id}::INTEGER, ${sqlString(text)})`).join(', ')
  await duckQuery(`COPY (SELECT * FROM (VALUES ${values}) v(id, ${column})) TO ${sqlString(path)} (FORMAT parquet)`)
  const { schema } = evolveSchema(undefined, BEFORE.columns, 0)
  return partDataFile({ key, location: t.store.location(key), rows: rows.length, bytes: (await stat(path)).size }, partitionSpec(schema), schema)
}

describe('a renamed column of an Iceberg table', () => {
  it('keeps its field id and every name it has had in the name mapping, through the catalog pointer swap', async () => {
    // Prepare: a table whose part holds the column as `item`
    const t = target()
    await commitTableChange(t, BEFORE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'item', [[1, 'apple'], [2, 'pear']])] }] }, NOW)

    // Act: the schema sync renames it to `fruit` (the working definition's renamesOf), then a part written as `fruit` is appended
    const renames = { fruit: 'item' }
    const { read } = await readPointer(t, 'orders')
    const metadata = (await currentTableFiles(t, 'orders'))!.metadata
    const evolved = evolveSchema(metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']), AFTER.columns, metadata['last-column-id'], renames)
    const renamed = withSchema(metadata, evolved.schema, evolved.lastColumnId, renames)
    const key = 'orders/metadata/00001-renamed.metadata.json'
    await t.store.writeText(key, JSON.stringify(renamed))
    await swapMetadataLocation(t, AFTER, renamed, read, t.store.location(key))
    await commitTableChange(t, AFTER, { sources: [{ source: 'bbbb', files: [await part(t, 'bbbb', 'fruit', [[3, 'plum']])] }] }, NOW)

    // Assess
    const current = (await currentTableFiles(t, 'orders'))!
    const schema = current.metadata.schemas.find((s) => s['schema-id'] === current.metadata['current-schema-id'])!
    expect(schema.fields.map((f) => [f.id, f.name])).toEqual([[1, 'ingest_date'], [2, 'id'], [3, 'fruit']])
    expect(current.metadata['last-column-id']).toBe(3)
    expect(JSON.parse(current.metadata.properties[NAME_MAPPING])).toContainEqual({ 'field-id': 3, names: ['item', 'fruit'] })
    expectV2Metadata(current.metadata as unknown as Record<string, unknown>)
    // icebird 0.3.1 reads a part that carries no `iceberg.schema` key by the field's current name,
    // not by the name mapping: it finds the new part's column, and none in the old part (see docs/iceberg.md).
    const rows = (await icebergRead({ tableUrl: t.store.location('orders'), metadata: current.metadata as never })) as { id: number; fruit?: string }[]
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([1, 2, 3])
    expect(rows.find((r) => Number(r.id) === 3)?.fruit).toBe('plum')
    expect((await t.catalog.getTable('sluice', 'orders'))?.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(['ingest_date', 'id', 'fruit'])
    expect(keyOfLocation(t.store, current.files[0].path)).toMatch(/^orders\/ingest_date=2024-07-01\//)
  })
})
