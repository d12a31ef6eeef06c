import { INGEST_DATE, parquetTable, type CatalogColumn, type TableInput } from '../core/lake/catalog'
import { athenaTypeName, type AthenaType } from '../core/schema/athena-types'
import { WriteConflictError } from '../core/errors'
import { GENERATION_PARAMETER, generationOf, tableBase } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import { REJECT_COLUMNS } from '../core/lake/rejects-table'
import type { FileReport } from '../core/lake/run-report'
import { reconcileColumns, type Widening } from '../core/schema/schema-reconcile'
import { parseAthenaType } from '../core/schema/athena-types'
import { holds, readableAs } from '../core/schema/type-widening'
import { asksRename, pendingRenames, renameColumns, reusedFormerNames } from '../core/schema/column-renames'
import { isMetadataPromotion } from '../core/table-format/iceberg/iceberg-schema'
import { isIcebergDefinition, renameParameters, renamesOf } from '../core/table-format/iceberg/working-definition'
import type { ObjectStore } from '../core/lake/object-store'
import { conformStaged } from './conform-staged'
import { finishWidening, widenTable, type Widened } from './widen-table'
import type { LakeDeps } from '../core/lake/step-deps'
import type { StagedFile } from './publish-file'

const INGEST_KEY: CatalogColumn = { Name: INGEST_DATE, Type: 'string' }
/** The lake, and for a widening of a live table the raw zone's heads its commits check. */
type SchemaDeps = Pick<LakeDeps, 'catalog' | 'curated' | 'database'> & { raw?: Pick<ObjectStore, 'head'> }

/** Races lost in a row before the conflict is left to the workflow's retry. */
const MAX_ATTEMPTS = 50

export interface SchemaCommit {
  /** Files whose columns the table now has, in the table's types (rewritten if need be): to publish. */
  loading: StagedFile[]
  /** Files that cannot join the table (another partitioning). */
  failed: FileReport[]
  /** Files with a column whose type conflicts with the table's: planned again, knowing the table. */
  retried: number
  /** The table's generation, which the files are published into (generation.ts). */
  generation: string
}

/** Who widens: the execution and its clock, which the commits of rewritten files record. */
export interface WidenContext {
  runId: string
  now: () => Date
}

/**
 * Brings the dataset's table up to the batch's columns by optimistic locking: read the table
 * and its version, reconcile, and create or update it only if something is new; when another
 * execution changed it meanwhile, read again and reconcile again. A column only widens
 * (schema-reconcile.ts): when Athena reads the published parts under the wider type (int as
 * bigint) the update is the column's new type alone; else the table is rebuilt into a new
 * generation with its parts rewritten and swapped in by one conditional catalog write
 * (widen-table.ts). Either way a file that agrees with one version of the table is read
 * under every later one, and the batch's own files are rewritten to the table's types before
 * they are published (conform-staged.ts). A table created here belongs to generation
 * `createAs` (a rebuild's; empty for a first load). In a rebuild's shadow catalog no reader
 * sees the built parts, so a widening there only changes the columns; the swap brings the
 * built parts to the final types (swap-generation.ts).
 *
 * On the working definition of an Iceberg dataset (working-definition.ts), a widening Iceberg
 * promotes by metadata (`isMetadataPromotion`) is the column's new type alone, and a contract
 * column's `renamedFrom` renames the table's column in place first, recorded in the
 * definition's parameters for the schema sync. A Hive table cannot rename a column (readers
 * find its parts' columns by name): a file asking for a rename fails, and is loaded once the
 * table is converted or the contract no longer asks.
 */
export async function commitSchema(deps: SchemaDeps, dataset: string, files: StagedFile[], createAs = '', widen?: WidenContext): Promise<SchemaCommit> {
  const live = deps.raw && widen && !createAs ? { ...deps, raw: deps.raw } : undefined
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // A widening whose swap landed but whose commits a crash interrupted is finished first.
    if (live) await finishWidening(live, dataset, widen!.runId, widen!.now())
    const current = await deps.catalog.readTable(deps.database, dataset)
    // Partitioning is fixed when the table is created: a file that asks for other keys fails.
    const first = files.find((s) => s.stats.outcome !== 'empty') ?? files[0]
    const keys = current?.table.PartitionKeys ?? (first ? partitionKeys(first) : [INGEST_KEY])
    const misfits = files.filter((s) => s.stats.outcome !== 'empty' && !sameKeys(partitionKeys(s), keys))
    const existing = current?.table.StorageDescriptor.Columns
    const iceberg = isIcebergDefinition(current?.table)
    const renames = pendingRenames(existing, files.filter((s) => s.stats.outcome !== 'empty' && !misfits.includes(s)).map((s) => ({ key: s.file.key, columns: s.stats.columns })))
    if (current && iceberg && Object.keys(renames).length > 0) {
      // The rename lands alone, conditional on the version read; the batch then reconciles with it.
      const renamed = dataTable(deps, dataset, renameColumns(existing ?? [], renames), keys, current.table, generationOf(current.table))
      try {
        await deps.catalog.updateTable(deps.database, { ...renamed, Parameters: { ...renamed.Parameters, ...renameParameters(renames) } }, current.version)
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error
      }
      continue
    }
    const unrenamable = iceberg ? [] : files.filter((s) => s.stats.outcome !== 'empty' && !misfits.includes(s) && asksRename(s.stats, renames))
    const history = current && iceberg ? renamesOf(current.table) : {}
    const reusing = files.filter((s) => s.stats.outcome !== 'empty' && !misfits.includes(s) && reusedFormerNames(existing ?? [], history, s.stats.columns).length > 0)
    const fitting = files.filter((s) => !misfits.includes(s) && !unrenamable.includes(s) && !reusing.includes(s))
    const withRows = fitting.filter((s) => s.stats.outcome !== 'empty')
    const schema = reconcileColumns(existing, withRows.map((s) => ({ key: s.file.key, columns: s.stats.columns })))
    const clashing = new Set(schema.clashes.map((c) => c.key))
    const loading = fitting.filter((s) => !clashing.has(s.file.key))
    const failed = [
      ...misfits.map((s) => partitionMisfit(s, dataset, keys)),
      ...unrenamable.map((s) => renameOnHive(s, dataset, renames)),
      ...reusing.map((s) => formerNameReused(s, dataset, reusedFormerNames(existing ?? [], history, s.stats.columns))),
    ]
    const keepsParts = iceberg ? promotedByMetadata : readableAs
    let generation = current ? generationOf(current.table) : createAs
    let rewrite: Widened | undefined
    if (loading.some((s) => s.stats.outcome !== 'empty')) {
      try {
        if (!current) await deps.catalog.createTable(deps.database, dataTable(deps, dataset, schema.columns, keys, undefined, generation))
        else if (live && needsRewrite(schema.widened, keepsParts)) {
          const swapped = await widenTable(live, dataset, current, schema.columns, widen!.runId, widen!.now())
          if (swapped === undefined) continue
          generation = swapped.generation
          rewrite = swapped
        } else if (!sameColumns(existing ?? [], schema.columns)) {
          await deps.catalog.updateTable(deps.database, dataTable(deps, dataset, schema.columns, keys, current.table, generation), current.version)
        }
      } catch (error) {
        if (error instanceof WriteConflictError) continue
        throw error
      }
      await ensureRejectsTable(deps, dataset, generation)
    }
    const conformed: StagedFile[] = []
    for (const s of loading) conformed.push(await conformStaged(deps.curated, createAs ? s : withWideningNotes(s, schema.widened, rewrite), schema.columns, keepsParts))
    return { loading: conformed, failed, retried: clashing.size, generation }
  }
  throw new WriteConflictError(`catalog: the schema of ${deps.database}.${dataset} lost ${MAX_ATTEMPTS} races in a row`)
}

/**
 * A file whose values widened a column of the table (the table's type did not hold them) says so in its report: the column, both types,
 * and what happened to the files loaded before.
 */
function withWideningNotes(staged: StagedFile, widened: Widening[], rewrite: Widened | undefined): StagedFile {
  const mine = widened.filter((w) => staged.stats.columns.some((c) => c.name === w.column && !holdsType(w.from, c.type)))
  if (mine.length === 0) return staged
  const before = rewrite
    ? `${rewrite.rewritten} part(s) of the ${rewrite.files} file(s) loaded before were rewritten in the new type`
    : 'the files loaded before are read as they are'
  const notes = mine.map((w) => `column ${w.column} widened from ${w.from} to ${w.to}: ${before}`)
  return { ...staged, stats: { ...staged.stats, warnings: [...staged.stats.warnings, ...notes] } }
}

/** Whether the type named `table` holds every value of the type named `value`. */
function holdsType(table: string, value: string): boolean {
  const t = parseAthenaType(table)
  const v = parseAthenaType(value)
  return t !== undefined && v !== undefined && holds(t, v)
}

/**
 * Whether a widening changes a column to a type the table's readers cannot read the parts
 * written before under: `keepsParts` is Athena's Hive rule (`readableAs`) or Iceberg's
 * promotions.
 */
function needsRewrite(widened: Widening[], keepsParts: (written: AthenaType, table: AthenaType) => boolean): boolean {
  return widened.some((w) => {
    const from = parseAthenaType(w.from)
    const to = parseAthenaType(w.to)
    return !from || !to || !keepsParts(from, to)
  })
}

/** Whether an Iceberg table keeps parts written as `written` under `table`: the same type, or a promotion by metadata. */
function promotedByMetadata(written: AthenaType, table: AthenaType): boolean {
  const from = athenaTypeName(written)
  const to = athenaTypeName(table)
  return from === to || isMetadataPromotion(from, to)
}

function dataTable(deps: Pick<LakeDeps, 'curated'>, dataset: string, columns: CatalogColumn[], keys: CatalogColumn[], existing: TableInput | undefined, generation: string): TableInput {
  const description = existing?.Description ?? `sluice: rows of the CSV files of raw dataset ${dataset}`
  const table = withGeneration(parquetTable(dataset, columns, keys, deps.curated.location(`${tableBase(dataset, generation)}/`), description), generation)
  // Keep what others set on the table (Lake Formation tags, comments, projection settings).
  return existing ? { ...table, Parameters: { ...existing.Parameters, ...table.Parameters } } : table
}

/** A table definition naming its generation, when it has one. */
function withGeneration(table: TableInput, generation: string): TableInput {
  return generation ? { ...table, Parameters: { ...table.Parameters, [GENERATION_PARAMETER]: generation } } : table
}

/** Creates the dataset's rejects table in its generation, unless it exists. */
export async function ensureRejectsTable(deps: Pick<LakeDeps, 'catalog' | 'curated' | 'database'>, dataset: string, generation: string): Promise<void> {
  const name = rejectsTable(dataset)
  if (await deps.catalog.getTable(deps.database, name)) return
  const columns = REJECT_COLUMNS.map((c) => ({ Name: c.name, Type: athenaTypeName(c.type) }))
  const table = withGeneration(
    parquetTable(name, columns, [INGEST_KEY], deps.curated.location(`${tableBase(name, generation)}/`), `sluice: rows of ${dataset} that could not be loaded`),
    generation,
  )
  try {
    await deps.catalog.createTable(deps.database, table)
  } catch (error) {
    // Another execution created it first: the same definition.
    if (!(error instanceof WriteConflictError)) throw error
  }
}

/** Partition keys of a dataset's table: the ingest date, then the contract's column if any. */
function partitionKeys(s: StagedFile): CatalogColumn[] {
  const by = s.stats.partitionBy
  return by ? [INGEST_KEY, { Name: by.name, Type: by.type }] : [INGEST_KEY]
}

const sameKeys = (a: CatalogColumn[], b: CatalogColumn[]) => JSON.stringify(a) === JSON.stringify(b)
const sameColumns = (a: CatalogColumn[], b: CatalogColumn[]) =>
  a.length === b.length && a.every((c, i) => c.Name === b[i].Name && c.Type === b[i].Type && (c.Comment ?? '') === (b[i].Comment ?? ''))

function partitionMisfit(s: StagedFile, dataset: string, keys: CatalogColumn[]): FileReport {
  const wanted = partitionKeys(s).map((k) => k.Name).join(', ')
  return {
    dataset, key: s.file.key, etag: s.file.etag, outcome: 'failed', rowsIn: s.stats.rowsIn, rowsOut: 0, rowsRejected: 0, outputs: [],
    reason: `ContractViolationError: partition: table ${dataset} is partitioned by ${keys.map((k) => k.Name).join(', ')} but this file by ${wanted}; a table's partitioning changes only by a rebuild: \`sluice reprocess ${dataset}\` (or load the files as a new dataset)`,
  }
}

/** A file whose contract renames a column of a Hive table: only an Iceberg table renames in place. */
function renameOnHive(s: StagedFile, dataset: string, renames: Record<string, string>): FileReport {
  const asked = s.stats.columns.filter((c) => c.renamedFrom !== undefined && renames[c.name] === c.renamedFrom).map((c) => `${c.renamedFrom} to ${c.name}`)
  return {
    dataset, key: s.file.key, etag: s.file.etag, outcome: 'failed', rowsIn: s.stats.rowsIn, rowsOut: 0, rowsRejected: 0, outputs: [],
    reason: `TableFormatMismatchError: contract: the contract renames column ${asked.join(', ')} (renamedFrom), and a rename needs an Iceberg table: table ${dataset} is a Hive table, whose parts hold the column by its old name. ` +
      `Convert it first (\`sluice convert ${dataset} --to iceberg\`), or take renamedFrom out of the contract (the column is then a new one); the file loads at the next run after either`,
  }
}

/** A file with a column under a name a renamed column of the Iceberg table had: it would take that column's old parts' values. */
function formerNameReused(s: StagedFile, dataset: string, reused: { column: string; now: string }[]): FileReport {
  const which = reused.map((r) => `${r.column} (now ${r.now})`).join(', ')
  return {
    dataset, key: s.file.key, etag: s.file.etag, outcome: 'failed', rowsIn: s.stats.rowsIn, rowsOut: 0, rowsRejected: 0, outputs: [],
    reason: `ContractViolationError: contract: this file has column(s) ${which} under the name a column of table ${dataset} had before its rename, and a former name cannot come back as a new column: ` +
      `the parts loaded before hold the renamed column under it. List the old header in the column's aliases in the contract (${reused.map((r) => `"aliases": ["${r.column}"] on ${r.now}`).join(', ')}); the file loads at the next run after`,
  }
}
