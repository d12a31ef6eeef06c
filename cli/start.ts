import { cp, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorLine } from './error-line'
import { formatTable } from './format-table'
import { DEFAULT_LAKE, localLake } from './local/local-lake'
import { runLocally } from './local-run'
import { newRunId } from './local/run-workflow'
import { holdStaging, removeDeadStaging } from './local/staging-lease'
import { ProgressBoard } from './progress-board'
import { openLakeQuery } from './query/lake-query'
import { partitionFiles } from './query/partition-files'
import { formatRunSummary } from './run-summary'
import { localSiteStep, writeLocalSite } from './site/local-site'

/** `npm start`: the whole ETL on this machine, on the sample data, then one query. */
const SAMPLE_DATA = fileURLToPath(new URL('../sample-data/', import.meta.url))
const EXAMPLE_QUERY = `WITH paid AS (
  SELECT order_id, sum(amount) AS paid_eur FROM sluice.payments GROUP BY order_id
)
SELECT o.status,
       count(*)          AS orders,
       sum(o.total_eur)  AS revenue_eur,
       sum(p.paid_eur)   AS paid_eur
FROM sluice.orders o
LEFT JOIN paid p USING (order_id)
GROUP BY o.status
ORDER BY revenue_eur DESC`

async function main(): Promise<void> {
  const lake = localLake(DEFAULT_LAKE)
  const raw = join(lake.root, 'raw')
  await mkdir(raw, { recursive: true })
  if ((await readdir(raw)).length === 0) {
    await cp(SAMPLE_DATA, raw, { recursive: true })
    process.stdout.write(`Seeded ${raw} with the sample data (sample-data/).\n\n`)
  }
  process.stdout.write(`Running the workflow over ${lake.root} …\n`)
  const board = new ProgressBoard(process.stdout)
  const updateSite = localSiteStep(lake, lake.root, join(lake.root, 'curated'))
  await removeDeadStaging(lake.curated)
  const runId = newRunId()
  const staging = await holdStaging(lake.curated, runId)
  const { report, failure } = await runLocally(lake, { trigger: 'schedule' }, { board, site: updateSite, runId }).finally(async () => {
    board.stop()
    await staging.release()
  })
  process.stdout.write(`\n${formatRunSummary(report)}`)
  if (failure) process.stdout.write(`The run ended with failures: ${failure.cause}\n`)

  const query = await openLakeQuery(lake.catalog, lake.database, partitionFiles({}, join(lake.root, '.cache')))
  try {
    const result = await query.query(EXAMPLE_QUERY)
    process.stdout.write(`\n${EXAMPLE_QUERY};\n\n${formatTable(result.columns, result.rows)}`)
  } finally {
    query.close()
  }
  process.stdout.write(`
Next:
  npx sluice tables                     the tables and their row counts
  npx sluice query "SELECT * FROM orders__rejects"
  drop more CSVs into ${raw}/<dataset>/ and run again: npm start (or npx sluice run)
  npx sluice site --serve               the status site on http://127.0.0.1:8080/
`)
  const site = await writeLocalSite(lake, lake.root, join(lake.root, 'curated'))
  process.stdout.write(`\nStatus site: ${join(site.folder, 'index.html')}\n`)
  if (failure) process.exitCode = 1
}

main().catch((e: Error) => {
  process.stderr.write(`${errorLine('sluice', e)}\n`)
  process.exitCode = 1
})
