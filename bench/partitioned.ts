import { spawn } from 'node:child_process'
import { build } from 'esbuild'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ContenderResult } from './bench-types'
import { generateOrdersCsv } from './generate-csv'
import { PARTITIONED_CONTENDERS, type PartitionedContender } from './partitioned-contender'
import { recordSection } from './doc-section'

const USAGE = `Usage: npm run bench:partitioned [-- options]

Converts the generated orders file into a table partitioned by one column, with DuckDB's
COPY … (FORMAT parquet, PARTITION_BY (…)) and with sluice (a contract with partitionBy), each in
its own child process, in alternating rounds, and prints wall time, CPU time and peak memory,
and sluice's throughput against DuckDB's in wall time and in CPU time (DuckDB's seconds ÷
sluice's: steadier on a shared machine).
Two partition columns: city (10 values, the bench file) and ship_date (a date; the file is
generated over 180 days so that it has 180 values, under the 200 a file may have).

Options:
  --rows N     data rows of each generated file (default 1000000)
  --runs N     rounds; the median time and the highest peak memory are reported (default 3)
  --write      record the results in docs/benchmarks.md
  --help       show this help`

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const DOC = join(ROOT, 'docs', 'benchmarks.md')
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'sluice-bench', 'partitioned-contender.mjs')

/** The Node flags and environment of the sluice lines of `npm run bench` (bench/run.ts says why). */
const SLUICE_FLAGS = ['--max-old-space-size=1024', '--max-semi-space-size=2']
const SLUICE_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' }

interface Case {
  column: string
  type: string
  /** Days the file's dates span. */
  spanDays: number
  label: string
}

const CASES: Case[] = [
  { column: 'city', type: 'string', spanDays: 730, label: 'city (string, 10 values)' },
  { column: 'ship_date', type: 'date', spanDays: 180, label: 'ship_date (date, 180 values)' },
]

interface Line {
  label: string
  csvBytes: number
  results: Record<PartitionedContender, ContenderResult>
}

function runChild(name: PartitionedContender, csv: string, out: string, c: Case): Promise<ContenderResult> {
  return new Promise((resolve, reject) => {
    const sluice = name === 'sluice'
    const child = spawn(process.execPath, [...(sluice ? SLUICE_FLAGS : []), BUNDLE, name, csv, out, c.column, c.type], {
      cwd: ROOT,
      env: { ...process.env, ...(sluice ? SLUICE_ENV : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ContenderResult)
      else reject(new Error(`bench: ${name} on ${c.column} failed (${signal ?? `exit code ${code}`}):\n${stderr || stdout}`))
    })
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function measure(c: Case, rows: number, runs: number, dir: string): Promise<Line> {
  const csv = join(dir, `orders-${c.spanDays}d.csv`)
  console.log(`Generating ${rows.toLocaleString('en-US')} rows over ${c.spanDays} days into ${csv} …`)
  const csvBytes = await generateOrdersCsv(csv, rows, 42, c.spanDays)
  const outcomes = new Map<PartitionedContender, ContenderResult[]>()
  for (let round = 1; round <= runs; round++) {
    for (const name of PARTITIONED_CONTENDERS) {
      const out = join(dir, `${name}-${c.column}`)
      await rm(out, { recursive: true, force: true })
      await mkdir(out, { recursive: true })
      process.stdout.write(`${name}, partitioned by ${c.column} (${round}/${runs}) … `)
      const result = await runChild(name, csv, out, c)
      console.log(`${result.seconds.toFixed(2)} s, ${result.cpuSeconds?.toFixed(2)} CPU-s, ${result.peakRssMb} MB, ${result.parts} files, ${result.rowsOut} rows`)
      outcomes.set(name, [...(outcomes.get(name) ?? []), result])
      await rm(out, { recursive: true, force: true })
    }
  }
  await rm(csv, { force: true })
  const results = Object.fromEntries(
    [...outcomes].map(([name, rs]) => [
      name,
      { ...rs[0], seconds: median(rs.map((r) => r.seconds)), cpuSeconds: median(rs.map((r) => r.cpuSeconds ?? NaN)), peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)) },
    ]),
  ) as Line['results']
  return { label: c.label, csvBytes, results }
}

function table(lines: Line[]): string {
  const out = [
    '| partitioned by | CSV MB | DuckDB s | DuckDB CPU s | DuckDB peak RSS MB | DuckDB files | sluice s | sluice CPU s | sluice peak RSS MB | sluice files | sluice vs DuckDB | in CPU s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const { label, csvBytes, results } of lines) {
    const d = results.duckdb
    const s = results.sluice
    out.push(
      `| ${label} | ${(csvBytes / 1e6).toFixed(1)} | ${d.seconds.toFixed(2)} | ${d.cpuSeconds?.toFixed(2)} | ${d.peakRssMb} | ${d.parts} | ` +
        `${s.seconds.toFixed(2)} | ${s.cpuSeconds?.toFixed(2)} | ${s.peakRssMb} | ${s.parts} | ${(d.seconds / s.seconds).toFixed(2)}× | ${((d.cpuSeconds ?? NaN) / (s.cpuSeconds ?? NaN)).toFixed(2)}× |`,
    )
  }
  return out.join('\n')
}

/** Records `text` as this bench's section of docs/benchmarks.md. */
const record = (text: string) => recordSection(DOC, 'partitioned', 'Partitioned tables', text)

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, write: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  })
  if (values.help) return console.log(USAGE)
  const rows = Number(values.rows.replace(/_/g, ''))
  const runs = Number(values.runs)
  if (!Number.isSafeInteger(rows) || rows < 1 || !Number.isSafeInteger(runs) || runs < 1) throw new Error('bench: --rows and --runs take positive whole numbers')
  await build({
    entryPoints: [join(ROOT, 'bench', 'partitioned-contender.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: BUNDLE,
    external: ['@duckdb/node-api'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  })
  const dir = join(tmpdir(), `sluice-bench-partitioned-${process.pid}`)
  await mkdir(dir, { recursive: true })
  const lines: Line[] = []
  try {
    for (const c of CASES) lines.push(await measure(c, rows, runs, dir))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const text =
    `${table(lines)}\n\n${rows.toLocaleString('en-US')} rows, median of ${runs} alternating round(s), ${new Date().toISOString().slice(0, 10)}, ` +
    `Node ${process.version}; \`npm run bench:partitioned -- --rows ${rows} --runs ${runs}\`.`
  console.log(`\n${text}`)
  if (values.write) await record(text)
}

await main()
