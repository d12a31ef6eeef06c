import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetMetadata } from 'hyparquet'
import type { TaskHandler } from '../../cli/local/run-workflow'
import type { Catalog } from '../../functions/core/catalog'
import { athenaTypeName } from '../../functions/core/athena-types'
import { writtenType } from '../../functions/core/schema/cast-values'

/** One live part of a table and the Athena type each of its columns was written with. */
export interface LivePart {
  path: string
  types: Record<string, string>
}

/**
 * The Parquet files a query of `table` reads (those of its registered partitions, in a local
 * lake) with the type of every column as its Parquet schema gives it (physical and logical).
 */
export async function liveParts(catalog: Catalog, database: string, table: string): Promise<LivePart[]> {
  const parts: LivePart[] = []
  for (const p of await catalog.listPartitions(database, table)) {
    const dir = fileURLToPath(p.StorageDescriptor.Location)
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names.filter((n) => n.endsWith('.parquet')).sort()) {
      const bytes = await readFile(join(dir, name))
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
      const types: Record<string, string> = {}
      for (const e of meta.schema.slice(1)) {
        const t = writtenType(e)
        types[e.name] = t ? athenaTypeName(t) : String(e.type)
      }
      parts.push({ path: join(dir, name), types })
    }
  }
  return parts
}

/**
 * Runs Transform as if the table did not exist yet (a Plan that read the catalog before
 * another execution's Load created or widened the table): each file is written in the types
 * its own values infer, and the Load reconciles them with the table.
 */
export const transformingBlind = (state: string, handler: TaskHandler): TaskHandler =>
  state === 'Transform' ? async (event) => handler({ ...(event as object), tables: {} }) : handler
