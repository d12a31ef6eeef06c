import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeLocalSite } from '../../cli/site/local-site'
import { serveFolder } from '../../cli/site/serve-site'
import { fileId } from '../../functions/core/lake/lake-layout'
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

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? ''
const count = (n: unknown) => Number(n).toLocaleString('en-US')

describe.skipIf(!haveChromium)('the status site in Chromium', () => {
  let lake: E2ELake
  let folder: string
  let context: BrowserContext
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
    const site = await writeLocalSite(lake.deps, lake.dir, join(lake.dir, 'curated'))
    folder = site.folder
    await mkdir(SCREENSHOTS, { recursive: true })
    const { chromium } = await import('playwright-core')
    context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'sluice-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    server = await serveFolder(folder, 0)
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`
  }, 180_000)

  afterAll(async () => {
    await context?.close()
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
    expect(athenaQuery).toMatch(/^SELECT \* FROM "sluice"\."orders" WHERE "\$path" LIKE '%\/[0-9a-f]{20}-[0-9a-f]{12}-%'$/)
  })
})

afterAll(async () => {
  if (!haveChromium) await rm(SCREENSHOTS, { recursive: true, force: true })
})
