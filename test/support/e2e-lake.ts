import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { localLake } from '../../cli/local/local-lake'
import { runLocally, type LocalRunOutcome } from '../../cli/local-run'
import { openLakeQuery } from '../../cli/query/lake-query'
import { partitionFiles } from '../../cli/query/partition-files'
import type { Catalog } from '../../functions/core/lake/catalog'
import { realCatalog, tableFormatCatalog } from '../../functions/adapters/table-format-catalog'
import { tableFormatEnv } from '../../functions/adapters/env-config'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { renamesOf } from '../../functions/core/table-format/iceberg/working-definition'
import { icebirdRows } from './iceberg-lake'
import type { TableFormatName } from '../../functions/core/table-format/table-format-setting'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'

/** The sample raw zone shipped with the project. */
export const SAMPLE_DATA = fileURLToPath(new URL('../../sample-data/', import.meta.url))

/** The data files of the sample raw zone (besides them it holds `_contracts/payments.json`). */
export const SAMPLE_FILES = ['customers/customers.csv', 'orders/orders-2024-05.csv', 'orders/orders-2024-06.csv', 'payments/payments-2024-q2.csv.gz']

/** Start time of the runs, so that runs on different lakes give the same ingest date. */
export const START_TIME = new Date('2024-07-01T06:00:00.000Z')

export type Row = Record<string, unknown>
export type RunOptions = NonNullable<Parameters<typeof runLocally>[2]>

/** Where a lake keeps its zones when they are not local folders (e.g. S3 buckets). */
export interface LakeZones {
  raw: ObjectStore
  curated: ObjectStore
  /** The stores by bucket name, for reading `s3://` partition locations. */
  buckets: Record<string, ObjectStore>
}

export interface E2ELake {
  dir: string
  deps: LakeDeps
  /** Runs the workflow; input defaults to a schedule sweep and the start time to START_TIME. */
  run(input?: unknown, options?: RunOptions & { deps?: LakeDeps }): Promise<LocalRunOutcome>
  /** Rows of one query over the lake's catalog as it is now. */
  query(sql: string): Promise<Row[]>
  /** Every catalog table, each `SELECT * … ORDER BY ALL` but the run id (it differs from run to run), plus the table list under `tables`. */
  snapshot(): Promise<Record<string, Row[]>>
  putRaw(key: string, content: string | Uint8Array): Promise<void>
  deleteRaw(key: string): Promise<void>
  curatedKeys(prefix?: string): Promise<string[]>
  dispose(): Promise<void>
}

/**
 * A lake in a new temporary folder, its raw zone seeded with the sample data (all of it, the
 * listed keys, or nothing) plus the contract. With `zones`, raw and curated live there; with
 * `catalog`, the tables (else the catalog is the folder's JSON).
 */
export async function createLake(options: { seed?: string[] | 'all' | 'none'; zones?: LakeZones; catalog?: Catalog; tableFormat?: TableFormatName } = {}): Promise<E2ELake> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-'))
  const local = localLake(dir)
  const zoned: LakeDeps = options.zones ? { ...local, raw: options.zones.raw, curated: options.zones.curated } : local
  // New tables take the lake's format: the option, else SLUICE_TABLE_FORMAT (the suite runs for each).
  // A lake without a format of its own takes SLUICE_TABLE_FORMAT's, else a new lake's (its tables decide).
  const lakeDefault = options.tableFormat ?? tableFormatEnv()
  const catalog = tableFormatCatalog(options.catalog ?? realCatalog(local.catalog), zoned.curated, { raw: zoned.raw, lakeDefault })
  const deps: LakeDeps = { ...zoned, catalog, ...(lakeDefault ? { tableFormat: lakeDefault } : {}) }
  const buckets = options.zones?.buckets ?? {}
  const seed = options.seed ?? 'all'
  const keys = seed === 'all' ? await sampleKeys() : seed === 'none' ? [] : ['_contracts/payments.json', ...seed]

  const putRaw = async (key: string, content: string | Uint8Array) => {
    const upload = await deps.raw.upload(key)
    await upload.write(typeof content === 'string' ? new TextEncoder().encode(content) : content)
    await upload.close()
  }
  for (const key of keys) await putRaw(key, await readFile(join(SAMPLE_DATA, key)))

  const query = async (sql: string) => {
    const lake = await openLakeQuery(deps.catalog, deps.database, partitionFiles(buckets, join(dir, 'query-cache')))
    try {
      return (await lake.query(sql)).rows
    } finally {
      lake.close()
    }
  }

  return {
    dir,
    deps,
    run: (input = { trigger: 'schedule' }, runOptions = {}) =>
      runLocally(runOptions.deps ?? deps, input, { startTime: START_TIME, ...runOptions }),
    query,
    async snapshot() {
      const tables = (await deps.catalog.listTables(deps.database)).map((t) => t.Name).sort()
      const lake = await openLakeQuery(deps.catalog, deps.database, partitionFiles(buckets, join(dir, 'query-cache')))
      try {
        const result: Record<string, Row[]> = { tables: tables.map((name) => ({ name })) }
        for (const table of tables) result[table] = (await lake.query(`SELECT COLUMNS(c -> c <> '_sluice_run_id') FROM "${table}" ORDER BY ALL`)).rows
        return result
      } finally {
        lake.close()
      }
    },
    putRaw,
    deleteRaw: (key) => deps.raw.delete([key]),
    async curatedKeys(prefix = '') {
      const keys: string[] = []
      for await (const o of deps.curated.list(prefix)) keys.push(o.key)
      return keys
    },
    async dispose() {
      try {
        await expectIcebirdAgrees(deps, query)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  }
}

/**
 * Before a lake goes: icebird, the independent Iceberg reader, reads every Iceberg table of a
 * lake in a folder as sluice's query does: the same number of rows, and the same values in every
 * text column (icebird reads parts by the current names and gives no partition value, so those
 * are left to the query tests). So every end-to-end test checks it, whichever format it runs in.
 */
const ICEBIRD_MOST_FILES = 1000

async function expectIcebirdAgrees(deps: LakeDeps, query: (sql: string) => Promise<Row[]>): Promise<void> {
  if (!deps.curated.location('').startsWith('file:')) return
  for (const table of await realCatalog(deps.catalog).listTables(deps.database)) {
    if (!metadataLocationOf(table)) continue
    const current = await currentTableFiles({ store: deps.curated, catalog: deps.catalog, database: deps.database }, table.Name)
    // icebird fetches every data file: the lakes of thousands of files (request counts) are left out.
    if (!current || current.files.length > ICEBIRD_MOST_FILES) continue
    const theirs = current.files.length === 0 ? [] : await icebirdRows(current.metadata)
    const ours = await query(`SELECT * FROM "${table.Name}"`)
    if (theirs.length !== ours.length) throw new Error(`icebird reads ${theirs.length} rows of ${table.Name}, sluice's query ${ours.length}`)
    const renamed = new Set(Object.keys(renamesOf((await deps.catalog.getTable(deps.database, table.Name)) ?? table)))
    const partitioned = new Set(current.metadata['partition-specs'].flatMap((spec) => spec.fields.map((f) => f.name)))
    for (const column of table.StorageDescriptor.Columns.filter((c) => c.Type === 'string' && !renamed.has(c.Name) && !partitioned.has(c.Name))) {
      const values = (rows: Row[]) => rows.map((r) => (r[column.Name] === null || r[column.Name] === undefined ? null : String(r[column.Name]))).sort()
      if (JSON.stringify(values(theirs)) !== JSON.stringify(values(ours))) throw new Error(`icebird and sluice's query read different values of ${table.Name}.${column.Name}`)
    }
  }
}

/** Every file of the sample raw zone, as raw keys. */
async function sampleKeys(): Promise<string[]> {
  const entries = await readdir(SAMPLE_DATA, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(SAMPLE_DATA, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}
