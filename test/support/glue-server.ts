import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GlueClient, type GlueClientConfig } from '@aws-sdk/client-glue'
import { delay, type Latency } from './latency'
import type { FaultOptions } from './s3-conditions'

/*
 * An in-process AWS Glue Data Catalog endpoint for tests: an HTTP server on 127.0.0.1 that
 * speaks the AWS JSON 1.1 protocol (POST /, X-Amz-Target: AWSGlue.<Operation>, JSON bodies,
 * errors as {"__type", "Message"} with status 400, or 500 for InternalServiceException), so
 * @aws-sdk/client-glue and the glueCatalog adapter run against it unchanged.
 *
 * State is in memory. Each operation is applied atomically once its latency has passed, so
 * concurrent calls interleave at call boundaries as they would against Glue. UpdateTable
 * enforces VersionId (optimistic locking) and archives the replaced version unless
 * SkipArchive is true. See docs/aws-semantics.md for the sources.
 */

export type GlueOperation =
  | 'CreateDatabase'
  | 'GetDatabase'
  | 'GetDatabases'
  | 'DeleteDatabase'
  | 'CreateTable'
  | 'GetTable'
  | 'GetTables'
  | 'UpdateTable'
  | 'DeleteTable'
  | 'GetTableVersions'
  | 'CreatePartition'
  | 'GetPartition'
  | 'GetPartitions'
  | 'BatchGetPartition'
  | 'BatchCreatePartition'
  | 'BatchDeletePartition'
  | 'UpdatePartition'
  | 'DeletePartition'

/** One call as the server sees it; passed to latency functions, hooks and fault filters. */
export interface GlueCall {
  operation: string
  input: Record<string, unknown>
  /** 1-based arrival number among all calls. */
  seq: number
}

/** An error the server answers instead of applying a call. */
export interface GlueFault {
  /** Glue exception name, e.g. `ConcurrentModificationException`, `ThrottlingException`. */
  name: string
  message?: string
  /** HTTP status; 500 for InternalServiceException, else 400, as Glue answers. */
  status?: number
}

export interface GlueServerOptions {
  /** Delay before each call is applied. See latency.ts for seeded random delays. */
  latency?: Latency<GlueCall>
  /** Delay after a call was applied, before its answer is sent. */
  responseLatency?: Latency<GlueCall>
  /** Page size of GetPartitions and GetTables when the caller sends no MaxResults (default 100). */
  defaultPageSize?: number
  /** Account id reported as CatalogId when a call names none (default 123456789012). */
  accountId?: string
  /** Extra config for the ready-made `client` (e.g. `maxAttempts: 1`). */
  clientConfig?: Partial<GlueClientConfig>
}

/** A table as stored: Glue's Table shape, with VersionId. */
export interface StoredTable extends Record<string, unknown> {
  Name: string
  DatabaseName: string
  VersionId: string
}
export interface StoredPartition extends Record<string, unknown> {
  Values: string[]
}

export interface GlueServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  /** A GlueClient for this endpoint with dummy credentials. Destroyed by `stop()`. */
  client: GlueClient
  /** Builds another client for this endpoint (the caller destroys it). */
  newClient(config?: Partial<GlueClientConfig>): GlueClient
  /** Calls that arrived, of one operation or of all (including failed and unknown ones). */
  calls(operation?: GlueOperation | string): number
  /** Every call that arrived, in arrival order, with its input and outcome. */
  readonly log: readonly (GlueCall & { error?: string })[]
  /** Current table (a copy), or undefined. */
  table(database: string, name: string, catalogId?: string): StoredTable | undefined
  tables(database: string, catalogId?: string): StoredTable[]
  /** Partitions of a table (copies), sorted by values. */
  partitions(database: string, table: string, catalogId?: string): StoredPartition[]
  /** Table versions archived by UpdateTable (not counting the current one). */
  archivedVersions(database: string, table: string, catalogId?: string): number
  /** Successful UpdateTable calls on a table since it was created. */
  updates(database: string, table: string, catalogId?: string): number
  databases(catalogId?: string): string[]
  /** Answer matching calls of `operation` with `fault` instead of applying them. */
  fail(operation: GlueOperation | string, fault: GlueFault, options?: FaultOptions<GlueCall>): void
  /**
   * Runs `hook` for each call of `operation` ('*' for all) after its latency, before it is
   * applied: a test can hold a call there to force an interleaving. Returns the undo.
   */
  beforeCall(operation: GlueOperation | '*', hook: (call: GlueCall) => void | Promise<void>): () => void
  setLatency(latency: Latency<GlueCall> | undefined, responseLatency?: Latency<GlueCall>): void
  stop(): Promise<void>
}

/** A Glue service error: becomes `{"__type": name, "Message": message}` with `status`. */
export class GlueError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = type === 'InternalServiceException' ? 500 : 400,
  ) {
    super(message)
  }
}

const notFound = (message: string) => new GlueError('EntityNotFoundException', message)
const invalid = (message: string) => new GlueError('InvalidInputException', message)

interface TableEntry {
  table: StoredTable
  version: number
  archived: StoredTable[]
  updates: number
  partitions: Map<string, StoredPartition>
}
interface DatabaseEntry {
  database: Record<string, unknown>
  tables: Map<string, TableEntry>
}

const clone = <T>(value: T): T => structuredClone(value)
const now = () => Date.now() / 1000
/** Glue folds database and table names to lower case. */
const fold = (name: unknown) => String(name ?? '').toLowerCase()
const partitionKey = (values: unknown) => JSON.stringify(values ?? [])

/** Starts the endpoint on a free port of 127.0.0.1. */
export async function startGlueServer(options: GlueServerOptions = {}): Promise<GlueServer> {
  const accountId = options.accountId ?? '123456789012'
  const pageSize = options.defaultPageSize ?? 100
  let latency = options.latency
  let responseLatency = options.responseLatency
  const catalogs = new Map<string, Map<string, DatabaseEntry>>()
  const log: (GlueCall & { error?: string })[] = []
  const faults: { operation: string; fault: GlueFault; first: number; last: number; seen: number; when?: (c: GlueCall) => boolean }[] = []
  const hooks: { operation: string; hook: (call: GlueCall) => void | Promise<void> }[] = []

  const catalogOf = (input: Record<string, unknown>) => {
    const id = String(input.CatalogId ?? accountId)
    let catalog = catalogs.get(id)
    if (!catalog) catalogs.set(id, (catalog = new Map()))
    return { id, catalog }
  }
  const databaseOf = (input: Record<string, unknown>, field = 'DatabaseName') => {
    const { id, catalog } = catalogOf(input)
    const name = fold(input[field])
    const database = catalog.get(name)
    if (!database) throw notFound(`Database ${name} not found.`)
    return { id, database, name }
  }
  const tableOf = (input: Record<string, unknown>, field = 'TableName') => {
    const { id, database, name: databaseName } = databaseOf(input)
    const name = fold(input[field])
    const entry = database.tables.get(name)
    if (!entry) throw notFound(`Table ${name} not found.`)
    return { id, database, databaseName, entry }
  }
  const toPartition = (id: string, databaseName: string, tableName: string, input: Record<string, unknown>): StoredPartition => ({
    ...clone(input),
    Values: clone((input.Values as string[]) ?? []),
    DatabaseName: databaseName,
    TableName: tableName,
    CatalogId: id,
    CreationTime: now(),
  })
  const checkValues = (entry: TableEntry, values: unknown) => {
    const keys = (entry.table.PartitionKeys as unknown[] | undefined) ?? []
    if (!Array.isArray(values) || values.length !== keys.length) {
      throw invalid(`The number of partition keys do not match the number of partition values`)
    }
  }
  const page = <T>(items: T[], input: Record<string, unknown>, token = 'NextToken') => {
    const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64').toString('utf8')) : 0
    const size = Number(input.MaxResults ?? pageSize)
    const end = start + size
    return {
      items: items.slice(start, end),
      ...(end < items.length ? { [token]: Buffer.from(String(end)).toString('base64') } : {}),
    }
  }
  const sortedPartitions = (entry: TableEntry) =>
    [...entry.partitions.values()].sort((a, b) => partitionKey(a.Values).localeCompare(partitionKey(b.Values)))

  const handlers: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    CreateDatabase(input) {
      const { id, catalog } = catalogOf(input)
      const databaseInput = (input.DatabaseInput ?? {}) as Record<string, unknown>
      const name = fold(databaseInput.Name)
      if (!name) throw invalid('DatabaseInput.Name is required')
      if (catalog.has(name)) throw new GlueError('AlreadyExistsException', 'Database already exists.')
      catalog.set(name, { database: { ...clone(databaseInput), Name: name, CatalogId: id, CreateTime: now() }, tables: new Map() })
      return {}
    },
    GetDatabase(input) {
      return { Database: clone(databaseOf(input, 'Name').database.database) }
    },
    GetDatabases(input) {
      const { catalog } = catalogOf(input)
      const { items, ...rest } = page([...catalog.values()].map((d) => clone(d.database)), input)
      return { DatabaseList: items, ...rest }
    },
    DeleteDatabase(input) {
      const { catalog, name } = { ...catalogOf(input), name: fold(input.Name) }
      if (!catalog.delete(name)) throw notFound(`Database ${name} not found.`)
      return {}
    },
    CreateTable(input) {
      const { id, database, name: databaseName } = databaseOf(input)
      const tableInput = (input.TableInput ?? {}) as Record<string, unknown>
      const name = fold(tableInput.Name)
      if (!name) throw invalid('TableInput.Name is required')
      if (database.tables.has(name)) throw new GlueError('AlreadyExistsException', 'Table already exists.')
      const time = now()
      const table: StoredTable = { ...clone(tableInput), Name: name, DatabaseName: databaseName, CatalogId: id, CreateTime: time, UpdateTime: time, VersionId: '0' }
      table.PartitionKeys ??= []
      database.tables.set(name, { table, version: 0, archived: [], updates: 0, partitions: new Map() })
      return {}
    },
    GetTable(input) {
      return { Table: clone(tableOf(input, 'Name').entry.table) }
    },
    GetTables(input) {
      const { database } = databaseOf(input)
      const pattern = input.Expression ? new RegExp(`^(?:${String(input.Expression)})$`) : undefined
      const all = [...database.tables.values()].map((e) => e.table).filter((t) => !pattern || pattern.test(t.Name))
      const { items, ...rest } = page(
        all.sort((a, b) => a.Name.localeCompare(b.Name)).map(clone),
        input,
      )
      return { TableList: items, ...rest }
    },
    UpdateTable(input) {
      const tableInput = (input.TableInput ?? {}) as Record<string, unknown>
      const { id, databaseName, entry } = tableOf({ ...input, TableName: input.Name ?? tableInput.Name })
      if (input.VersionId !== undefined && String(input.VersionId) !== entry.table.VersionId) {
        // The message Glue gives, as reported from the AWS CLI (see docs/aws-semantics.md).
        throw new GlueError('ConcurrentModificationException', 'Update table failed due to concurrent modifications.')
      }
      if (input.SkipArchive !== true) entry.archived.push(clone(entry.table))
      entry.version += 1
      entry.updates += 1
      entry.table = {
        ...clone(tableInput),
        Name: entry.table.Name,
        DatabaseName: databaseName,
        CatalogId: id,
        CreateTime: entry.table.CreateTime,
        UpdateTime: now(),
        VersionId: String(entry.version),
      }
      entry.table.PartitionKeys ??= []
      return {}
    },
    DeleteTable(input) {
      const { database, entry } = tableOf(input, 'Name')
      database.tables.delete(entry.table.Name)
      return {}
    },
    GetTableVersions(input) {
      const { entry } = tableOf(input)
      const versions = [entry.table, ...[...entry.archived].reverse()].map((t) => ({ Table: clone(t), VersionId: t.VersionId }))
      const { items, ...rest } = page(versions, input)
      return { TableVersions: items, ...rest }
    },
    CreatePartition(input) {
      const { id, databaseName, entry } = tableOf(input)
      const partitionInput = (input.PartitionInput ?? {}) as Record<string, unknown>
      checkValues(entry, partitionInput.Values)
      const key = partitionKey(partitionInput.Values)
      if (entry.partitions.has(key)) throw new GlueError('AlreadyExistsException', 'Partition already exists.')
      entry.partitions.set(key, toPartition(id, databaseName, entry.table.Name, partitionInput))
      return {}
    },
    GetPartition(input) {
      const { entry } = tableOf(input)
      const partition = entry.partitions.get(partitionKey(input.PartitionValues))
      if (!partition) throw notFound('Cannot find partition.')
      return { Partition: clone(partition) }
    },
    GetPartitions(input) {
      const { entry } = tableOf(input)
      if (input.Expression) throw invalid('This test server does not evaluate GetPartitions Expression')
      const { items, ...rest } = page(sortedPartitions(entry).map(clone), input)
      return { Partitions: items, ...rest }
    },
    BatchGetPartition(input) {
      const { entry } = tableOf(input)
      const wanted = (input.PartitionsToGet as { Values: string[] }[] | undefined) ?? []
      const found = wanted.flatMap((p) => {
        const partition = entry.partitions.get(partitionKey(p.Values))
        return partition ? [clone(partition)] : []
      })
      return { Partitions: found, UnprocessedKeys: [] }
    },
    BatchCreatePartition(input) {
      const { id, databaseName, entry } = tableOf(input)
      const list = (input.PartitionInputList as Record<string, unknown>[] | undefined) ?? []
      if (list.length > 100) throw invalid('PartitionInputList may hold at most 100 partitions')
      const errors: Record<string, unknown>[] = []
      for (const partitionInput of list) {
        const values = partitionInput.Values
        const fail = (code: string, message: string) =>
          errors.push({ PartitionValues: clone(values), ErrorDetail: { ErrorCode: code, ErrorMessage: message } })
        try {
          checkValues(entry, values)
        } catch (error) {
          fail('InvalidInputException', (error as Error).message)
          continue
        }
        const key = partitionKey(values)
        if (entry.partitions.has(key)) fail('AlreadyExistsException', 'Partition already exists.')
        else entry.partitions.set(key, toPartition(id, databaseName, entry.table.Name, partitionInput))
      }
      return errors.length > 0 ? { Errors: errors } : {}
    },
    BatchDeletePartition(input) {
      const { entry } = tableOf(input)
      const list = (input.PartitionsToDelete as { Values: string[] }[] | undefined) ?? []
      if (list.length > 25) throw invalid('PartitionsToDelete may hold at most 25 partitions')
      const errors: Record<string, unknown>[] = []
      for (const { Values } of list) {
        if (!entry.partitions.delete(partitionKey(Values))) {
          errors.push({ PartitionValues: clone(Values), ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: 'Partition not found.' } })
        }
      }
      return errors.length > 0 ? { Errors: errors } : {}
    },
    UpdatePartition(input) {
      const { id, databaseName, entry } = tableOf(input)
      const key = partitionKey(input.PartitionValueList)
      const existing = entry.partitions.get(key)
      if (!existing) throw notFound('Cannot find partition.')
      const partitionInput = (input.PartitionInput ?? {}) as Record<string, unknown>
      checkValues(entry, partitionInput.Values)
      entry.partitions.delete(key)
      entry.partitions.set(partitionKey(partitionInput.Values), {
        ...toPartition(id, databaseName, entry.table.Name, partitionInput),
        CreationTime: existing.CreationTime,
      })
      return {}
    },
    DeletePartition(input) {
      const { entry } = tableOf(input)
      if (!entry.partitions.delete(partitionKey(input.PartitionValues))) throw notFound('Cannot find partition.')
      return {}
    },
  }

  const takeFault = (call: GlueCall): GlueFault | undefined => {
    for (const entry of faults) {
      if (entry.operation !== call.operation || (entry.when && !entry.when(call))) continue
      entry.seen += 1
      if (entry.seen >= entry.first && entry.seen <= entry.last) return entry.fault
    }
    return undefined
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const target = String(req.headers['x-amz-target'] ?? '')
    const operation = target.startsWith('AWSGlue.') ? target.slice('AWSGlue.'.length) : target
    let input: Record<string, unknown> = {}
    const record: GlueCall & { error?: string } = { operation, input, seq: log.length + 1 }
    log.push(record)
    const send = (status: number, body: unknown, errorType?: string) => {
      const text = JSON.stringify(body)
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': `req-${record.seq}`,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      })
      res.end(text)
    }
    const sendError = (error: GlueError) => {
      record.error = error.type
      send(error.status, { __type: error.type, Message: error.message }, error.type)
    }
    if (req.method !== 'POST' || !target.startsWith('AWSGlue.')) {
      return sendError(new GlueError('UnknownOperationException', `Unknown target ${target || '(none)'}`))
    }
    try {
      input = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {}
      record.input = input
    } catch {
      return sendError(new GlueError('SerializationException', 'Request body is not valid JSON'))
    }
    const call: GlueCall = record
    await delay(latency, call)
    for (const { operation: hooked, hook } of [...hooks]) {
      if (hooked === '*' || hooked === operation) await hook(call)
    }
    const fault = takeFault(call)
    let output: Record<string, unknown> = {}
    let failure: GlueError | undefined
    if (fault) {
      failure = new GlueError(fault.name, fault.message ?? `Injected ${fault.name}`, fault.status)
    } else {
      const handler = Object.hasOwn(handlers, operation) ? handlers[operation] : undefined
      if (!handler) failure = new GlueError('UnknownOperationException', `This test server does not implement ${operation}`)
      else {
        try {
          output = handler(input)
        } catch (error) {
          if (!(error instanceof GlueError)) throw error
          failure = error
        }
      }
    }
    await delay(responseLatency, call)
    if (failure) return sendError(failure)
    send(200, output)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const text = JSON.stringify({ __type: 'InternalServiceException', Message: String(error) })
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalServiceException' })
        res.end(text)
      } else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const endpoint = `http://127.0.0.1:${port}`
  const newClient = (config: Partial<GlueClientConfig> = {}) =>
    new GlueClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'GLUE-TEST', secretAccessKey: 'GLUE-TEST' },
      ...options.clientConfig,
      ...config,
    })
  const client = newClient()
  const entryOf = (database: string, table: string, catalogId?: string) =>
    catalogs.get(catalogId ?? accountId)?.get(fold(database))?.tables.get(fold(table))

  return {
    endpoint,
    client,
    newClient,
    log,
    calls: (operation) => (operation ? log.filter((c) => c.operation === operation).length : log.length),
    table: (database, name, catalogId) => {
      const entry = entryOf(database, name, catalogId)
      return entry ? clone(entry.table) : undefined
    },
    tables: (database, catalogId) =>
      [...(catalogs.get(catalogId ?? accountId)?.get(fold(database))?.tables.values() ?? [])].map((e) => clone(e.table)),
    partitions: (database, table, catalogId) => {
      const entry = entryOf(database, table, catalogId)
      return entry ? sortedPartitions(entry).map(clone) : []
    },
    archivedVersions: (database, table, catalogId) => entryOf(database, table, catalogId)?.archived.length ?? 0,
    updates: (database, table, catalogId) => entryOf(database, table, catalogId)?.updates ?? 0,
    databases: (catalogId) => [...(catalogs.get(catalogId ?? accountId)?.keys() ?? [])],
    fail(operation, fault, { nth = 1, times = 1, when } = {}) {
      faults.push({ operation, fault, first: nth, last: nth + times - 1, seen: 0, ...(when ? { when } : {}) })
    },
    beforeCall(operation, hook) {
      const entry = { operation, hook }
      hooks.push(entry)
      return () => {
        const at = hooks.indexOf(entry)
        if (at >= 0) hooks.splice(at, 1)
      }
    },
    setLatency(next, nextResponse) {
      latency = next
      responseLatency = nextResponse
    },
    async stop() {
      client.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
