import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Catalog, PartitionInput, TableInput } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import { retryMissingDir, withFileLock } from './local-lock'

interface StoredTable {
  table: TableInput
  partitions: PartitionInput[]
  /** Bumped by every change of the definition, as Glue's VersionId. */
  version?: number
}

/**
 * A Glue-shaped catalog kept as JSON: `<dir>/<database>/<table>.json` holds the same
 * TableInput and PartitionInputs that would go to Glue. Every change is made under a lock on
 * the table file and lands by an atomic rename of a uniquely named temporary file, so
 * concurrent processes never lose each other's changes or see a half-written file.
 *
 * Locations inside the lake (`root`, by default the catalog folder's parent) are stored
 * relative to it (`curated/orders/ingest_date=…/`) and read back as `file://` URLs of where
 * the lake is now, so a copied or moved lake queries its own files; so are an Iceberg table's
 * metadata pointers (its metadata's own locations are moved as they are read, iceberg-files.ts). Absolute `file://`
 * locations of catalogs written before are read as they are; `s3://` ones are never touched.
 */
export function localCatalog(dir: string, root = dirname(resolve(dir))): Catalog {
  const lakeRoot = resolve(root)
  const stored = (location: string) => storedLocation(location, lakeRoot)
  const resolved = (location: string) => resolvedLocation(location, lakeRoot)
  const toDisk = (s: StoredTable): StoredTable => ({ ...s, table: withPointers(withLocation(s.table, stored), stored), partitions: s.partitions.map((p) => withLocation(p, stored)) })
  const fromDisk = (s: StoredTable): StoredTable => ({ ...s, table: withPointers(withLocation(s.table, resolved), resolved), partitions: s.partitions.map((p) => withLocation(p, resolved)) })
  const tablePath = (db: string, name: string) => join(dir, db, `${name}.json`)
  const read = async (db: string, name: string): Promise<StoredTable | undefined> => {
    try {
      return fromDisk(JSON.parse(await readFile(tablePath(db, name), 'utf8')) as StoredTable)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }
  const write = async (db: string, stored: StoredTable) => {
    const path = tablePath(db, stored.table.Name)
    await retryMissingDir(path, async () => {
      await mkdir(join(dir, db), { recursive: true })
      const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`
      await writeFile(tmp, `${JSON.stringify(toDisk(stored), null, 2)}\n`)
      await rename(tmp, path)
    })
  }
  const locked = <T>(db: string, name: string, change: () => Promise<T>) => withFileLock(tablePath(db, name), change)
  return {
    async ensureDatabase(db) {
      await mkdir(join(dir, db), { recursive: true })
    },
    async getTable(db, name) {
      return (await read(db, name))?.table
    },
    async readTable(db, name) {
      const stored = await read(db, name)
      return stored && { table: stored.table, version: String(stored.version ?? 0) }
    },
    async createTable(db, table) {
      await locked(db, table.Name, async () => {
        if (await read(db, table.Name)) throw new WriteConflictError(`catalog: table ${db}.${table.Name} exists already`)
        await write(db, { table, partitions: [], version: 1 })
      })
    },
    async updateTable(db, table, version) {
      await locked(db, table.Name, async () => {
        const stored = await read(db, table.Name)
        const current = String(stored?.version ?? 0)
        if (!stored || current !== version) {
          throw new WriteConflictError(`catalog: table ${db}.${table.Name} changed since it was read (version ${version}, now ${stored ? current : 'gone'})`)
        }
        await write(db, { table, partitions: stored.partitions, version: (stored.version ?? 0) + 1 })
      })
    },
    async addPartitions(db, name, partitions) {
      await locked(db, name, async () => {
        const stored = await read(db, name)
        if (!stored) throw new Error(`catalog: table ${db}.${name} does not exist`)
        const known = new Set(stored.partitions.map((p) => JSON.stringify(p.Values)))
        // A partition outside the table's location is of a generation swapped out meanwhile.
        const base = stored.table.StorageDescriptor.Location
        const added = partitions.filter((p) => !known.has(JSON.stringify(p.Values)) && p.StorageDescriptor.Location.startsWith(base))
        if (added.length > 0) await write(db, { ...stored, partitions: [...stored.partitions, ...added] })
      })
    },
    async movePartition(db, name, values, location, from) {
      await locked(db, name, async () => {
        const stored = await read(db, name)
        const at = stored?.partitions.findIndex((p) => JSON.stringify(p.Values) === JSON.stringify(values)) ?? -1
        if (!stored || at < 0) throw new Error(`catalog: no partition ${values.join('/')} of ${db}.${name}`)
        const now = stored.partitions[at].StorageDescriptor.Location
        if (now !== from) throw new WriteConflictError(`catalog: partition ${values.join('/')} of ${db}.${name} is at ${now}, not ${from}`)
        const partitions = stored.partitions.map((p, i) => (i === at ? { ...p, StorageDescriptor: { ...p.StorageDescriptor, Location: location } } : p))
        await write(db, { ...stored, partitions })
      })
    },
    async replaceTable(db, table, partitions, version) {
      await locked(db, table.Name, async () => {
        const stored = await read(db, table.Name)
        if (version !== undefined && (!stored || String(stored.version ?? 0) !== version)) {
          throw new WriteConflictError(`catalog: table ${db}.${table.Name} changed since it was read (version ${version}, now ${stored ? String(stored.version ?? 0) : 'gone'})`)
        }
        await write(db, { table, partitions, version: (stored?.version ?? 0) + 1 })
      })
    },
    async deleteTable(db, name) {
      await locked(db, name, async () => {
        await rm(tablePath(db, name), { force: true })
      })
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

/** An Iceberg table's pointers (`metadata_location`, `previous_metadata_location`) mapped like its location. */
function withPointers<T extends { Parameters: Record<string, string> }>(table: T, map: (location: string) => string): T {
  const pointers = POINTERS.filter((name) => table.Parameters[name] !== undefined)
  if (pointers.length === 0) return table
  return { ...table, Parameters: { ...table.Parameters, ...Object.fromEntries(pointers.map((name) => [name, map(table.Parameters[name]!)])) } }
}

const POINTERS = ['metadata_location', 'previous_metadata_location']

function withLocation<T extends { StorageDescriptor: { Location: string } }>(item: T, map: (location: string) => string): T {
  return { ...item, StorageDescriptor: { ...item.StorageDescriptor, Location: map(item.StorageDescriptor.Location) } }
}

/** A `file://` location inside the lake as a path relative to it (with `/`); any other as it is. */
function storedLocation(location: string, root: string): string {
  if (!location.startsWith('file:')) return location
  const path = fileURLToPath(location)
  const rel = relative(root, path)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return location
  return rel.split(sep).join(posix.sep) + (location.endsWith('/') ? '/' : '')
}

/** A stored location as a URL: a relative path is taken from the lake's root as it is now. */
function resolvedLocation(location: string, root: string): string {
  if (location === '' || /^[a-z][a-z0-9+.-]*:/i.test(location)) return location
  return pathToFileURL(resolve(root, location)).href + (location.endsWith('/') ? '/' : '')
}
