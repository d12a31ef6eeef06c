import type { Catalog, TableInput, VersionedTable } from '../core/lake/catalog'
import { WriteConflictError } from '../core/errors'
import { contractKey } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import { establishedTableFormat, type TableFormatName } from '../core/table-format/table-format-setting'
import { metadataLocationOf } from '../core/table-format/iceberg/iceberg-table-input'
import { asWorking, datasetOfTable } from '../core/table-format/iceberg/lake-tables'
import { RENAMED_PARAMETER_PREFIX } from '../core/table-format/iceberg/working-definition'
import { workingCatalog } from './working-catalog'

/** The catalog the workflow steps write through, and the catalog readers see. */
export interface TableFormatCatalog extends Catalog {
  /** The catalog itself (Glue, the local JSON catalog): Iceberg tables' pointers, Hive tables. */
  readonly real: Catalog
  /** The working definitions of Iceberg tables (working-catalog.ts). */
  readonly working: Catalog
  /** The format of an existing table, or the one a new table of that name would get. */
  formatOf(database: string, name: string): Promise<TableFormatName>
  /** Forgets the format seen of a table whose format changes (`sluice convert`). */
  forget(name: string): void
}

/** What decides a new table's format: the lake's default and the raw zone's contracts. */
export interface NewTableFormat {
  /** The raw zone, for the contracts; without it (a step that creates no table) the lake's format decides. */
  raw?: Pick<ObjectStore, 'readText'>
  /** The lake's setting; when absent, the format the lake's tables have (establishedTableFormat). */
  lakeDefault?: TableFormatName
}

/**
 * The catalog as the workflow steps see it: a Hive table is the real catalog's; an Iceberg table
 * (whose real entry is the Iceberg pointer) is its working definition, so schema commits,
 * widenings and generation swaps work on both unchanged. An existing table keeps its format; a
 * new one takes its dataset contract's `tableFormat`, else the lake's setting, else the format
 * of the lake's tables (Iceberg for a lake without tables). Listing gives the
 * real catalog's tables, as readers see them.
 */
export function tableFormatCatalog(real: Catalog, curated: ObjectStore, formats: NewTableFormat): TableFormatCatalog {
  if ('real' in real) return real as TableFormatCatalog
  const working = workingCatalog(curated)
  // The lake's own format, when no setting names one: read once, from the tables it has.
  let established: Promise<TableFormatName> | undefined
  const lakeFormat = (db: string) =>
    (established ??= real.listTables(db).then((tables) => establishedTableFormat(tables.map((t) => ({ iceberg: metadataLocationOf(t) !== undefined })))))
  const newFormat = async (db: string, name: string): Promise<TableFormatName> => {
    const text = formats.raw ? await formats.raw.readText(contractKey(datasetOfTable(name))) : undefined
    let declared: unknown
    try {
      declared = text ? (JSON.parse(text) as { tableFormat?: unknown }).tableFormat : undefined
    } catch {
      declared = undefined
    }
    return declared === 'iceberg' || declared === 'hive' ? declared : (formats.lakeDefault ?? (await lakeFormat(db)))
  }
  /**
   * The format of each existing table, as last seen by this catalog object: a write after a read
   * of the same table (a schema commit, a partition registration) asks the catalog nothing more,
   * so a Hive lake's steps make the catalog calls they made before the routing. A table changes
   * format only by `sluice convert` (which calls `forget`) or a drop and a new load, which no run
   * overlaps; the Lambdas build this object per invocation, the CLI per command.
   */
  const seen = new Map<string, TableFormatName>()
  const remember = (name: string, format: TableFormatName) => seen.set(name, format)
  const recalled = (name: string) => seen.get(name)
  /** A table's definition as the steps see it, and its format; one catalog read for a Hive table. */
  const read = async (db: string, name: string): Promise<{ format: TableFormatName; read?: VersionedTable }> => {
    const known = recalled(name)
    if (known === 'iceberg') return { format: 'iceberg', read: await working.readTable(db, name) }
    const entry = await real.readTable(db, name)
    if (entry && !metadataLocationOf(entry.table)) {
      remember(name, 'hive')
      return { format: 'hive', read: entry }
    }
    // A first commit that did not reach the catalog yet still has its working definition.
    const definition = await working.readTable(db, name)
    if (!entry && !definition) return { format: 'hive' }
    remember(name, 'iceberg')
    return { format: 'iceberg', ...(definition ? { read: definition } : {}) }
  }
  /** Where a table's definition lives: the working catalog for an Iceberg table. */
  const home = async (db: string, name: string): Promise<{ catalog: Catalog; format: TableFormatName; exists: boolean }> => {
    const known = recalled(name)
    if (known) return { catalog: known === 'iceberg' ? working : real, format: known, exists: true }
    const found = await read(db, name)
    if (found.read || recalled(name)) return { catalog: found.format === 'iceberg' ? working : real, format: found.format, exists: true }
    // A new rejects table takes the format its dataset's table has.
    const dataset = datasetOfTable(name)
    const format = dataset !== name && (await real.getTable(db, dataset)) ? (await home(db, dataset)).format : await newFormat(db, name)
    return { catalog: format === 'iceberg' ? working : real, format, exists: false }
  }
  /**
   * A definition written to the working catalog: marked as an Iceberg table's, and keeping the
   * renames the one it replaces recorded (a reprocess builds its definition afresh), so the
   * renamed columns keep their field ids.
   */
  const stamped = async (db: string, format: TableFormatName, table: TableInput): Promise<TableInput> => {
    if (format !== 'iceberg') return table
    const before = await working.getTable(db, table.Name)
    const kept = Object.entries(before?.Parameters ?? {}).filter(([k]) => k.startsWith(RENAMED_PARAMETER_PREFIX) && !(k in table.Parameters))
    return asWorking({ ...table, Parameters: { ...Object.fromEntries(kept), ...table.Parameters } })
  }
  return {
    real,
    working,
    async formatOf(db, name) {
      return (await home(db, name)).format
    },
    forget(name) {
      seen.delete(name)
    },
    ensureDatabase: (db) => real.ensureDatabase(db),
    async getTable(db, name) {
      return (await read(db, name)).read?.table
    },
    async readTable(db, name) {
      return (await read(db, name)).read
    },
    async createTable(db, table) {
      const { catalog, format, exists } = await home(db, table.Name)
      if (exists && format === 'iceberg' && (await real.getTable(db, table.Name))) throw new WriteConflictError(`catalog: table ${table.Name} exists already`)
      await catalog.createTable(db, await stamped(db, format, table))
    },
    async updateTable(db, table, version, options) {
      const { catalog, format } = await home(db, table.Name)
      await catalog.updateTable(db, await stamped(db, format, table), version, options)
    },
    async addPartitions(db, name, partitions) {
      await (await home(db, name)).catalog.addPartitions(db, name, partitions)
    },
    async replaceTable(db, table, partitions, version) {
      const { catalog, format } = await home(db, table.Name)
      await catalog.replaceTable(db, await stamped(db, format, table), partitions, version)
    },
    async movePartition(db, name, values, location, from) {
      await (await home(db, name)).catalog.movePartition(db, name, values, location, from)
    },
    async deleteTable(db, name) {
      seen.delete(name)
      await working.deleteTable(db, name)
      await real.deleteTable(db, name)
    },
    listTables: (db) => real.listTables(db),
    async listPartitions(db, name) {
      return (await home(db, name)).catalog.listPartitions(db, name)
    },
  }
}

/** The real catalog behind a workflow catalog (itself when it routes nothing). */
export const realCatalog = (catalog: Catalog): Catalog => ('real' in catalog ? (catalog as TableFormatCatalog).real : catalog)
