import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetCrawlerCommand,
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTableVersionsCommand,
  GetTablesCommand,
  GlueServiceException,
  UpdatePartitionCommand,
  UpdateTableCommand,
  paginateGetPartitions,
  type TableInput as GlueTableInput,
} from '@aws-sdk/client-glue'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { parquetPartition, parquetTable, type TableInput } from '../../functions/core/lake/catalog'
import { startGlueServer, type GlueServer } from './glue-server'
import { seededLatency } from './latency'

let glue: GlueServer
let n = 0
/** A database no other test uses. */
const freshDatabase = () => `db_${++n}`

beforeAll(async () => {
  glue = await startGlueServer({ clientConfig: { maxAttempts: 1 } })
})
afterAll(async () => {
  await glue?.stop()
})

const ORDERS = parquetTable(
  'orders',
  [
    { Name: 'order_id', Type: 'bigint' },
    { Name: 'amount', Type: 'decimal(12,2)' },
  ],
  [{ Name: 'ingest_date', Type: 'string' }],
  's3://curated/orders/',
)

function day(i: number): string {
  return new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
}

async function withTable(table: TableInput = ORDERS): Promise<string> {
  const database = freshDatabase()
  await glue.client.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }))
  await glue.client.send(new CreateTableCommand({ DatabaseName: database, TableInput: table as GlueTableInput }))
  return database
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<GlueServiceException> {
  try {
    await promise
  } catch (error) {
    return error as GlueServiceException
  }
  throw new Error('expected the call to fail')
}

describe('Glue endpoint through @aws-sdk/client-glue', () => {
  it('creates and reads databases, and reports missing ones and duplicates with the SDK exception classes', async () => {
    // Prepare
    const database = freshDatabase()

    // Act
    await glue.client.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }))
    const got = await glue.client.send(new GetDatabaseCommand({ Name: database }))
    const duplicate = await failure(glue.client.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } })))
    const missing = await failure(glue.client.send(new GetDatabaseCommand({ Name: 'nowhere' })))

    // Assess
    expect(got.Database?.Name).toBe(database)
    expect(got.Database?.CreateTime).toBeInstanceOf(Date)
    expect(duplicate).toBeInstanceOf(AlreadyExistsException)
    expect(missing).toBeInstanceOf(EntityNotFoundException)
    expect(missing.message).toBe('Database nowhere not found.')
    expect(missing.$metadata.httpStatusCode).toBe(400)
  })

  it('gives a new table VersionId 0 and each UpdateTable the next one, with dates as Date', async () => {
    // Prepare
    const database = await withTable()

    // Act
    const created = (await glue.client.send(new GetTableCommand({ DatabaseName: database, Name: 'orders' }))).Table!
    await glue.client.send(new UpdateTableCommand({ DatabaseName: database, TableInput: ORDERS as GlueTableInput, VersionId: created.VersionId }))
    const updated = (await glue.client.send(new GetTableCommand({ DatabaseName: database, Name: 'orders' }))).Table!

    // Assess
    expect(created.VersionId).toBe('0')
    expect(updated.VersionId).toBe('1')
    expect(updated.CreateTime).toBeInstanceOf(Date)
    expect(updated.UpdateTime).toBeInstanceOf(Date)
    expect(updated.StorageDescriptor?.Columns).toEqual(ORDERS.StorageDescriptor.Columns)
  })

  it('refuses UpdateTable with a stale VersionId with ConcurrentModificationException and leaves the table as it was', async () => {
    // Prepare
    const database = await withTable()
    const withColumn = (name: string): GlueTableInput => ({
      ...(ORDERS as GlueTableInput),
      StorageDescriptor: { ...ORDERS.StorageDescriptor, Columns: [...ORDERS.StorageDescriptor.Columns, { Name: name, Type: 'string' }] },
    })
    const update = (name: string, VersionId?: string) =>
      glue.client.send(new UpdateTableCommand({ DatabaseName: database, TableInput: withColumn(name), ...(VersionId ? { VersionId } : {}) }))

    // Act
    await update('a', '0')
    const stale = await failure(update('b', '0'))

    // Assess
    expect(stale).toBeInstanceOf(ConcurrentModificationException)
    expect(stale.message).toBe('Update table failed due to concurrent modifications.')
    expect(stale.$metadata.httpStatusCode).toBe(400)
    expect(glue.table(database, 'orders')?.VersionId).toBe('1')
    expect((glue.table(database, 'orders')?.StorageDescriptor as { Columns: { Name: string }[] }).Columns.map((c) => c.Name)).toContain('a')
  })

  it('archives a version per UpdateTable unless SkipArchive is true', async () => {
    // Prepare
    const database = await withTable()
    const update = (SkipArchive?: boolean) =>
      glue.client.send(new UpdateTableCommand({ DatabaseName: database, TableInput: ORDERS as GlueTableInput, ...(SkipArchive !== undefined ? { SkipArchive } : {}) }))

    // Act
    await update()
    await update(false)
    await update(true)
    const versions = await glue.client.send(new GetTableVersionsCommand({ DatabaseName: database, TableName: 'orders' }))

    // Assess
    expect(versions.TableVersions?.map((v) => v.VersionId)).toEqual(['3', '1', '0'])
    expect(glue.archivedVersions(database, 'orders')).toBe(2)
    expect(glue.updates(database, 'orders')).toBe(3)
    expect(glue.table(database, 'orders')?.VersionId).toBe('3')
  })

  it('keeps every column when 8 writers add one each with VersionId and retry, under seeded latency', async () => {
    // Prepare
    const database = await withTable()
    glue.setLatency(seededLatency({ seed: 42, maxMs: 12 }))
    let conflicts = 0
    const addColumn = async (name: string) => {
      for (;;) {
        const table = (await glue.client.send(new GetTableCommand({ DatabaseName: database, Name: 'orders' }))).Table!
        const columns = [...(table.StorageDescriptor?.Columns ?? []), { Name: name, Type: 'string' }]
        try {
          await glue.client.send(
            new UpdateTableCommand({
              DatabaseName: database,
              TableInput: { ...(ORDERS as GlueTableInput), StorageDescriptor: { ...ORDERS.StorageDescriptor, Columns: columns } },
              VersionId: table.VersionId,
              SkipArchive: true,
            }),
          )
          return
        } catch (error) {
          if (!(error instanceof ConcurrentModificationException)) throw error
          conflicts += 1
        }
      }
    }

    // Act
    try {
      await Promise.all(Array.from({ length: 8 }, (_, i) => addColumn(`c${i}`)))
    } finally {
      glue.setLatency(undefined)
    }

    // Assess
    const columns = (glue.table(database, 'orders')?.StorageDescriptor as { Columns: { Name: string }[] }).Columns.map((c) => c.Name)
    expect(columns.filter((c) => c.startsWith('c')).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'])
    expect(glue.table(database, 'orders')?.VersionId).toBe('8')
    expect(conflicts).toBeGreaterThan(0)
    expect(glue.archivedVersions(database, 'orders')).toBe(0)
  })

  it('reports existing partitions per partition in BatchCreatePartition and pages GetPartitions with NextToken', async () => {
    // Prepare
    const database = await withTable()
    const partitions = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => parquetPartition(ORDERS, [day(from + i)], `s3://curated/orders/ingest_date=${day(from + i)}/`))
    await glue.client.send(new BatchCreatePartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionInputList: partitions(0, 5) }))

    // Act
    const second = await glue.client.send(
      new BatchCreatePartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionInputList: partitions(3, 8) }),
    )
    const firstPage = await glue.client.send(new GetPartitionsCommand({ DatabaseName: database, TableName: 'orders', MaxResults: 3 }))
    const all = []
    for await (const page of paginateGetPartitions({ client: glue.client, pageSize: 3 }, { DatabaseName: database, TableName: 'orders' })) {
      all.push(...(page.Partitions ?? []))
    }

    // Assess
    expect(second.Errors?.map((e) => [e.PartitionValues, e.ErrorDetail?.ErrorCode])).toEqual([
      [[day(3)], 'AlreadyExistsException'],
      [[day(4)], 'AlreadyExistsException'],
    ])
    expect(firstPage.Partitions).toHaveLength(3)
    expect(firstPage.NextToken).toBeDefined()
    expect(all.map((p) => p.Values![0])).toEqual(Array.from({ length: 8 }, (_, i) => day(i)))
    expect(all[0]!.CreationTime).toBeInstanceOf(Date)
  })

  it('deletes, updates and batch-reads partitions, reporting missing ones in BatchDeletePartition', async () => {
    // Prepare
    const database = await withTable()
    const at = (i: number, location = `s3://curated/orders/ingest_date=${day(i)}/`) => parquetPartition(ORDERS, [day(i)], location)
    await glue.client.send(new BatchCreatePartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionInputList: [at(0), at(1)] }))

    // Act
    const deleted = await glue.client.send(
      new BatchDeletePartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionsToDelete: [{ Values: [day(0)] }, { Values: [day(9)] }] }),
    )
    await glue.client.send(
      new UpdatePartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionValueList: [day(1)], PartitionInput: at(1, 's3://elsewhere/') }),
    )
    const got = await glue.client.send(
      new BatchGetPartitionCommand({ DatabaseName: database, TableName: 'orders', PartitionsToGet: [{ Values: [day(0)] }, { Values: [day(1)] }] }),
    )

    // Assess
    expect(deleted.Errors?.map((e) => [e.PartitionValues, e.ErrorDetail?.ErrorCode])).toEqual([[[day(9)], 'EntityNotFoundException']])
    expect(got.Partitions?.map((p) => [p.Values, p.StorageDescriptor?.Location])).toEqual([[[day(1)], 's3://elsewhere/']])
  })

  it('lists tables by page and deletes them', async () => {
    // Prepare
    const database = await withTable()
    await glue.client.send(new CreateTableCommand({ DatabaseName: database, TableInput: { ...(ORDERS as GlueTableInput), Name: 'returns' } }))

    // Act
    const firstPage = await glue.client.send(new GetTablesCommand({ DatabaseName: database, MaxResults: 1 }))
    await glue.client.send(new DeleteTableCommand({ DatabaseName: database, Name: 'orders' }))
    const gone = await failure(glue.client.send(new GetTableCommand({ DatabaseName: database, Name: 'orders' })))

    // Assess
    expect(firstPage.TableList?.map((t) => t.Name)).toEqual(['orders'])
    expect(firstPage.NextToken).toBeDefined()
    expect(gone).toBeInstanceOf(EntityNotFoundException)
    expect(glue.tables(database).map((t) => t.Name)).toEqual(['returns'])
  })

  it('fails the nth call of an operation with an injected error, and answers unknown operations', async () => {
    // Prepare
    const database = await withTable()
    glue.fail('GetTable', { name: 'ThrottlingException', message: 'Rate exceeded' }, { nth: 2, when: (c) => c.input.DatabaseName === database })
    const get = () => glue.client.send(new GetTableCommand({ DatabaseName: database, Name: 'orders' }))
    const before = glue.calls('GetTable')

    // Act
    await get()
    const throttled = await failure(get())
    await get()
    const unknown = await failure(glue.client.send(new GetCrawlerCommand({ Name: 'crawler' })))

    // Assess
    expect(throttled.name).toBe('ThrottlingException')
    expect(throttled.message).toBe('Rate exceeded')
    expect(glue.calls('GetTable') - before).toBe(3)
    expect(unknown.name).toBe('UnknownOperationException')
  })

  it('holds a call in beforeCall so a test can force a lost update to surface as a conflict', async () => {
    // Prepare
    const database = await withTable()
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let holding = false
    const undo = glue.beforeCall('UpdateTable', async (call) => {
      if (call.input.DatabaseName === database && !holding) {
        holding = true
        await held
      }
    })
    const update = () => glue.client.send(new UpdateTableCommand({ DatabaseName: database, TableInput: ORDERS as GlueTableInput, VersionId: '0' }))

    // Act
    const first = failure(update())
    while (!holding) await new Promise((resolve) => setImmediate(resolve))
    await update()
    release()
    undo()

    // Assess
    expect(await first).toBeInstanceOf(ConcurrentModificationException)
  })
})

describe('glueCatalog adapter against the endpoint', () => {
  it('serves the adapter: ensureDatabase, createTable, updateTable at a version, addPartitions, listTables, listPartitions', async () => {
    // Prepare
    const catalog = glueCatalog(glue.client)
    const database = freshDatabase()
    const partitions = Array.from({ length: 230 }, (_, i) => parquetPartition(ORDERS, [day(i)], `s3://curated/orders/ingest_date=${day(i)}/`))
    const wider = parquetTable('orders', [...ORDERS.StorageDescriptor.Columns, { Name: 'note', Type: 'string' }], ORDERS.PartitionKeys, 's3://curated/orders/')

    // Act
    await catalog.ensureDatabase(database)
    await catalog.ensureDatabase(database)
    const before = await catalog.getTable(database, 'orders')
    await catalog.createTable(database, ORDERS)
    const read = await catalog.readTable(database, 'orders')
    await catalog.updateTable(database, wider, read!.version)
    const stale = await catalog.updateTable(database, ORDERS, read!.version).catch((e: unknown) => e)
    await catalog.addPartitions(database, 'orders', partitions.slice(0, 150))
    await catalog.addPartitions(database, 'orders', partitions)
    const table = await catalog.getTable(database, 'orders')
    const tables = await catalog.listTables(database)
    const listed = await catalog.listPartitions(database, 'orders')

    // Assess
    expect(before).toBeUndefined()
    expect(table).toEqual(wider)
    expect(tables).toEqual([wider])
    expect(listed).toEqual(partitions)
    expect(glue.partitions(database, 'orders')).toHaveLength(230)
    expect(stale).toMatchObject({ name: 'WriteConflictError' })
    expect(glue.archivedVersions(database, 'orders')).toBe(1)
    expect(glue.table(database, 'orders')?.VersionId).toBe('1')
  })

  it('surfaces injected Glue errors as the adapter reports them', async () => {
    // Prepare
    const catalog = glueCatalog(glue.client)
    const database = await withTable()
    glue.fail('GetTable', { name: 'InternalServiceException' }, { when: (c) => c.input.DatabaseName === database })

    // Act
    const error = await failure(catalog.getTable(database, 'orders'))

    // Assess
    expect(error.message).toContain(`glue: getTable ${database}.orders failed`)
  })
})
