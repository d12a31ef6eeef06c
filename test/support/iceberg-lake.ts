import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { icebergRead } from 'icebird'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { DataFile, TableMetadata } from '../../functions/core/table-format/iceberg/iceberg-model'
import { evolveSchema, type TableColumn } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { partDataFile } from '../../functions/core/table-format/iceberg/part-data-file'
import { writeBytes } from '../../functions/adapters/iceberg-files'
import { duckQuery, sqlString } from './duckdb-parquet'

/**
 * Writes a Parquet part of `table` with DuckDB from a SELECT (its columns are the file's
 * columns, under the names and types it gives them) at the key Load gives a part,
 * `<table>/ingest_date=<date>/<source>-<publish>-00000.parquet` of the zone (a local folder or
 * a bucket), and describes it as a data file of a table of these columns.
 */
export async function writeDataFile(store: ObjectStore, table: { name: string; columns: TableColumn[] }, part: { source: string; publish: string; date: string; select: string }): Promise<DataFile> {
  const key = `${table.name}/ingest_date=${part.date}/${part.source}-${part.publish}-00000.parquet`
  const dir = await mkdtemp(join(tmpdir(), 'sluice-part-'))
  try {
    const path = join(dir, 'part.parquet')
    await duckQuery(`COPY (${part.select}) TO ${sqlString(path)} (FORMAT parquet)`)
    const bytes = new Uint8Array(await readFile(path))
    await writeBytes(store, key, bytes)
    const { schema } = evolveSchema(undefined, table.columns, 0)
    const rows = Number((await duckQuery(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlString(path)})`))[0]!.n)
    return partDataFile({ key, location: store.location(key), rows, bytes: bytes.length }, partitionSpec(schema), schema)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The rows icebird (the independent Iceberg reader) reads from a table in a local folder, as
 * of `metadata`'s current snapshot: its fetches of `file://` URLs are answered from the disk.
 * icebird reads a data file without field ids by the current schema's names, and gives no
 * identity partition value (see docs/iceberg.md), so compare the data columns.
 */
export async function icebirdRows(metadata: TableMetadata): Promise<Record<string, unknown>[]> {
  answerFileUrls()
  return (await icebergRead({ tableUrl: metadata.location, metadata: metadata as never })) as Record<string, unknown>[]
}

let answering = false

/**
 * Makes `fetch` answer `file://` URLs from the disk, once for the process (reads of several
 * lakes may run at once, so it is never swapped back); other URLs go to the real fetch.
 */
function answerFileUrls(): void {
  if (answering) return
  answering = true
  const fetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith('file:')) return fetch(input, init)
    return new Response(new Uint8Array(await readFile(fileURLToPath(url))))
  }
}
