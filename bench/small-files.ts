import { spawn } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { prng } from '../test/support/prng'
import { recordSection } from './doc-section'

const USAGE = `Usage: npm run bench:small [-- options]

Many small CSV files: N files of 200 rows over 10 datasets. Loads them with one \`sluice run\`
(the command as a user types it, startup included) into a new local lake, and converts the same
files with DuckDB one by one in one process (COPY … TO parquet, its startup included), side by
side, in alternating rounds. Prints the time per file of each and their ratio.

Options:
  --files N,M,…   lake sizes to measure (default 100,1000)
  --rows N        rows per file (default 200)
  --runs N        rounds per size; the median is reported (default 3)
  --write         record the results in docs/benchmarks.md
  --help          show this help`

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const DOC = join(ROOT, 'docs', 'benchmarks.md')
const DATASETS = 10

const CITIES = ['Lisbon', 'Porto', 'Berlin', 'Köln', 'São Paulo', 'Osaka', 'Nairobi', 'Montréal', 'Reykjavík', 'Austin']

/** One small file: an order log slice with ints, decimals, timestamps, booleans and text. */
function smallCsv(index: number, rows: number): string {
  const next = prng(index + 1)
  const lines = ['order_id,ordered_at,customer,city,quantity,unit_price,paid']
  const base = Date.UTC(2024, 0, 1) + index * 3_600_000
  for (let r = 0; r < rows; r++) {
    const id = index * rows + r
    const at = new Date(base + Math.floor(next() * 3_600_000)).toISOString().slice(0, 19)
    const city = CITIES[Math.floor(next() * CITIES.length)]!
    const price = (Math.floor(next() * 100_000) / 100).toFixed(2)
    lines.push(`${id},${at},customer-${Math.floor(next() * 5000)},${city.includes(' ') ? `"${city}"` : city},${1 + Math.floor(next() * 20)},${price},${next() < 0.8}`)
  }
  return `${lines.join('\n')}\n`
}

/** Runs a command; resolves with its wall time in seconds, rejects when it fails. */
function timed(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code === 0) resolve(seconds)
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))
    })
  })
}

/** DuckDB converting each file on its own, one after another, in one process. */
const DUCKDB_SCRIPT = join(ROOT, 'bench', 'duckdb-one-by-one.mjs')

interface SizeResult {
  files: number
  sluice: number
  duckdb: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function measure(files: number, rows: number, runs: number, work: string): Promise<SizeResult> {
  const raw = join(work, `raw-${files}`)
  await rm(raw, { recursive: true, force: true })
  for (let i = 0; i < files; i++) {
    const dir = join(raw, `shop_${i % DATASETS}`)
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, `orders-${String(i).padStart(6, '0')}.csv`), smallCsv(i, rows))
  }
  const sluice: number[] = []
  const duckdb: number[] = []
  for (let round = 0; round < runs; round++) {
    const lake = join(work, `lake-${files}`)
    await rm(lake, { recursive: true, force: true })
    await mkdir(join(lake, 'raw'), { recursive: true })
    await timed('cp', ['-r', `${raw}/.`, join(lake, 'raw')], work)
    sluice.push(await timed(process.execPath, [join(ROOT, 'bin', 'sluice.js'), 'run', '--lake', lake, '--json'], ROOT))
    const out = join(work, `duckdb-${files}`)
    await rm(out, { recursive: true, force: true })
    await mkdir(out, { recursive: true })
    duckdb.push(await timed(process.execPath, [DUCKDB_SCRIPT, raw, out], ROOT))
    console.log(`  ${files} files, round ${round + 1}: sluice run ${sluice.at(-1)!.toFixed(2)} s, DuckDB ${duckdb.at(-1)!.toFixed(2)} s`)
  }
  return { files, sluice: median(sluice), duckdb: median(duckdb) }
}

function table(results: SizeResult[], rows: number): string {
  const lines = [
    `| files of ${rows} rows | sluice run, s | per file, ms | DuckDB one by one, s | per file, ms | sluice vs DuckDB |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    lines.push(`| ${r.files} | ${r.sluice.toFixed(2)} | ${((r.sluice / r.files) * 1000).toFixed(1)} | ${r.duckdb.toFixed(2)} | ${((r.duckdb / r.files) * 1000).toFixed(1)} | ${(r.duckdb / r.sluice).toFixed(2)}× |`)
  }
  return lines.join('\n')
}

/** Records `text` as this bench's section of docs/benchmarks.md. */
const record = (text: string) => recordSection(DOC, 'small-files', 'Many small files', text)

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { files: { type: 'string', default: '100,1000' }, rows: { type: 'string', default: '200' }, runs: { type: 'string', default: '3' }, write: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  })
  if (values.help) return console.log(USAGE)
  const sizes = values.files.split(',').map((s) => Number(s.replace(/_/g, '')))
  const rows = Number(values.rows)
  const runs = Number(values.runs)
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1) || !(rows > 0) || !(runs > 0)) throw new Error('bench: --files, --rows and --runs take positive whole numbers')
  const work = join(tmpdir(), 'sluice-bench-small')
  await mkdir(work, { recursive: true })
  const results: SizeResult[] = []
  try {
    for (const files of sizes) results.push(await measure(files, rows, runs, work))
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  const text = `${table(results, rows)}\n\nMedian of ${runs} alternating round(s), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; \`npm run bench:small -- --files ${sizes.join(',')} --runs ${runs}\`.`
  console.log(`\n${text}`)
  if (values.write) await record(text)
}

await main()
