import { CONTENDERS, type ContenderName, type ContenderResult, type ConversionOutput } from './bench-types'

type Convert = (csv: string, out: string) => Promise<ConversionOutput>

// Loaded on demand so that one contender's missing or broken module only fails that contender.
const loaders: Record<ContenderName, () => Promise<Convert>> = {
  duckdb: async () => (await import('./contenders/duckdb')).convertWithDuckdb,
  sluice: async () => (await import('./contenders/sluice')).convertWithSluice,
  'sluice-prepass': async () => (await import('./contenders/sluice')).convertWithSluicePrepass,
  'parquetjs-lite': async () => (await import('./contenders/parquetjs-lite')).convertWithParquetjsLite,
}

const round = (x: number, digits: number) => Number(x.toFixed(digits))

const isContender = (s: string | undefined): s is ContenderName => CONTENDERS.some((c) => c === s)

/**
 * Child-process entry: `node --import tsx bench/contender.ts <name> <csv> <out>`.
 * Prints one JSON line ({@link ContenderResult}). Running each contender in its own process
 * makes maxRSS that contender's peak, not the harness's or another contender's.
 */
async function main(): Promise<void> {
  const [name, csv, out] = process.argv.slice(2)
  if (!isContender(name) || !csv || !out) {
    throw new Error(`bench: usage: contender.ts <${CONTENDERS.join('|')}> <csv> <out>`)
  }
  // Module loading happens before the clock starts: it is start-up, not conversion.
  const convert = await loaders[name]()
  const started = performance.now()
  const output = await convert(csv, out)
  const seconds = (performance.now() - started) / 1000
  const peakRssMb = process.resourceUsage().maxRSS / 1024
  // Rounded so the JSON kept in docs/benchmarks.md carries no false precision.
  const result: ContenderResult = { ...output, seconds: round(seconds, 3), peakRssMb: round(peakRssMb, 1) }
  // Exit explicitly once the line is flushed: native handles (DuckDB) must not keep the child alive.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err)
  process.exit(1)
})
