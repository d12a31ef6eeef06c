import type { Catalog, TableInput, VersionedTable } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import type { ObjectStore } from '../core/lake/object-store'
import { asWorking, workingTableKey } from '../core/table-format/iceberg/lake-tables'

/**
 * The working definitions of Iceberg tables (lake-tables.ts): the catalog interface over one JSON
 * object per table in the curated zone, changed by compare-and-swap on the object's ETag, so the
 * schema commits, widenings and swaps of Load work on it unchanged. Partitions are not kept:
 * an Iceberg table's partitions are in its manifests.
 */
export function workingCatalog(curated: ObjectStore): Catalog {
  const readTable = async (_db: string, name: string): Promise<VersionedTable | undefined> => {
    const read = await curated.readVersioned(workingTableKey(name))
    return read && { table: JSON.parse(read.text) as TableInput, version: read.etag }
  }
  const write = async (table: TableInput, version?: string) => {
    await curated.writeText(workingTableKey(table.Name), JSON.stringify(asWorking(table)), version === undefined ? { ifNoneMatch: '*' } : { ifMatch: version })
  }
  return {
    async ensureDatabase() {},
    async getTable(db, name) {
      return (await readTable(db, name))?.table
    },
    readTable,
    async createTable(_db, table) {
      await write(table)
    },
    async updateTable(_db, table, version) {
      await write(table, version)
    },
    async addPartitions() {},
    async replaceTable(db, table, _partitions, version) {
      if (version !== undefined) return write(table, version)
      for (let attempt = 0; attempt < 50; attempt++) {
        const read = await readTable(db, table.Name)
        try {
          return await write(table, read?.version)
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error
        }
      }
      throw new WriteConflictError(`iceberg: the working definition of ${table.Name} kept changing`)
    },
    async movePartition() {
      throw new Error('iceberg: an Iceberg table has no partition folders to move')
    },
    async deleteTable(_db, name) {
      await curated.delete([workingTableKey(name)])
    },
    async listTables() {
      const tables: TableInput[] = []
      for await (const o of curated.list('_iceberg/')) {
        if (!/^_iceberg\/[^/]+\.json$/.test(o.key)) continue
        const text = await curated.readText(o.key)
        if (text) tables.push(JSON.parse(text) as TableInput)
      }
      return tables
    },
    async listPartitions() {
      return []
    },
  }
}
