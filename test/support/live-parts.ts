import { fileURLToPath } from 'node:url'
import { parquetMetadata } from 'hyparquet'
import type { TaskHandler, WorkflowStep } from '../../cli/local/run-workflow'
import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { athenaTypeName } from '../../functions/core/schema/athena-types'
import { writtenType } from '../../functions/core/schema/cast-values'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { icebergTableFormat } from '../../functions/adapters/iceberg-table-format'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { keyOfLocation } from '../../functions/adapters/zone-locations'

/** One live part of a table and the Athena type each of its columns was written with. */
export interface LivePart {
  key: string
  /** A local path for a lake in a folder, else the object's location. */
  path: string
  types: Record<string, string>
}

/**
 * The Parquet objects a query of `table` reads (those under its registered partitions) with
 * the type of every column as its Parquet schema gives it (physical and logical).
 */
export async function liveParts(catalog: Catalog, database: string, table: string, curated: ObjectStore): Promise<LivePart[]> {
  const parts: LivePart[] = []
  for (const { location, keys } of await readFolders(catalog, database, table, curated)) {
    for (const key of keys.sort()) {
      const chunks: Uint8Array[] = []
      for await (const c of curated.read(key)) chunks.push(c)
      const bytes = Buffer.concat(chunks)
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
      const types: Record<string, string> = {}
      for (const e of meta.schema.slice(1)) {
        const t = writtenType(e)
        types[e.name] = t ? athenaTypeName(t) : String(e.type)
      }
      parts.push({ key, path: location.startsWith('file:') ? fileURLToPath(curated.location(key)) : curated.location(key), types })
    }
  }
  return parts
}

/**
 * Where a query of the table reads: a Hive table's registered partition folders and the Parquet
 * objects in them, or an Iceberg table's current snapshot's data files (one group).
 */
async function readFolders(catalog: Catalog, database: string, table: string, curated: ObjectStore): Promise<{ location: string; keys: string[] }[]> {
  const base = curated.location('')
  const current = await currentTableFiles({ store: curated, catalog, database }, table)
  if (current) return [{ location: base, keys: current.files.map((f) => keyOfLocation(curated, f.path)) }]
  const folders: { location: string; keys: string[] }[] = []
  for (const p of await catalog.listPartitions(database, table)) {
    const location = p.StorageDescriptor.Location
    if (!location.startsWith(base)) throw new Error(`partition ${location} is outside the curated zone ${base}`)
    const keys: string[] = []
    for await (const o of curated.list(location.slice(base.length))) if (o.key.endsWith('.parquet')) keys.push(o.key)
    folders.push({ location, keys })
  }
  return folders
}

/**
 * Runs Transform as if the table did not exist yet (a Plan that read the catalog before
 * another execution's Load created or widened the table): each file is written in the types
 * its own values infer, and the Load reconciles them with the table.
 */
export const transformingBlind = (state: string, handler: TaskHandler): TaskHandler =>
  state === 'Transform' ? async (event) => handler({ ...(event as object), tables: {} }) : handler

/**
 * transformingBlind, and `armed()` true while this execution's Load runs: a fault injected
 * elsewhere can then strike the Load alone.
 */
export function armingLoad(): { wrap: (state: WorkflowStep, handler: TaskHandler) => TaskHandler; armed: () => boolean } {
  let loading = false
  const wrap = (state: WorkflowStep, handler: TaskHandler): TaskHandler => {
    const blind = transformingBlind(state, handler)
    if (state !== 'Load') return blind
    return async (event) => {
      loading = true
      try {
        return await blind(event)
      } finally {
        loading = false
      }
    }
  }
  return { wrap, armed: () => loading }
}

/**
 * The partitions a query of the table reads, each as its values in key order, sorted: a Hive
 * table's registered partitions, or the partition tuples of an Iceberg table's current data files.
 */
export async function partitionValues(deps: Pick<LakeDeps, 'curated' | 'catalog' | 'database'>, table: string): Promise<string[][]> {
  const current = await icebergTableFormat({ store: deps.curated, catalog: deps.catalog, database: deps.database }).readTable(table)
  const tuples = current
    ? current.files.map((f) => current.partitionColumns.map((c) => f.partition[c] ?? ''))
    : (await deps.catalog.listPartitions(deps.database, table)).map((p) => p.Values)
  return [...new Map(tuples.map((t) => [JSON.stringify(t), t])).values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}
