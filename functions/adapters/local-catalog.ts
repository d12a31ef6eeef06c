import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Catalog, PartitionInput, TableInput } from '../core/catalog'

interface StoredTable {
  table: TableInput
  partitions: PartitionInput[]
}

/**
 * A Glue-shaped catalog kept as JSON: `<dir>/<database>/<table>.json` holds the same
 * TableInput and PartitionInputs that would go to Glue.
 */
export function localCatalog(dir: string): Catalog {
  const tablePath = (db: string, name: string) => join(dir, db, `${name}.json`)
  const read = async (db: string, name: string): Promise<StoredTable | undefined> => {
    try {
      return JSON.parse(await readFile(tablePath(db, name), 'utf8')) as StoredTable
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }
  const write = async (db: string, stored: StoredTable) => {
    const path = tablePath(db, stored.table.Name)
    const tmp = `${path}.tmp`
    await writeFile(tmp, `${JSON.stringify(stored, null, 2)}\n`)
    await rename(tmp, path)
  }
  return {
    async ensureDatabase(db) {
      await mkdir(join(dir, db), { recursive: true })
    },
    async getTable(db, name) {
      return (await read(db, name))?.table
    },
    async putTable(db, table) {
      const existing = await read(db, table.Name)
      await write(db, { table, partitions: existing?.partitions ?? [] })
    },
    async addPartitions(db, name, partitions) {
      const stored = await read(db, name)
      if (!stored) throw new Error(`catalog: table ${db}.${name} does not exist`)
      const known = new Set(stored.partitions.map((p) => JSON.stringify(p.Values)))
      const added = partitions.filter((p) => !known.has(JSON.stringify(p.Values)))
      if (added.length > 0) await write(db, { ...stored, partitions: [...stored.partitions, ...added] })
    },
    async listTables(db) {
      let files: string[]
      try {
        files = await readdir(join(dir, db))
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw e
      }
      const tables = await Promise.all(files.filter((f) => f.endsWith('.json')).sort().map((f) => read(db, f.slice(0, -5))))
      return tables.flatMap((t) => (t ? [t.table] : []))
    },
    async listPartitions(db, name) {
      return (await read(db, name))?.partitions ?? []
    },
  }
}
