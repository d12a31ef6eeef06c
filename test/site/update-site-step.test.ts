import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { localSiteStep } from '../../cli/site/local-site'
import { fileId } from '../../functions/core/lake/lake-layout'
import { siteStep } from '../../functions/site/site-step'
import { createLake, type E2ELake } from '../support/e2e-lake'

describe('the workflow\'s UpdateSite step', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('updates the site after each Load with the loaded files\' numbers', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    const calls: unknown[] = []
    const step = localSiteStep(lake.deps, lake.dir, join(lake.dir, 'curated'))

    // Act
    const { report, failure } = await lake.run(undefined, { site: async (event) => (calls.push(event), step(event)) })
    const index = await readFile(join(lake.dir, 'site', 'index.html'), 'utf8')

    // Assess
    expect(failure).toBeUndefined()
    expect(calls).toEqual([{ runId: report.runId }])
    expect(index).toContain('<a href="datasets/orders.html">orders</a>')
    expect(index).toContain('<td class="num">58</td>')
  })

  it('writes after each batch of a run the pages of that batch\'s files only', async () => {
    // Prepare: five files, loaded two by two in one run.
    lake = await createLake({ seed: 'none' })
    for (let i = 0; i < 5; i++) await lake.putRaw(`events/e-${i}.csv`, `event_id,kind\n${i},click\n`)
    const written: string[][] = []
    const writer = { write: async (path: string) => void written[written.length - 1]!.push(path) }
    const step = async (event: unknown) => (written.push([]), siteStep({ ...lake!.deps, site: writer, assets: [], queries: { athena: true } }, (event as { runId: string }).runId))

    // Act
    const { report } = await lake.run(undefined, { site: step, settings: { batchSize: 2 } })

    // Assess
    const filePages = written.map((paths) => paths.filter((p) => p.startsWith('files/')).sort())
    expect(report.totals).toMatchObject({ loaded: 5 })
    expect(filePages.map((pages) => pages.length)).toEqual([2, 2, 1])
    expect(filePages.flat().sort()).toEqual([0, 1, 2, 3, 4].map((i) => `files/${fileId(`events/e-${i}.csv`)}.html`).sort())
  })

  it('never fails a run: a site that cannot be written leaves the loaded files committed', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    let attempts = 0
    const broken = async () => {
      attempts++
      throw Object.assign(new Error('site: disk full'), { name: 'SiteWriteError' })
    }

    // Act
    const { report, failure } = await lake.run(undefined, { site: broken })
    const rows = await lake.query('SELECT count(*) AS n FROM orders')

    // Assess
    expect(failure).toBeUndefined()
    expect(attempts).toBe(1)
    expect(report.totals).toMatchObject({ loaded: 1, failed: 0 })
    expect(rows).toEqual([{ n: 58 }])
  })
})
