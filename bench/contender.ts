import { isMainThread } from 'node:worker_threads'
// Imported here, not only by the sluice contender (loaded on demand): in the bundle its top-level
// code must run at start-up, so that a worker thread started on the bundle serves its range.
import '../functions/adapters/range-workers'
import { type ContenderName, type ContenderResult, type ConversionOutput } from './bench-types'

type Convert = (csv: string, out: string) => Promise<ConversionOutput>

/** The contenders that convert inside this process; `sluice-command` is a command run.ts starts itself. */
type InProcessContender = Exclude<ContenderName, 'sluice-command'>

// Loaded on demand so that one contender's missing or broken module only fails that contender.
const loaders: Record<InProcessContender, () => Promise<Convert>> = {
  duckdb: async () => (await import('./contenders/duckdb')).convertWithDuckdb,
  polars: async () => (await import('./contenders/polars')).convertWithPolars,
  sluice: async () => (await import('./contenders/sluice')).sluiceContender(),
  'sluice-1w': async () => (await import('./contenders/sluice')).sluiceContender({ workers: 1 }),
  'sluice-2w': async () => (await import('./contenders/sluice')).sluiceContender({ workers: 2 }),
  'sluice-v1': async () => (await import('./contenders/sluice')).convertWithSluiceV1,
  'sluice-prepass': async () => (await import('./contenders/sluice')).sluiceContender({ inference: 'prepass' }),
  'parquetjs-lite': async () => (await import('./contenders/parquetjs-lite')).convertWithParquetjsLite,
}

const round = (x: number, digits: number) => Number(x.toFixed(digits))

const isContender = (s: string | undefined): s is InProcessContender => s !== undefined && Object.hasOwn(loaders, s)

/**
 * Child-process entry: `node <bundle of bench/contender.ts> <name> <csv> <out>` (see run.ts).
 * Prints one JSON line ({@link ContenderResult}). Running each contender in its own process
 * makes maxRSS that contender's peak, not the harness's or another contender's.
 */
async function main(): Promise<void> {
  const [name, csv, out] = process.argv.slice(2)
  if (!isContender(name) || !csv || !out) {
    throw new Error(`bench: usage: contender.ts <${Object.keys(loaders).join('|')}> <csv> <out>`)
  }
  // Module loading happens before the clock starts: it is start-up, not conversion.
  const convert = await loaders[name]()
  const started = performance.now()
  const cpu = process.cpuUsage()
  const output = await convert(csv, out)
  const seconds = (performance.now() - started) / 1000
  // Every thread of the process: worker threads and DuckDB's and Polars' own threads count.
  const used = process.cpuUsage(cpu)
  const cpuSeconds = (used.user + used.system) / 1e6
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  // Rounded so the JSON kept in docs/benchmarks.md carries no false precision.
  const result: ContenderResult = { ...output, seconds: round(seconds, 3), cpuSeconds: round(cpuSeconds, 3), peakRssMb: round(peakRssMb, 1) }
  // Exit explicitly once the line is flushed: native handles (DuckDB) must not keep the child alive.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
}

// A worker thread of the sluice engine loads this same file (inside the bundle): it must not
// run a conversion of its own.
if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err)
    process.exit(1)
  })
}
