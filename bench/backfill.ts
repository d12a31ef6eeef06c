import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { localLake } from '../cli/local/local-lake'
import { runLocally } from '../cli/local-run'

const USAGE = `Usage: npm run bench:backfill -- [--files N] [--concurrency N]

Runs the workflow locally (statemachine/etl.asl.json through the local interpreter, with its
Distributed Map, payload and history limits) over a new temporary lake of N small CSV files
(default 5000), and prints the wall time and the run report's totals. Fails unless every file
is loaded in one execution.`

/** A backfill of many small files in one local execution: the Distributed Map's fan-out and the loop's batches. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { files: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '8' }, help: { type: 'boolean' } } })
  if (values.help) return void console.log(USAGE)
  const files = Number(values.files)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-backfill-'))
  try {
    const deps = localLake(dir)
    for (let i = 0; i < files; i += 1) {
      const upload = await deps.raw.upload(`sales/day-${String(i).padStart(6, '0')}.csv`)
      await upload.write(new TextEncoder().encode(`sale_id,store,amount\n${i},s${i % 13},${i % 100}.25\n${i + 1_000_000},s${i % 7},1.50\n`))
      await upload.close()
    }
    const started = performance.now()
    const { report, failure } = await runLocally(deps, { trigger: 'schedule', maxConcurrency: Number(values.concurrency) }, {})
    const seconds = (performance.now() - started) / 1000
    console.log(`${files} files in ${seconds.toFixed(1)} s (${(files / seconds).toFixed(0)} files/s): ${JSON.stringify(report.totals)}${failure ? `, failed: ${failure.error}: ${failure.cause}` : ''}`)
    if (failure || report.totals.loaded !== files || report.successor) process.exitCode = 1
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
