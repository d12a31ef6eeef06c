import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { intEnv } from '../../functions/adapters/env-config'
import { InvalidInputError } from '../../functions/core/errors'
import { DEFAULT_STALE_AFTER_HOURS, STALE_AFTER_HOURS_VARIABLE } from '../../functions/core/site/site-model'
import { CHART_LIBRARY } from '../../functions/core/site/render-site'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { rebuildSite } from '../../functions/site/rebuild-site'
import { siteStep, type SiteAsset, type SiteResult, type SiteWriter } from '../../functions/site/site-step'

/** Read once at load: hours after its last load that a dataset is flagged stale. */
const staleAfterHours = intEnv(STALE_AFTER_HOURS_VARIABLE, DEFAULT_STALE_AFTER_HOURS)

/** uPlot's browser build and stylesheet, read from node_modules: the site never loads them from a CDN. */
export async function chartAssets(): Promise<SiteAsset[]> {
  const dist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')
  return [
    { path: CHART_LIBRARY.script, content: await readFile(join(dist, 'uPlot.iife.min.js')) },
    { path: CHART_LIBRARY.style, content: await readFile(join(dist, 'uPlot.min.css')) },
  ]
}

/** Writes the site's files under a folder. */
export function folderWriter(root: string): SiteWriter {
  return {
    async write(path, content) {
      const target = join(root, path)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, content)
    },
  }
}

/**
 * Generates the status site of a lake into `<lake>/site/`, afresh, from everything the lake
 * holds: its summaries are rebuilt first (rebuild-site.ts), then every page is written; pages
 * of files the lake no longer knows do not linger. `curatedFolder` is the local curated zone,
 * for the DuckDB query of a file's rows (absent when the zones are S3 buckets).
 */
export async function writeLocalSite(deps: LakeDeps, root: string, curatedFolder?: string): Promise<SiteResult & { folder: string }> {
  const folder = join(root, 'site')
  await rm(folder, { recursive: true, force: true })
  const result = await rebuildSite({
    ...deps,
    site: folderWriter(folder),
    assets: await chartAssets(),
    queries: { athena: true, ...(curatedFolder ? { localCurated: curatedFolder } : {}) },
    staleAfterHours,
  })
  return { ...result, folder }
}

/**
 * The workflow's UpdateSite step on the local lake: the same step as the Site Lambda, writing
 * the pages of the run's files and datasets and the index into `<lake>/site/` in place (none
 * removed, so a reader never meets an empty folder; `sluice site` regenerates it afresh).
 */
export function localSiteStep(deps: LakeDeps, root: string, curatedFolder?: string): (event: unknown) => Promise<SiteResult> {
  return async (event) => {
    const runId = (event as { runId?: unknown } | undefined)?.runId
    if (typeof runId !== 'string') throw new InvalidInputError(`site: expected { runId }, got ${JSON.stringify(event)?.slice(0, 200)}`)
    return siteStep({
      ...deps,
      site: folderWriter(join(root, 'site')),
      assets: await chartAssets(),
      queries: { athena: true, ...(curatedFolder ? { localCurated: curatedFolder } : {}) },
    staleAfterHours,
    }, runId)
  }
}
