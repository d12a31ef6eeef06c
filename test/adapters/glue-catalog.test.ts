import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  GlueServiceException,
  InternalServiceException,
  OperationTimeoutException,
  ThrottlingException,
  UpdatePartitionCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { parquetPartition, parquetTable, type PartitionInput, type TableInput } from '../../functions/core/lake/catalog'
import { TransientStorageError } from '../../functions/core/errors'

const glue = mockClient(GlueClient)
const catalog = glueCatalog(new GlueClient({ region: 'eu-west-1' }))

const ORDERS = parquetTable(
  'orders',
  [
    { Name: 'order_id', Type: 'bigint' },
    { Name: 'amount', Type: 'decimal(12,2)' },
    { Name: 'ordered_at', Type: 'timestamp' },
  ],
  [{ Name: 'ingest_date', Type: 'string' }],
  's3://curated/orders/',
)

const PARQUET_STORAGE = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
}

const meta = { $metadata: {} }
const notFound = () => new EntityNotFoundException({ message: 'Entity Not Found', ...meta })
const alreadyExists = () => new AlreadyExistsException({ message: 'Already exists', ...meta })

function day(n: number): string {
  return new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)
}

function partitionsOf(table: TableInput, count: number): PartitionInput[] {
  return Array.from({ length: count }, (_, i) => parquetPartition(table, [day(i)], `s3://curated/orders/ingest_date=${day(i)}/`))
}

beforeEach(() => {
  glue.reset()
})

describe('glueCatalog.createTable and updateTable', () => {
  it('creates a Parquet table with exactly the TableInput Athena needs', async () => {
    // Prepare
    glue.on(CreateTableCommand).resolves({})

    // Act
    await catalog.createTable('sales', ORDERS)

    // Assess
    expect(glue.commandCalls(CreateTableCommand).map((call) => call.args[0].input)).toEqual([
      {
        DatabaseName: 'sales',
        TableInput: {
          Name: 'orders',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'SNAPPY' },
          PartitionKeys: [{ Name: 'ingest_date', Type: 'string' }],
          StorageDescriptor: {
            Columns: [
              { Name: 'order_id', Type: 'bigint' },
              { Name: 'amount', Type: 'decimal(12,2)' },
              { Name: 'ordered_at', Type: 'timestamp' },
            ],
            Location: 's3://curated/orders/',
            ...PARQUET_STORAGE,
          },
        },
      },
    ])
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0)
  })

  it('reports a table that exists already as a lost race, without updating it', async () => {
    // Prepare
    glue.on(CreateTableCommand).rejects(alreadyExists())

    // Act
    const creating = catalog.createTable('sales', ORDERS)

    // Assess
    await expect(creating).rejects.toMatchObject({ name: 'WriteConflictError' })
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0)
  })

  it('updates the table at the version it read, and reports a newer version as a lost race', async () => {
    // Prepare
    const stale = Object.assign(new Error('version mismatch'), { name: 'ConcurrentModificationException' })
    glue.on(UpdateTableCommand, { VersionId: '7' }).resolves({}).on(UpdateTableCommand, { VersionId: '6' }).rejects(stale)

    // Act
    await catalog.updateTable('sales', ORDERS, '7')
    const updatingStale = catalog.updateTable('sales', ORDERS, '6')

    // Assess
    await expect(updatingStale).rejects.toMatchObject({ name: 'WriteConflictError' })
    expect(glue.commandCalls(UpdateTableCommand).map((call) => call.args[0].input)).toEqual([
      { DatabaseName: 'sales', TableInput: ORDERS, VersionId: '7' },
      { DatabaseName: 'sales', TableInput: ORDERS, VersionId: '6' },
    ])
  })

  it('sends the catalog id when one is given', async () => {
    // Prepare
    glue.on(CreateTableCommand).resolves({})
    const other = glueCatalog(new GlueClient({ region: 'eu-west-1' }), '123456789012')

    // Act
    await other.createTable('sales', ORDERS)

    // Assess
    expect(glue.commandCalls(CreateTableCommand)[0]!.args[0].input.CatalogId).toBe('123456789012')
  })
})

describe('glueCatalog.addPartitions', () => {
  it('registers 250 partitions in BatchCreatePartition calls of 100, 100 and 50', async () => {
    // Prepare
    glue.on(BatchCreatePartitionCommand).resolves({})
    const partitions = partitionsOf(ORDERS, 250)

    // Act
    await catalog.addPartitions('sales', 'orders', partitions)

    // Assess
    const inputs = glue.commandCalls(BatchCreatePartitionCommand).map((call) => call.args[0].input)
    expect(inputs.map((input) => input.PartitionInputList?.length)).toEqual([100, 100, 50])
    expect(inputs.map((input) => input.PartitionInputList)).toEqual([partitions.slice(0, 100), partitions.slice(100, 200), partitions.slice(200)])
    expect(inputs.every((input) => input.DatabaseName === 'sales' && input.TableName === 'orders')).toBe(true)
    expect(inputs[2]!.PartitionInputList![0]).toEqual({
      Values: ['2024-07-19'],
      StorageDescriptor: { ...ORDERS.StorageDescriptor, Location: 's3://curated/orders/ingest_date=2024-07-19/' },
    })
  })

  it('sends nothing for no partitions', async () => {
    // Act
    await catalog.addPartitions('sales', 'orders', [])

    // Assess
    expect(glue.calls()).toHaveLength(0)
  })

  it('leaves partitions that exist already as they are', async () => {
    // Prepare
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['2024-01-01'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } }],
    })

    // Act
    const adding = catalog.addPartitions('sales', 'orders', partitionsOf(ORDERS, 2))

    // Assess
    await expect(adding).resolves.toBeUndefined()
  })

  it('fails naming the table and partition values when a partition is refused for another reason', async () => {
    // Prepare
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        { PartitionValues: ['2024-01-01'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.' } },
        { PartitionValues: ['2024-01-02'], ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: 'Bad location' } },
      ],
    })

    // Act
    const adding = catalog.addPartitions('sales', 'orders', partitionsOf(ORDERS, 2))

    // Assess
    await expect(adding).rejects.toThrow(
      'glue: addPartitions sales.orders failed for 1 partition(s): [2024-01-02] InvalidInputException: Bad location',
    )
    await expect(adding).rejects.not.toBeInstanceOf(TransientStorageError)
  })

  it('reports partitions refused only for throttling as transient', async () => {
    // Prepare
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [{ PartitionValues: ['2024-01-02'], ErrorDetail: { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } }],
    })

    // Act
    const adding = catalog.addPartitions('sales', 'orders', partitionsOf(ORDERS, 2))

    // Assess
    await expect(adding).rejects.toBeInstanceOf(TransientStorageError)
  })
})

describe('glueCatalog.getTable', () => {
  it('maps the Table Glue returns back to the TableInput that created it', async () => {
    // Prepare
    glue.on(GetTableCommand, { DatabaseName: 'sales', Name: 'orders' }).resolves({
      Table: {
        ...ORDERS,
        DatabaseName: 'sales',
        CreateTime: new Date('2024-01-01T00:00:00Z'),
        UpdateTime: new Date('2024-01-02T00:00:00Z'),
        Owner: 'hadoop',
        Retention: 0,
        CreatedBy: 'arn:aws:sts::123456789012:assumed-role/etl/load',
        IsRegisteredWithLakeFormation: false,
        CatalogId: '123456789012',
        VersionId: '3',
        StorageDescriptor: {
          ...ORDERS.StorageDescriptor,
          Compressed: false,
          NumberOfBuckets: -1,
          BucketColumns: [],
          SortColumns: [],
          Parameters: {},
          StoredAsSubDirectories: false,
        },
      },
    })

    // Act
    const table = await catalog.getTable('sales', 'orders')

    // Assess
    expect(table).toEqual(ORDERS)
  })

  it('keeps the description and column comments', async () => {
    // Prepare
    const described = parquetTable('orders', [{ Name: 'order_id', Type: 'bigint', Comment: 'from the shop' }], [], 's3://curated/orders/', 'Orders')
    glue.on(GetTableCommand).resolves({ Table: described })

    // Act
    const table = await catalog.getTable('sales', 'orders')

    // Assess
    expect(table).toEqual(described)
  })

  it('returns undefined for a table that does not exist', async () => {
    // Prepare
    glue.on(GetTableCommand).rejects(notFound())

    // Act
    const table = await catalog.getTable('sales', 'nope')

    // Assess
    expect(table).toBeUndefined()
  })

  it('refuses to treat a view as a missing table', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves({ Table: { Name: 'orders_v', TableType: 'VIRTUAL_VIEW', ViewOriginalText: 'select 1' } })

    // Act
    const getting = catalog.getTable('sales', 'orders_v')

    // Assess
    await expect(getting).rejects.toThrow('glue: getTable sales.orders_v failed: it is a VIRTUAL_VIEW, not an external table')
  })
})

describe('glueCatalog.ensureDatabase', () => {
  it('creates the database when it is missing', async () => {
    // Prepare
    glue.on(GetDatabaseCommand).rejects(notFound())
    glue.on(CreateDatabaseCommand).resolves({})

    // Act
    await catalog.ensureDatabase('sales')

    // Assess
    expect(glue.commandCalls(CreateDatabaseCommand).map((call) => call.args[0].input)).toEqual([{ DatabaseInput: { Name: 'sales' } }])
  })

  it('leaves an existing database alone', async () => {
    // Prepare
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'sales' } })

    // Act
    await catalog.ensureDatabase('sales')

    // Assess
    expect(glue.commandCalls(CreateDatabaseCommand)).toHaveLength(0)
  })

  it('tolerates another run creating the database first', async () => {
    // Prepare
    glue.on(GetDatabaseCommand).rejects(notFound())
    glue.on(CreateDatabaseCommand).rejects(alreadyExists())

    // Act
    const ensuring = catalog.ensureDatabase('sales')

    // Assess
    await expect(ensuring).resolves.toBeUndefined()
  })
})

describe('glueCatalog errors', () => {
  it.each([
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', ...meta })],
    ['InternalServiceException', () => new InternalServiceException({ message: 'oops', ...meta })],
    ['OperationTimeoutException', () => new OperationTimeoutException({ message: 'slow', ...meta })],
    ['ConcurrentModificationException', () => new ConcurrentModificationException({ message: 'race', ...meta })],
    ['a 503', () => new GlueServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } })],
  ])('turns %s into a TransientStorageError naming the operation and table', async (_, error) => {
    // Prepare
    const original = error()
    glue.on(CreateTableCommand).rejects(original)

    // Act
    const putting = catalog.createTable('sales', ORDERS)

    // Assess
    await expect(putting).rejects.toBeInstanceOf(TransientStorageError)
    await expect(putting).rejects.toMatchObject({ message: expect.stringMatching(/^glue: createTable sales\.orders failed: /), cause: original })
  })

  it('rethrows other errors with their own name and a prefixed message', async () => {
    // Prepare
    glue.on(GetTableCommand).rejects(new GlueServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'no' }))

    // Act
    const getting = catalog.getTable('sales', 'orders')

    // Assess
    await expect(getting).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'glue: getTable sales.orders failed: AccessDeniedException (HTTP 400): no',
    })
    await expect(getting).rejects.not.toBeInstanceOf(TransientStorageError)
  })
})

describe('glueCatalog listings', () => {
  it('lists the external tables of every page, skipping views', async () => {
    // Prepare
    const customers = parquetTable('customers', [{ Name: 'id', Type: 'bigint' }], [{ Name: 'ingest_date', Type: 'string' }], 's3://curated/customers/')
    glue
      .on(GetTablesCommand, { DatabaseName: 'sales', NextToken: undefined })
      .resolves({ TableList: [ORDERS, { Name: 'orders_v', TableType: 'VIRTUAL_VIEW' }], NextToken: 'page-2' })
      .on(GetTablesCommand, { DatabaseName: 'sales', NextToken: 'page-2' })
      .resolves({ TableList: [customers] })

    // Act
    const tables = await catalog.listTables('sales')

    // Assess
    expect(tables).toEqual([ORDERS, customers])
    expect(glue.commandCalls(GetTablesCommand)).toHaveLength(2)
  })

  it('lists the partitions of every page', async () => {
    // Prepare
    const [first, second, third] = partitionsOf(ORDERS, 3)
    glue
      .on(GetPartitionsCommand, { DatabaseName: 'sales', TableName: 'orders', NextToken: undefined })
      .resolves({ Partitions: [first!, second!], NextToken: 'more' })
      .on(GetPartitionsCommand, { DatabaseName: 'sales', TableName: 'orders', NextToken: 'more' })
      .resolves({ Partitions: [{ ...third!, TableName: 'orders', DatabaseName: 'sales', CreationTime: new Date() }] })

    // Act
    const partitions = await catalog.listPartitions('sales', 'orders')

    // Assess
    expect(partitions).toEqual([first, second, third])
    expect(glue.commandCalls(GetPartitionsCommand)).toHaveLength(2)
  })

  it('reports a throttled listing as transient, naming the database', async () => {
    // Prepare
    glue.on(GetTablesCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }))

    // Act
    const listing = catalog.listTables('sales')

    // Assess
    await expect(listing).rejects.toThrow(TransientStorageError)
    await expect(listing).rejects.toThrow('glue: listTables sales failed: ThrottlingException: Rate exceeded')
  })
})

describe('glueCatalog: swapping in a rebuilt table and dropping one', () => {
  it('updates the table at the version it read, updates the partitions both have, creates the new ones and deletes the old ones', async () => {
    // Prepare
    const rebuilt = { ...ORDERS, StorageDescriptor: { ...ORDERS.StorageDescriptor, Location: 's3://curated/orders/gen=abc/' }, Parameters: { ...ORDERS.Parameters, 'sluice.generation': 'abc' } }
    const kept = parquetPartition(rebuilt, [day(1)], `s3://curated/orders/gen=abc/ingest_date=${day(1)}/`)
    const added = parquetPartition(rebuilt, [day(2)], `s3://curated/orders/gen=abc/ingest_date=${day(2)}/`)
    glue.on(GetTableCommand).resolves({ Table: { ...ORDERS, DatabaseName: 'sluice', VersionId: '7' } })
    glue.on(GetPartitionsCommand).resolves({ Partitions: partitionsOf(ORDERS, 2).map((p) => ({ ...p, DatabaseName: 'sluice', TableName: 'orders' })) })
    glue.on(UpdateTableCommand).resolves({})
    glue.on(UpdatePartitionCommand).resolves({})
    glue.on(BatchCreatePartitionCommand).resolves({})
    glue.on(BatchDeletePartitionCommand).resolves({})

    // Act
    await catalog.replaceTable('sluice', rebuilt, [kept, added])

    // Assess
    expect(glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'sluice', TableInput: rebuilt, VersionId: '7' }])
    expect(glue.commandCalls(UpdatePartitionCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'sluice', TableName: 'orders', PartitionValueList: [day(1)], PartitionInput: kept }])
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList)).toEqual([[added]])
    expect(glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input.PartitionsToDelete)).toEqual([[{ Values: [day(0)] }]])
  })

  it('reads the table again and retries when another writer changed it since it was read', async () => {
    // Prepare
    glue.on(GetTableCommand).resolvesOnce({ Table: { ...ORDERS, DatabaseName: 'sluice', VersionId: '7' } }).resolves({ Table: { ...ORDERS, DatabaseName: 'sluice', VersionId: '8' } })
    glue.on(UpdateTableCommand, { VersionId: '7' }).rejects(new ConcurrentModificationException({ message: 'stale', ...meta }))
    glue.on(UpdateTableCommand, { VersionId: '8' }).resolves({})
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] })

    // Act
    await catalog.replaceTable('sluice', ORDERS, [])

    // Assess
    expect(glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.VersionId)).toEqual(['7', '8'])
  })

  it('deletes a table, and takes a table that is gone already as deleted', async () => {
    // Prepare
    glue.on(DeleteTableCommand, { Name: 'orders' }).resolves({})
    glue.on(DeleteTableCommand, { Name: 'gone' }).rejects(notFound())

    // Act
    await catalog.deleteTable('sluice', 'orders')
    await catalog.deleteTable('sluice', 'gone')

    // Assess
    expect(glue.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'sluice', Name: 'orders' }, { DatabaseName: 'sluice', Name: 'gone' }])
  })
})
