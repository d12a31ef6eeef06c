import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { CHART_LIBRARY } from '../../functions/core/site/render-site'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { siteStep, type SiteAsset, type SiteResult, type SiteWriter } from '../../functions/site/site-step'

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
 * Generates the status site of a lake into `<lake>/site/`, afresh: pages of files the lake no
 * longer knows do not linger. `curatedFolder` is the local curated zone, for the DuckDB query of
 * a file's rows (absent when the zones are S3 buckets).
 */
export async function writeLocalSite(deps: LakeDeps, root: string, curatedFolder?: string): Promise<SiteResult & { folder: string }> {
  const folder = join(root, 'site')
  await rm(folder, { recursive: true, force: true })
  const result = await siteStep({
    ...deps,
    site: folderWriter(folder),
    assets: await chartAssets(),
    queries: { athena: true, ...(curatedFolder ? { localCurated: curatedFolder } : {}) },
  })
  return { ...result, folder }
}

/**
 * The workflow's UpdateSite step on the local lake: the same step as the Site Lambda, writing
 * `<lake>/site/` in place (pages are rewritten, none removed, so a reader never meets an empty
 * folder; `sluice site` regenerates it afresh).
 */
export function localSiteStep(deps: LakeDeps, root: string, curatedFolder?: string): () => Promise<SiteResult> {
  return async () =>
    siteStep({
      ...deps,
      site: folderWriter(join(root, 'site')),
      assets: await chartAssets(),
      queries: { athena: true, ...(curatedFolder ? { localCurated: curatedFolder } : {}) },
    })
}
