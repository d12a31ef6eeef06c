import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { isIcebergDataset } from '../../functions/load/iceberg-sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chartAssets, writeLocalSite } from '../../cli/site/local-site'
import { serveFolder } from '../../cli/site/serve-site'
import { fileId } from '../../functions/core/lake/lake-layout'
import { sumTotals, type FileReport } from '../../functions/core/lake/run-report'
import { renderSite } from '../../functions/core/site/render-site'
import { emptyHistory, recordRun, type RunRow } from '../../functions/core/site/run-history'
import { buildSiteModel } from '../../functions/core/site/site-model'
import { emptySummary } from '../../functions/core/site/site-summary'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

/** Debian's package; `apt-get install -y chromium` (docs/status-site.md and .ci/run do). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const SCREENSHOTS = fileURLToPath(new URL('../../test-output/site/', import.meta.url))
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  process.stderr.write(`status site browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)\n`)
}

async function htmlFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile() && e.name.endsWith('.html')).map((e) => relative(folder, join(e.parentPath, e.name))).sort()
}

/** Opens a page and gathers every console error, page error and failed request on the way. */
async function visit(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`))
  await page.goto(url, { waitUntil: 'load' })
  return { page, errors }
}

/** The part of a DOM canvas the check reads (the project's tsconfig has no DOM lib). */
interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null
}

/** Pixels of a chart's canvas that are drawn on (not transparent). */
const drawnPixels = (page: Page, selector: string) =>
  page.locator(selector).first().evaluate((element) => {
    const canvas = element as unknown as CanvasLike
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
    let n = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++
    return n
  })

/** The two sizes the site is checked at: a laptop, and a phone (a mobile viewport, as a phone's browser lays pages out). */
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const
type Viewport = (typeof VIEWPORTS)[number]

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * How far the page scrolls sideways: 0 when it fits its viewport. A mobile browser zooms out
 * to show a page wider than the screen, which widens `innerWidth`: the width is checked
 * against the screen's too.
 */
const sidewaysOverflow = async (page: Page, width: number) => {
  const [scrollWidth, innerWidth] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number]
  return Math.max(scrollWidth - innerWidth, scrollWidth - width)
}

/** axe-core's serious and critical violations on the page, as `rule: target` lines. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') })
  const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as { id: string; impact: string; nodes: { target: string[] }[] }[]
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`))
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? ''
const count = (n: unknown) => Number(n).toLocaleString('en-US')

describe.skipIf(!haveChromium)('the status site in Chromium', () => {
  let lake: E2ELake
  let folder: string
  let context: BrowserContext
  /** One browser context per viewport: the phone one lays pages out as a phone's browser does. */
  const contexts = new Map<Viewport['name'], BrowserContext>()
  let server: Server
  let base: string

  beforeAll(async () => {
    // Prepare: the sample lake, loaded twice (a changed orders file in the second run), one
    // file dropped since (pending), and its site.
    lake = await createLake()
    await lake.run()
    await lake.putRaw('orders/orders-2024-07.csv', 'order_id,customer_id,ordered_at,status,items,total_eur,note\n9001,1,2024-07-02T10:00:00Z,pending,2,19.90,\n9002,2,2024-07-02T11:00:00Z,shipped,1\n9003,3,2024-07-03T09:30:00Z,delivered,4,88.00,gift\n' + Array.from({ length: 40 }, (_, i) => `${9100 + i},${i},2024-07-04T08:00:00Z,pending,1,10.00,`).join('\n') + '\n')
    await lake.run(undefined, { startTime: new Date(START_TIME.getTime() + 86_400_000) })
    await lake.putRaw('customers/customers-late.csv', 'customer_id;full_name\n999;Late Comer\n')
    // A file that is not text: quarantined by the third run, so the index has a file to show in red.
    await lake.putRaw('payments/payments-broken.csv', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0xff, 0xfe, 0, 1, 2, 3]))
    await lake.run({ trigger: 'object', key: 'payments/payments-broken.csv' }, { startTime: new Date(START_TIME.getTime() + 2 * 86_400_000) })
    const site = await writeLocalSite(lake.deps, lake.dir, join(lake.dir, 'curated'))
    folder = site.folder
    await mkdir(SCREENSHOTS, { recursive: true })
    const { chromium } = await import('playwright-core')
    for (const v of VIEWPORTS) {
      contexts.set(v.name, await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'sluice-chromium-')), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: v.width, height: v.height },
        isMobile: v.mobile,
        hasTouch: v.mobile,
        args: LAUNCH_ARGS,
      }))
    }
    context = contexts.get('desktop')!
    server = await serveFolder(folder, 0)
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts.values()) await c.close()
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    await lake?.dispose()
  })

  it('renders every page from file:// and over HTTP with its CSP, with no console error', async () => {
    // Prepare
    const pages = await htmlFiles(folder)

    // Act
    const problems: string[] = []
    for (const path of pages) {
      for (const url of [pathToFileURL(join(folder, path)).href, new URL(path, base).href]) {
        const { page, errors } = await visit(context, url)
        if ((await text(page, 'h1')) === '') errors.push('no heading')
        problems.push(...errors.map((e) => `${url}: ${e}`))
        await page.close()
      }
    }

    // Assess
    expect(pages.length).toBeGreaterThan(10)
    expect(problems).toEqual([])
  })

  it('draws the rows and runs charts on the index', async () => {
    // Act
    const { page, errors } = await visit(context, pathToFileURL(join(folder, 'index.html')).href)
    const canvases = await page.locator('.chart canvas').count()
    const rowsPixels = await drawnPixels(page, '.chart[data-chart="rows-chart"] canvas')
    const runsPixels = await drawnPixels(page, '.chart[data-chart="runs-chart"] canvas')
    await page.screenshot({ path: join(SCREENSHOTS, 'index.png'), fullPage: true })
    await page.close()

    // Assess
    expect(errors).toEqual([])
    expect(canvases).toBe(2)
    expect(rowsPixels).toBeGreaterThan(500)
    expect(runsPixels).toBeGreaterThan(500)
  })

  it('shows on each dataset page the rows, rejected rows and pending files the lake holds', async () => {
    for (const dataset of ['customers', 'orders', 'payments']) {
      // Prepare
      const [{ n }] = await lake.query(`SELECT count(*) AS n FROM ${dataset}`)
      const [{ r }] = await lake.query(`SELECT count(*) AS r FROM ${dataset}__rejects`)

      // Act
      const { page } = await visit(context, pathToFileURL(join(folder, 'datasets', `${dataset}.html`)).href)
      const rows = await text(page, '#dataset-rows')
      const rejected = await text(page, '#dataset-rejected')
      const pending = await page.locator('dl.facts dt:text-is("files pending") + dd').textContent()
      await page.screenshot({ path: join(SCREENSHOTS, `dataset-${dataset}.png`), fullPage: true })
      await page.close()

      // Assess
      expect(rows).toBe(count(n))
      expect(rejected).toBe(count(r))
      expect(pending).toBe(dataset === 'customers' ? '1' : '0')
    }
  })

  it('shows the rejects of a dataset by code, with the line numbers the rejects table holds', async () => {
    // Prepare
    const rejects = await lake.query(`SELECT source, line, error_code FROM orders__rejects ORDER BY source, line`)

    // Act
    const { page } = await visit(context, pathToFileURL(join(folder, 'rejects', 'orders.html')).href)
    const total = await text(page, '#rejects-total')
    const lines = await page.locator('#column_count tbody tr').evaluateAll((rows) => rows.map((r) => [r.children[0]!.textContent, r.children[1]!.textContent]))
    await page.screenshot({ path: join(SCREENSHOTS, 'rejects-orders.png'), fullPage: true })
    await page.close()

    // Assess
    expect(rejects.length).toBeGreaterThan(2)
    expect(total).toBe(count(rejects.length))
    expect(lines).toEqual(rejects.filter((r) => r.error_code === 'column_count').slice(0, 5).map((r) => [r.source, String(r.line)]))
  })

  it('shows on a file page its rows, its versions and a query that returns exactly its rows', async () => {
    // Prepare
    const key = 'orders/orders-2024-07.csv'
    const { page } = await visit(context, pathToFileURL(join(folder, 'files', `${fileId(key)}.html`)).href)

    // Act
    const rows = await text(page, '#file-rows')
    const rejected = await text(page, '#file-rejected')
    const localQuery = await page.locator('pre code').nth(1).textContent()
    const athenaQuery = await page.locator('pre code').nth(0).textContent()
    const outcomes = await page.locator('table tbody tr td:nth-child(4)').allTextContents()
    await page.screenshot({ path: join(SCREENSHOTS, 'file-orders-2024-07.png'), fullPage: true })
    await page.close()
    const [{ n }] = await lake.query(`SELECT count(*) AS n FROM (${localQuery})`)

    // Assess
    expect(rows).toBe('42')
    expect(rejected).toBe('1')
    expect(n).toBe(42)
    expect(outcomes).toEqual(['loaded'])
    // A Hive table's file by its parts' path; an Iceberg table's by lineage (compaction may merge its parts).
    if (await isIcebergDataset(lake.deps, 'orders')) expect(athenaQuery).toBe(`SELECT * FROM "sluice"."orders" WHERE "_sluice_source" = '${key}'`)
    else expect(athenaQuery).toMatch(/^SELECT \* FROM "sluice"\."orders" WHERE "\$path" LIKE '%\/[0-9a-f]{20}-[0-9a-f]{12}-%'$/)
  })

  it.each(VIEWPORTS)('fits every page in $width px: the page never scrolls sideways, a wide table scrolls in its own box ($name)', async (v) => {
    // Prepare
    const pages = await htmlFiles(folder)

    // Act, and assess each page
    const overflowing: string[] = []
    for (const path of pages) {
      const { page } = await visit(contexts.get(v.name)!, pathToFileURL(join(folder, path)).href)
      const overflow = await sidewaysOverflow(page, v.width)
      if (overflow > 0) overflowing.push(`${path}: ${overflow} px too wide`)
      if (path === 'index.html' || path === 'datasets/orders.html') await page.screenshot({ path: join(SCREENSHOTS, `${v.name}-${path.replace('/', '-').replace('.html', '')}.png`), fullPage: true })
      await page.close()
    }
    expect(overflowing).toEqual([])
    const { page } = await visit(contexts.get(v.name)!, pathToFileURL(join(folder, 'index.html')).href)
    const datasets = await page.locator('.table-scroll:has(#datasets-table)').evaluate((e) => {
      const box = e as unknown as { scrollWidth: number; clientWidth: number }
      return [box.scrollWidth, box.clientWidth]
    })
    await page.close()

    // Assess
    if (v.mobile) expect(datasets[0]).toBeGreaterThan(datasets[1])
    else expect(datasets[0]).toBe(datasets[1])
  })

  it.each(VIEWPORTS)('draws both charts inside the page, each with its data as a table ($name)', async (v) => {
    // Act
    const { page, errors } = await visit(contexts.get(v.name)!, pathToFileURL(join(folder, 'index.html')).href)
    const rowsPixels = await drawnPixels(page, '.chart[data-chart="rows-chart"] canvas')
    const runsPixels = await drawnPixels(page, '.chart[data-chart="runs-chart"] canvas')
    const widths = await page.locator('.chart canvas').evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().right))
    const labels = await page.locator('.chart[role="img"]').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')))
    const tableRows = await page.locator('#rows-chart-table tbody tr').count()
    const runs = await page.locator('#runs-table tbody tr').count()
    await page.close()

    // Assess
    expect(errors).toEqual([])
    expect(rowsPixels).toBeGreaterThan(500)
    expect(runsPixels).toBeGreaterThan(500)
    expect(widths).toHaveLength(2)
    for (const right of widths) expect(right).toBeLessThanOrEqual(v.width)
    expect(labels).toEqual([expect.stringContaining('rows per dataset'), expect.stringContaining('files per run by outcome')])
    expect(tableRows).toBe(runs)
  })

  it.each(VIEWPORTS)('filters the file list of a dataset as one types ($name)', async (v) => {
    // Prepare
    const { page } = await visit(contexts.get(v.name)!, pathToFileURL(join(folder, 'datasets', 'orders.html')).href)
    const rows = page.locator('#files-table tbody tr')
    const before = await rows.count()

    // Act
    await page.getByLabel('Filter files').first().fill('2024-06')
    const shown = await page.locator('#files-table tbody tr:visible').allTextContents()
    const said = await text(page, '.filter-count')
    await page.getByLabel('Filter files').first().fill('')
    const cleared = await page.locator('#files-table tbody tr:visible').count()
    await page.close()

    // Assess
    expect(before).toBe(3)
    expect(shown).toHaveLength(1)
    expect(shown[0]).toContain('orders/orders-2024-06.csv')
    expect(said).toBe('1 of 3 shown')
    expect(cleared).toBe(3)
  })

  it.each(VIEWPORTS)('copies a file\'s query with the button beside it ($name)', async (v) => {
    // Prepare
    const context = contexts.get(v.name)!
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.replace(/\/$/, '') })
    const { page } = await visit(context, new URL(`files/${fileId('orders/orders-2024-07.csv')}.html`, base).href)
    const buttons = page.locator('button.copy')

    // Act
    const visible = await buttons.evaluateAll((bs) => bs.filter((b) => !(b as unknown as { hidden: boolean }).hidden).length)
    await buttons.nth(1).click()
    await buttons.nth(1).filter({ hasText: 'Copied' }).waitFor()
    const copied = await page.evaluate('navigator.clipboard.readText()')
    const query = await page.locator('#local-query').textContent()
    await page.close()

    // Assess
    expect(visible).toBe(2)
    expect(copied).toBe(query)
  })

  it.each(VIEWPORTS)('passes axe-core with no serious or critical violation on the index, a dataset page and a file page ($name)', async (v) => {
    for (const path of ['index.html', 'datasets/orders.html', `files/${fileId('orders/orders-2024-07.csv')}.html`]) {
      // Act
      const { page } = await visit(contexts.get(v.name)!, pathToFileURL(join(folder, path)).href)
      const problems = await accessibilityProblems(page)
      await page.close()

      // Assess
      expect(problems, path).toEqual([])
    }
  })

  it('shows on the index each dataset\'s age, flagged stale once past the threshold, and the quarantined file', async () => {
    // Act
    const now = await visit(context, pathToFileURL(join(folder, 'index.html')).href)
    const ages = await now.page.locator('#datasets-table tbody tr td:nth-child(5)').allInnerTexts()
    const quarantined = await now.page.locator('#attention-table tbody tr').allTextContents()
    const counts = await now.page.locator('#datasets-table tbody tr').evaluateAll((rows) => rows.map((r) => [r.children[0]!.textContent, r.children[6]!.textContent]))
    await now.page.close()
    const later = await context.newPage()
    await later.clock.setFixedTime(new Date(Date.now() + 40 * 3_600_000))
    await later.goto(pathToFileURL(join(folder, 'index.html')).href)
    const agesLater = await later.locator('#datasets-table tbody tr td:nth-child(5)').allInnerTexts()
    await later.close()

    // Assess
    expect(ages).toHaveLength(3)
    for (const age of ages) expect(age.trim()).toMatch(/^(just now|\d+ min ago)$/)
    for (const age of agesLater) expect(age.trim()).toMatch(/^(40|39) h ago stale$/)
    expect(quarantined).toEqual([expect.stringMatching(/^payments\/payments-broken\.csvpaymentsquarantinedBinaryInputError/)])
    expect(counts).toEqual([['customers', '0'], ['orders', '0'], ['payments', '1']])
  })


  it('keeps a 48-row dataset visible beside a 2.5 M-row one on the rows chart, whose x-axis ends at the first and the last run', async () => {
    // Prepare: a site rendered from three runs, 2,500,000 rows in one dataset and 48 in the other.
    const dir = await mkdtemp(join(tmpdir(), 'sluice-rows-chart-'))
    const files: FileReport[] = []
    let history = emptyHistory()
    for (const [i, at] of ['2024-07-01T06:00:00.000Z', '2024-07-02T06:00:00.000Z', '2024-07-03T06:00:00.000Z'].entries()) {
      const row: RunRow = { runId: `r${i}`, trigger: 'schedule', startedAt: at, updatedAt: at, status: 'succeeded', totals: sumTotals(files, 0), rows: { big: 2_500_000 + i, small: 48 } }
      history = recordRun(history, row)
    }
    const model = buildSiteModel({ generatedAt: '2024-07-03T07:00:00Z', database: 'sluice', tables: [], summaries: [emptySummary('big'), emptySummary('small')], files: [], history, queries: { athena: true } })
    for (const page of [...renderSite(model), ...(await chartAssets())]) {
      await mkdir(dirname(join(dir, page.path)), { recursive: true })
      await writeFile(join(dir, page.path), page.content)
    }

    // Act: where the small dataset's line (the second colour) is drawn within the plot area, in canvas pixels.
    const { page, errors } = await visit(context, pathToFileURL(join(dir, 'index.html')).href)
    const drawn = (await page.evaluate(`(() => {
      const chart = document.querySelector('.chart[data-chart="rows-chart"]');
      const canvas = chart.querySelector('canvas'), over = chart.querySelector('.u-over');
      const c = canvas.getBoundingClientRect(), o = over.getBoundingClientRect(), k = canvas.width / c.width;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let minX = Infinity, maxX = -Infinity, sumY = 0, n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - 31) > 24 || Math.abs(data[i + 1] - 122) > 24 || Math.abs(data[i + 2] - 58) > 24 || data[i + 3] < 200) continue;
        const x = (i / 4) % canvas.width, y = Math.floor(i / 4 / canvas.width);
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); sumY += y; n++;
      }
      return { n, minX, maxX, meanY: sumY / n, left: (o.left - c.left) * k, right: (o.right - c.left) * k, top: (o.top - c.top) * k, bottom: (o.bottom - c.top) * k, k };
    })()`)) as { n: number; minX: number; maxX: number; meanY: number; left: number; right: number; top: number; bottom: number; k: number }
    await page.screenshot({ path: join(SCREENSHOTS, 'rows-chart-log.png') })
    await page.close()
    await rm(dir, { recursive: true, force: true })

    // Assess: well off the x-axis (on a linear scale 48 of 2.5 M lies on it), from the plot's left edge to its right.
    expect(errors).toEqual([])
    expect(drawn.n).toBeGreaterThan(100)
    expect((drawn.bottom - drawn.meanY) / (drawn.bottom - drawn.top)).toBeGreaterThan(0.05)
    expect(Math.abs(drawn.minX - drawn.left)).toBeLessThanOrEqual(6 * drawn.k)
    expect(Math.abs(drawn.maxX - drawn.right)).toBeLessThanOrEqual(6 * drawn.k)
  })

})

afterAll(async () => {
  if (!haveChromium) await rm(SCREENSHOTS, { recursive: true, force: true })
})
