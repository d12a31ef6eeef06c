import { builtKey, emptyInGeneration, generationOf, rebuildPrefix, tableBase } from '../core/lake/generation'
import { rejectsTable } from '../core/lake/lake-layout'
import type { FileReport } from '../core/lake/run-report'
import type { LakeDeps } from '../core/lake/step-deps'
import { commitFile, type Published, type PublishDeps, type StagedFile } from './publish-file'
import { shadowCatalog } from '../adapters/shadow-catalog'
import { removeStaleCompacted } from './compact-dataset'
import { conformBuilt } from './conform-staged'

/** A file version built into a generation: what its commit needs once the generation is live. */
export interface BuiltFile {
  staged: StagedFile
  published: Published
  /** The reason of a file quarantined in the rebuild: it is committed as failed, its rejects published in the generation. */
  failed?: string
}

/** Records a built file, for the swap at the end of the rebuild (possibly in a successor run). */
export async function recordBuilt(deps: Pick<LakeDeps, 'curated'>, generation: string, built: BuiltFile): Promise<void> {
  const { dataset, fileId, etag } = built.staged.file
  await deps.curated.writeText(builtKey(dataset, generation, fileId, etag), JSON.stringify(built))
}

/**
 * Makes a rebuilt generation the live one:
 * 0. built parts written before a later batch of the rebuild widened a column are rewritten in
 *    the final types, in place (no reader sees the generation yet);
 * 1. the catalog: the data table and its rejects table, with the generation's columns, location
 *    and partitions, replace the old ones (`replaceTable`: one atomic write locally; on Glue one
 *    UpdateTable, then the partition calls). A table the generation has none of (no file
 *    loaded, or none had rejects) is swapped for an empty one of the generation, so the old
 *    generation's rows leave it too. From then on every load reads the new generation,
 *    and a load that read the old one loses its schema update and reads again.
 * 2. each built file is committed on its ledger head by the usual compare-and-swap, in the new
 *    generation (a quarantined one as failed, its rejects its outputs); the winner removes the
 *    old generation's parts of that file. A file whose raw version changed meanwhile is
 *    superseded, and the newer version is planned again.
 * 3. the rebuild's state is removed.
 * Rerunnable from any point: a retried Load finds the catalog swapped and the heads committed.
 * Files committed in the old generation while the rebuild ran are planned again by the planner,
 * which treats a version committed in a generation that is not live as not loaded.
 */
export async function swapGeneration(deps: Omit<LakeDeps, 'raw'> & PublishDeps, dataset: string, generation: string, runId: string, clock: () => Date): Promise<FileReport[]> {
  const shadow = shadowCatalog(deps.curated, dataset, generation)
  await conformBuilt(deps.curated, dataset, generation, (await shadow.getTable(deps.database, dataset))?.StorageDescriptor.Columns ?? [])
  for (const name of [dataset, rejectsTable(dataset)]) {
    const table = await shadow.getTable(deps.database, name)
    // Always, also on a retry: on Glue a crash may have left the partitions half swapped.
    if (table) await deps.catalog.replaceTable(deps.database, table, await shadow.listPartitions(deps.database, name))
    else await swapInEmpty(deps, name, generation)
  }
  const reports: FileReport[] = []
  const prefix = rebuildPrefix(dataset, generation)
  const keys: string[] = []
  for await (const o of deps.curated.list(prefix)) keys.push(o.key)
  for (const key of keys.filter((k) => k.endsWith('.built.json'))) {
    const text = await deps.curated.readText(key)
    if (!text) continue
    const { staged, published, failed } = JSON.parse(text) as BuiltFile
    const commit = await commitFile(deps, staged, published, runId, clock(), generation, failed)
    const base = { dataset, key: staged.file.key, etag: staged.file.etag, rowsIn: staged.stats.rowsIn }
    if (failed !== undefined && commit.outcome !== 'superseded') continue // reported when it was quarantined
    if (commit.outcome === 'superseded') {
      reports.push({ ...base, outcome: 'superseded', rowsOut: 0, rowsRejected: 0, outputs: [], note: 'not kept: the raw file changed while the dataset was rebuilt; its new version is loaded next' })
    } else {
      reports.push({
        ...base, outcome: staged.stats.outcome === 'empty' ? 'empty' : 'loaded', rowsOut: staged.stats.rowsOut, rowsRejected: staged.stats.rowsRejected, outputs: commit.record.outputs,
        note: `reprocessed into generation ${generation}`, ...(staged.stats.warnings.length > 0 ? { warnings: staged.stats.warnings } : {}),
      })
    }
  }
  await deps.curated.delete(keys)
  // Compacted parts of the old generation: no partition points into them any more.
  await removeStaleCompacted(deps.curated, dataset, generation)
  return reports
}

/**
 * Replaces a live table the generation has no rows for by an empty one of the generation. A
 * table in the generation already is left alone: a retried swap, after the rebuild's state (its
 * catalog among it) was removed, must not empty the table it swapped in.
 */
async function swapInEmpty(deps: Pick<LakeDeps, 'catalog' | 'curated' | 'database'>, name: string, generation: string): Promise<void> {
  const live = await deps.catalog.getTable(deps.database, name)
  if (!live || generationOf(live) === generation) return
  await deps.catalog.replaceTable(deps.database, emptyInGeneration(live, deps.curated.location(`${tableBase(name, generation)}/`), generation), [])
}
