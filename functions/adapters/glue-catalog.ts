import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  DeleteTableCommand,
  UpdatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  UpdateTableCommand,
  paginateGetPartitions,
  paginateGetTables,
  type Column,
  type GlueClient,
  type PartitionError,
  type StorageDescriptor as GlueStorageDescriptor,
  type Table,
} from '@aws-sdk/client-glue'
import type { Catalog, CatalogColumn, PartitionInput, StorageDescriptor, TableInput, VersionedTable } from '../core/lake/catalog'
import { SluiceError, TransientStorageError, WriteConflictError } from '../core/errors'
import { awsStorageError, isTransientAwsError } from './aws-errors'

/** BatchCreatePartition takes at most this many partitions per call. */
const PARTITION_BATCH = 100
/** BatchDeletePartition takes at most this many per call. */
const DELETE_BATCH = 25
/** Races lost in a row before replaceTable gives up. */
const MAX_ATTEMPTS = 50

/**
 * The Glue Data Catalog (of `catalogId`, default the caller's account). Tables and partitions
 * are sent as the core builds them and read back into the same shapes. Failures worth retrying
 * throw TransientStorageError; see aws-errors.ts for how the others are reported.
 */
export function glueCatalog(client: GlueClient, catalogId?: string): Catalog {
  const inCatalog = catalogId ? { CatalogId: catalogId } : {}
  const failed = (operation: string, target: string, error: unknown) => awsStorageError(`glue: ${operation} ${target}`, error)

  const readTable = async (database: string, name: string): Promise<VersionedTable | undefined> => {
    let table: Table | undefined
    try {
      table = (await client.send(new GetTableCommand({ ...inCatalog, DatabaseName: database, Name: name }))).Table
    } catch (error) {
      if (isNamed(error, 'EntityNotFoundException')) return undefined
      throw failed('getTable', `${database}.${name}`, error)
    }
    if (!table) return undefined
    if (!isExternalTable(table)) {
      // Reporting it as missing would make a load create over someone's view.
      throw new SluiceError(`glue: getTable ${database}.${name} failed: it is a ${table.TableType ?? 'table without a storage descriptor'}, not an external table`)
    }
    return { table: toTableInput(table), version: table.VersionId ?? '' }
  }

  return {
    async ensureDatabase(database) {
      try {
        await client.send(new GetDatabaseCommand({ ...inCatalog, Name: database }))
        return
      } catch (error) {
        if (!isNamed(error, 'EntityNotFoundException')) throw failed('ensureDatabase', database, error)
      }
      try {
        await client.send(new CreateDatabaseCommand({ ...inCatalog, DatabaseInput: { Name: database } }))
      } catch (error) {
        // Another run created it between our two calls.
        if (!isNamed(error, 'AlreadyExistsException')) throw failed('ensureDatabase', database, error)
      }
    },

    async getTable(database, name) {
      return (await readTable(database, name))?.table
    },

    readTable,

    async createTable(database, table) {
      try {
        await client.send(new CreateTableCommand({ ...inCatalog, DatabaseName: database, TableInput: table }))
      } catch (error) {
        if (isNamed(error, 'AlreadyExistsException')) throw new WriteConflictError(`glue: createTable ${database}.${table.Name}: it exists already`, { cause: error })
        throw failed('createTable', `${database}.${table.Name}`, error)
      }
    },

    async updateTable(database, table, version, options = {}) {
      try {
        await client.send(new UpdateTableCommand({ ...inCatalog, DatabaseName: database, TableInput: table, VersionId: version, ...(options.skipArchive ? { SkipArchive: true } : {}) }))
      } catch (error) {
        // Glue's optimistic lock: the table changed after the VersionId we read.
        if (isNamed(error, 'ConcurrentModificationException') || isNamed(error, 'EntityNotFoundException')) {
          throw new WriteConflictError(`glue: updateTable ${database}.${table.Name} at version ${version}: ${(error as Error).name}`, { cause: error })
        }
        throw failed('updateTable', `${database}.${table.Name}`, error)
      }
    },

    async addPartitions(database, table, partitions) {
      const target = `${database}.${table}`
      for (let start = 0; start < partitions.length; start += PARTITION_BATCH) {
        const batch = partitions.slice(start, start + PARTITION_BATCH)
        let errors: PartitionError[]
        try {
          const out = await client.send(
            new BatchCreatePartitionCommand({ ...inCatalog, DatabaseName: database, TableName: table, PartitionInputList: batch }),
          )
          errors = out.Errors ?? []
        } catch (error) {
          throw failed('addPartitions', target, error)
        }
        // Partitions that exist already are left as they are (re-runs, concurrent loads).
        const real = errors.filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException')
        if (real.length > 0) throw partitionErrors(target, real)
      }
    },

    async movePartition(database, table, values, location, from) {
      const target = `${database}.${table}`
      const current = (await this.listPartitions(database, table)).find((p) => JSON.stringify(p.Values) === JSON.stringify(values))
      if (!current) throw new Error(`glue: no partition ${values.join('/')} of ${target}`)
      if (current.StorageDescriptor.Location !== from) throw new WriteConflictError(`glue: partition ${values.join('/')} of ${target} is at ${current.StorageDescriptor.Location}, not ${from}`)
      const PartitionInput = { ...current, StorageDescriptor: { ...current.StorageDescriptor, Location: location } }
      try {
        await client.send(new UpdatePartitionCommand({ ...inCatalog, DatabaseName: database, TableName: table, PartitionValueList: values, PartitionInput }))
      } catch (error) {
        throw failed('updatePartition', target, error)
      }
    },

    /**
     * The table first, in one UpdateTable (or CreateTable) at the VersionId just read, so a load
     * that read the old definition loses its own update and reads again; then the partitions
     * the new definition has (changed with UpdatePartition, created in batches), then the old
     * ones it lacks are deleted. Only the first call is atomic. With `version`, the UpdateTable
     * is made at that version only.
     */
    async replaceTable(database, table, partitions, version) {
      // Conditional: the one UpdateTable at that version decides; a lost race changes nothing.
      if (version !== undefined) await this.updateTable(database, table, version)
      for (let attempt = 0; version === undefined; attempt++) {
        const current = await readTable(database, table.Name)
        try {
          if (current) await this.updateTable(database, table, current.version)
          else await this.createTable(database, table)
          break
        } catch (error) {
          if (!(error instanceof WriteConflictError) || attempt >= MAX_ATTEMPTS) throw error
        }
      }
      const existing = new Map((await this.listPartitions(database, table.Name)).map((p) => [JSON.stringify(p.Values), p]))
      const wanted = new Set(partitions.map((p) => JSON.stringify(p.Values)))
      const target = `${database}.${table.Name}`
      for (const p of partitions.filter((p) => existing.has(JSON.stringify(p.Values)))) {
        try {
          await client.send(new UpdatePartitionCommand({ ...inCatalog, DatabaseName: database, TableName: table.Name, PartitionValueList: p.Values, PartitionInput: p }))
        } catch (error) {
          throw failed('updatePartition', target, error)
        }
      }
      await this.addPartitions(database, table.Name, partitions.filter((p) => !existing.has(JSON.stringify(p.Values))))
      const old = [...existing.entries()].filter(([k]) => !wanted.has(k)).map(([, p]) => ({ Values: p.Values }))
      for (let start = 0; start < old.length; start += DELETE_BATCH) {
        let errors: PartitionError[]
        try {
          const out = await client.send(new BatchDeletePartitionCommand({ ...inCatalog, DatabaseName: database, TableName: table.Name, PartitionsToDelete: old.slice(start, start + DELETE_BATCH) }))
          errors = out.Errors ?? []
        } catch (error) {
          throw failed('deletePartitions', target, error)
        }
        const real = errors.filter((e) => e.ErrorDetail?.ErrorCode !== 'EntityNotFoundException')
        if (real.length > 0) throw partitionErrors(target, real)
      }
    },

    async deleteTable(database, name) {
      try {
        await client.send(new DeleteTableCommand({ ...inCatalog, DatabaseName: database, Name: name }))
      } catch (error) {
        if (!isNamed(error, 'EntityNotFoundException')) throw failed('deleteTable', `${database}.${name}`, error)
      }
    },

    async listTables(database) {
      const tables: TableInput[] = []
      try {
        for await (const page of paginateGetTables({ client }, { ...inCatalog, DatabaseName: database })) {
          // Views and other non-external tables are someone else's; they have no place here.
          for (const table of page.TableList ?? []) if (isExternalTable(table)) tables.push(toTableInput(table))
        }
      } catch (error) {
        throw failed('listTables', database, error)
      }
      return tables
    },

    async listPartitions(database, table) {
      const partitions: PartitionInput[] = []
      try {
        const pages = paginateGetPartitions({ client }, { ...inCatalog, DatabaseName: database, TableName: table })
        for await (const page of pages) {
          for (const partition of page.Partitions ?? []) {
            partitions.push({ Values: partition.Values ?? [], StorageDescriptor: toStorageDescriptor(partition.StorageDescriptor) })
          }
        }
      } catch (error) {
        throw failed('listPartitions', `${database}.${table}`, error)
      }
      return partitions
    },
  }
}

function partitionErrors(target: string, errors: PartitionError[]): Error {
  const listed = errors
    .map((e) => `[${(e.PartitionValues ?? []).join(', ')}] ${e.ErrorDetail?.ErrorCode}: ${e.ErrorDetail?.ErrorMessage}`)
    .join('; ')
  const message = `glue: addPartitions ${target} failed for ${errors.length} partition(s): ${listed}`
  const transient = errors.every((e) => isTransientAwsError({ name: e.ErrorDetail?.ErrorCode }))
  return transient ? new TransientStorageError(message) : new SluiceError(message)
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name
}

function isExternalTable(table: Table): table is Table & { TableType: 'EXTERNAL_TABLE'; StorageDescriptor: GlueStorageDescriptor } {
  return table.TableType === 'EXTERNAL_TABLE' && table.StorageDescriptor !== undefined
}

/** Glue's Table back in the shape sluice writes; fields Glue adds (times, owner, versions) are dropped. */
function toTableInput(table: Table & { TableType: 'EXTERNAL_TABLE' }): TableInput {
  return {
    Name: table.Name ?? '',
    ...(table.Description ? { Description: table.Description } : {}),
    TableType: table.TableType,
    Parameters: table.Parameters ?? {},
    PartitionKeys: toColumns(table.PartitionKeys),
    StorageDescriptor: toStorageDescriptor(table.StorageDescriptor),
  }
}

function toStorageDescriptor(sd: GlueStorageDescriptor | undefined): StorageDescriptor {
  return {
    Columns: toColumns(sd?.Columns),
    Location: sd?.Location ?? '',
    InputFormat: sd?.InputFormat ?? '',
    OutputFormat: sd?.OutputFormat ?? '',
    SerdeInfo: {
      SerializationLibrary: sd?.SerdeInfo?.SerializationLibrary ?? '',
      Parameters: sd?.SerdeInfo?.Parameters ?? {},
    },
    // Glue reports Compressed: false for every table that never set it; only true carries meaning.
    ...(sd?.Compressed ? { Compressed: true } : {}),
  }
}

function toColumns(columns: Column[] | undefined): CatalogColumn[] {
  return (columns ?? []).map((c) => ({ Name: c.Name ?? '', Type: c.Type ?? '', ...(c.Comment ? { Comment: c.Comment } : {}) }))
}
