import { readJson } from '../adapters/site-summaries'
import { tableHistories } from '../adapters/iceberg-history'
import { fileId, runReportKey } from '../core/lake/lake-layout'
import type { RunReport } from '../core/lake/run-report'
import type { LakeDeps } from '../core/lake/step-deps'
import { renderSite } from '../core/site/render-site'
import { emptyHistory, RUN_HISTORY_KEY, type RunHistory } from '../core/site/run-history'
import { buildSiteModel, type SiteModel, type SiteSources } from '../core/site/site-model'
import { shardKey, shardOf, SUMMARY_PREFIX, type DatasetSummary, type FileEntry, type FileShard } from '../core/site/site-summary'

/** Where the site's files go: a local folder or the site bucket. */
export interface SiteWriter {
  write(path: string, content: string | Uint8Array): Promise<void>
}

/** A file copied into the site as it is (the chart library). */
export interface SiteAsset {
  path: string
  content: Uint8Array
}

/** The site reads the curated zone's summaries and run reports, and the catalog. */
export interface SiteDeps extends Pick<LakeDeps, 'curated' | 'catalog' | 'database' | 'siteRecordText'> {
  site: SiteWriter
  assets: SiteAsset[]
  /** How a file's rows are queried: Athena's `"$path"`, and/or DuckDB over this curated folder. */
  queries: SiteSources['queries']
  clock?: () => Date
  /** Hours after its last load that a dataset is flagged stale (DEFAULT_STALE_AFTER_HOURS when absent). */
  staleAfterHours?: number
}

/** What the Site step returns: counts, never the content. */
export interface SiteResult {
  pages: number
  datasets: number
  files: number
}

/** Every dataset's summary: one small object each. */
export async function readSummaries(deps: Pick<SiteDeps, 'curated'>): Promise<DatasetSummary[]> {
  const summaries: DatasetSummary[] = []
  for await (const o of deps.curated.list(SUMMARY_PREFIX)) {
    const summary = o.key.endsWith('.json') ? await readJson<DatasetSummary>(deps.curated, o.key) : undefined
    if (summary) summaries.push(summary)
  }
  return summaries
}

/**
 * Updates the site after a Load of a run: reads the run's report, the shards of its files and
 * every dataset's summary, and writes only the pages of the files the run's latest batch merged
 * and of their datasets, the page of runs this run cut from the index, and the index. Its writes
 * follow the batch, not the lake.
 */
export async function siteStep(deps: SiteDeps, runId: string): Promise<SiteResult> {
  const report = await readJson<RunReport>(deps.curated, runReportKey(runId))
  const reported = (report?.files ?? []).filter((f) => !f.note?.startsWith('rebuilt into generation'))
  const shards = new Map<string, string[]>()
  for (const f of reported) {
    const key = shardKey(f.dataset, shardOf(fileId(f.key)))
    shards.set(key, [...(shards.get(key) ?? []), f.key])
  }
  const files: FileEntry[] = []
  for (const [key, keys] of shards) {
    const shard = await readJson<FileShard>(deps.curated, key)
    // Files of the run's earlier batches had their pages written by those batches' updates.
    for (const k of keys) if (shard?.files[k]?.mergedBy?.runId === runId && shard.files[k].mergedBy.batchAt === report!.updatedAt) files.push(shard.files[k])
  }
  const history = (await readJson<RunHistory>(deps.curated, RUN_HISTORY_KEY)) ?? emptyHistory()
  const tables = await deps.catalog.listTables(deps.database)
  const changed = [...new Set(files.map((f) => f.dataset))].sort()
  const model = buildSiteModel({
    generatedAt: now(deps),
    database: deps.database,
    tables,
    summaries: await readSummaries(deps),
    files,
    // A page of older runs is written by the update of the run that cut it, and never again.
    history: { ...history, archived: history.archived.filter((p) => p.cutBy === runId) },
    changed,
    snapshots: await tableHistories(deps.curated, tables, changed),
    queries: deps.queries,
    recordText: deps.siteRecordText === true,
    ...(deps.staleAfterHours !== undefined ? { staleAfterHours: deps.staleAfterHours } : {}),
  })
  return writeSite(deps, model)
}

export const now = (deps: Pick<SiteDeps, 'clock'>) => (deps.clock ?? (() => new Date()))().toISOString()

/** Writes the model's pages: the chart library and the pages first, the index last. */
export async function writeSite(deps: Pick<SiteDeps, 'site' | 'assets'>, model: SiteModel): Promise<SiteResult> {
  const pages = renderSite(model)
  for (const asset of deps.assets) await deps.site.write(asset.path, asset.content)
  // The index links to every other page: written last, it never links to a page not there yet.
  const ordered = [...pages.filter((p) => p.path !== 'index.html'), ...pages.filter((p) => p.path === 'index.html')]
  for (const page of ordered) await deps.site.write(page.path, page.content)
  return { pages: pages.length, datasets: model.datasets.length, files: model.files.length }
}
