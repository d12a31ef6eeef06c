import { parquetReadObjects } from 'hyparquet'
import { datasetOfKey, rejectsTable } from '../core/lake/lake-layout'
import { parseLedgerKey, type LedgerRecord } from '../core/lake/ledger'
import type { RunReport } from '../core/lake/run-report'
import { buildSiteModel, type QuarantineNote, type RejectSample, type SiteSources } from '../core/site/site-model'
import { renderSite } from '../core/site/render-site'
import type { LakeDeps } from '../core/lake/step-deps'
import type { ObjectStore } from '../core/lake/object-store'

/** Where the site's files go: a local folder or the site bucket. */
export interface SiteWriter {
  write(path: string, content: string | Uint8Array): Promise<void>
}

/** A file copied into the site as it is (the chart library). */
export interface SiteAsset {
  path: string
  content: Uint8Array
}

export interface SiteDeps extends LakeDeps {
  site: SiteWriter
  assets: SiteAsset[]
  /** How a file's rows are queried: Athena's `"$path"`, and/or DuckDB over this curated folder. */
  queries: SiteSources['queries']
  clock?: () => Date
}

/** What the Site step returns: counts, never the content. */
export interface SiteResult {
  pages: number
  datasets: number
  files: number
}

async function readBytes(store: ObjectStore, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.read(key)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined)

/** A quarantine record of any shape: what it says of key, reason and time, if anything. */
function quarantineNote(dataset: string, json: string): QuarantineNote {
  let record: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(json) as unknown
    if (parsed && typeof parsed === 'object') record = parsed as Record<string, unknown>
  } catch {
    // An unreadable record still says that a file is quarantined.
  }
  const key = text(record['key'])
  const reason = text(record['reason']) ?? text(record['error'])
  const at = text(record['quarantinedAt']) ?? text(record['at']) ?? text(record['committedAt'])
  return { dataset, ...(key ? { key } : {}), ...(reason ? { reason } : {}), ...(at ? { at } : {}) }
}

/** Reads what the site shows from the zones and the catalog. */
export async function collectSiteSources(deps: SiteDeps): Promise<SiteSources> {
  const heads: LedgerRecord[] = []
  const quarantined: QuarantineNote[] = []
  for await (const o of deps.curated.list('_ledger/')) {
    const dataset = o.key.split('/')[1] ?? ''
    if (o.key.endsWith('.quarantined.json')) {
      quarantined.push(quarantineNote(dataset, (await deps.curated.readText(o.key)) ?? ''))
    } else if (parseLedgerKey(o.key)?.kind === 'head') {
      const json = await deps.curated.readText(o.key)
      if (json) heads.push(JSON.parse(json) as LedgerRecord)
    }
  }
  const runs: RunReport[] = []
  for await (const o of deps.curated.list('_runs/')) {
    if (!o.key.endsWith('.json')) continue
    const json = await deps.curated.readText(o.key)
    if (json) runs.push(JSON.parse(json) as RunReport)
  }
  const rawFiles: SiteSources['rawFiles'] = []
  for await (const o of deps.raw.list('')) if (datasetOfKey(o.key)) rawFiles.push(o)

  // The rejects the lake holds now: those of the committed versions.
  const rejects: Record<string, RejectSample[]> = {}
  for (const head of heads.filter((h) => h.state === 'committed')) {
    for (const key of head.outputs.filter((k) => k.startsWith(`${rejectsTable(head.dataset)}/`))) {
      const bytes = await readBytes(deps.curated, key)
      const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Record<string, unknown>[]
      const list = (rejects[head.dataset] ??= [])
      for (const r of rows) {
        const column = text(r['column'])
        list.push({ source: String(r['source'] ?? ''), line: Number(r['line']), record: String(r['record'] ?? ''), errorCode: String(r['error_code'] ?? ''), errorMessage: String(r['error_message'] ?? ''), ...(column ? { column } : {}) })
      }
    }
  }
  const tables = await deps.catalog.listTables(deps.database)
  const now = (deps.clock ?? (() => new Date()))()
  return { generatedAt: now.toISOString(), database: deps.database, tables, heads, quarantined, runs, rawFiles, rejects, queries: deps.queries }
}

/** Regenerates the whole site from the lake: the pages first, the index last. */
export async function siteStep(deps: SiteDeps): Promise<SiteResult> {
  const model = buildSiteModel(await collectSiteSources(deps))
  const pages = renderSite(model)
  for (const asset of deps.assets) await deps.site.write(asset.path, asset.content)
  // The index links to every other page: written last, it never links to a page not there yet.
  const ordered = [...pages.filter((p) => p.path !== 'index.html'), ...pages.filter((p) => p.path === 'index.html')]
  for (const page of ordered) await deps.site.write(page.path, page.content)
  return { pages: pages.length, datasets: model.datasets.length, files: model.files.length }
}
