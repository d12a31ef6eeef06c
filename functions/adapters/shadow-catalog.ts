import type { Catalog, PartitionInput, TableInput } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import { shadowCatalogKey } from '../core/lake/generation'
import type { ObjectStore } from '../core/lake/object-store'

interface ShadowTables {
  tables: Record<string, { table: TableInput; partitions: PartitionInput[]; version: number }>
}

/** Races lost in a row before a change is reported as a conflict. */
const MAX_ATTEMPTS = 50

/**
 * The catalog of a generation being rebuilt: the same interface as the real one, kept as one
 * JSON object in the curated zone (`_ledger/<dataset>/_rebuild/<g>/catalog.json`) and changed
 * by compare-and-swap, so the schema commit and partition registration of a load work on it
 * unchanged. Readers never see it; the swap copies it into the real catalog.
 */
export function shadowCatalog(curated: ObjectStore, dataset: string, generation: string): Catalog {
  const key = shadowCatalogKey(dataset, generation)
  const load = async () => {
    const read = await curated.readVersioned(key)
    return { read, state: read ? (JSON.parse(read.text) as ShadowTables) : { tables: {} } }
  }
  const change = async (apply: (state: ShadowTables) => boolean): Promise<void> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { read, state } = await load()
      if (!apply(state)) return
      try {
        await curated.writeText(key, JSON.stringify(state), read ? { ifMatch: read.etag } : { ifNoneMatch: '*' })
        return
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error
      }
    }
    throw new WriteConflictError(`rebuild: the catalog of ${dataset} generation ${generation} lost ${MAX_ATTEMPTS} races in a row`)
  }
  const readTable = async (_db: string, name: string) => {
    const entry = (await load()).state.tables[name]
    return entry && { table: entry.table, version: String(entry.version) }
  }
  return {
    async ensureDatabase() {},
    async getTable(db, name) {
      return (await readTable(db, name))?.table
    },
    readTable,
    async createTable(_db, table) {
      let exists = false
      await change((state) => {
        exists = table.Name in state.tables
        if (!exists) state.tables[table.Name] = { table, partitions: [], version: 1 }
        return !exists
      })
      if (exists) throw new WriteConflictError(`rebuild: table ${table.Name} exists already`)
    },
    async updateTable(_db, table, version) {
      let stale = false
      await change((state) => {
        const entry = state.tables[table.Name]
        stale = !entry || String(entry.version) !== version
        if (!stale) state.tables[table.Name] = { ...entry!, table, version: entry!.version + 1 }
        return !stale
      })
      if (stale) throw new WriteConflictError(`rebuild: table ${table.Name} changed since version ${version}`)
    },
    async addPartitions(_db, name, partitions) {
      await change((state) => {
        const entry = state.tables[name]
        if (!entry) throw new Error(`rebuild: table ${name} does not exist`)
        const known = new Set(entry.partitions.map((p) => JSON.stringify(p.Values)))
        const added = partitions.filter((p) => !known.has(JSON.stringify(p.Values)))
        for (const partition of added) entry.partitions.push(partition)
        return added.length > 0
      })
    },
    async movePartition() {
      throw new Error('rebuild: a shadow catalog is never compacted')
    },
    async replaceTable() {
      throw new Error('rebuild: a shadow catalog is never swapped into')
    },
    async deleteTable() {
      throw new Error('rebuild: a shadow catalog is removed with its rebuild')
    },
    async listTables() {
      return Object.values((await load()).state.tables).map((e) => e.table)
    },
    async listPartitions(_db, name) {
      return (await load()).state.tables[name]?.partitions ?? []
    },
  }
}
