import { spawn, type ChildProcess } from 'node:child_process'
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BENCH_FILES, BENCH_MEMORY_BUDGET_MB, CONTENDERS, DEFAULT_CONTENDERS, type BenchFile, type BenchRun, type ContenderEntry, type ContenderName, type ContenderResult } from './bench-types'
import { buildSluiceCommand, measureSluiceCommand } from './contenders/sluice-command'
import { generateHardCsv, generateOrdersCsv } from './generate-csv'
import { formatConsole } from './report'
import { recordRun } from './results-doc'

const USAGE = `Usage: npm run bench [-- options]

Converts generated CSV files (the orders file, and the "hard" file) to Parquet with DuckDB,
Polars and sluice, each contender in its own child process, and prints wall time, CPU time,
throughput, output size and peak memory. The sluice-command line runs \`sluice transform\` as a
user types it (built first, as npm install builds it), startup included; on Linux only.

Options:
  --rows N            data rows in each generated CSV (default 1000000: orders about 104 MB,
                      hard about 173 MB)
  --runs N            runs of each contender, in rounds; the median time and the highest peak
                      memory are reported (default 3)
  --file F            orders, hard or both (default both)
  --contenders A,B    contenders to run (default ${DEFAULT_CONTENDERS.join(',')};
                      all: ${CONTENDERS.join(',')})
  --keep              keep the CSV and Parquet files in the temporary folder
  --write             record the results in docs/benchmarks.md (by default nothing is written)
  --help              show this help`

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const DOC = join(ROOT, 'docs', 'benchmarks.md')

interface Options {
  rows: number
  runs: number
  keep: boolean
  write: boolean
  files: BenchFile[]
  contenders: ContenderName[]
}

/** Reads the command line; returns undefined after printing help. */
function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      file: { type: 'string', default: 'both' },
      contenders: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return undefined
  }
  // Underscores are allowed so that `--rows 12_000_000` reads as it is written.
  const rows = Number(values.rows.replace(/_/g, ''))
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`bench: --rows must be a positive integer, got ${values.rows}`)
  const runs = Number(values.runs)
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`bench: --runs must be a positive integer, got ${values.runs}`)
  const files = values.file === 'both' ? [...BENCH_FILES] : BENCH_FILES.filter((f) => f === values.file)
  if (files.length === 0) throw new Error(`bench: --file must be orders, hard or both, got ${values.file}`)
  const contenders = values.contenders === undefined ? [...DEFAULT_CONTENDERS] : values.contenders.split(',').map((c) => c.trim())
  const unknown = contenders.filter((c) => !CONTENDERS.some((k) => k === c))
  if (unknown.length) throw new Error(`bench: unknown contender(s) ${unknown.join(', ')}; known: ${CONTENDERS.join(', ')}`)
  // --no-write is still accepted: it is the default now.
  return { rows, runs, keep: values.keep, write: values.write && !values['no-write'], files, contenders: contenders as ContenderName[] }
}

/** A contender that exited non-zero or printed no result. */
interface Crash {
  name: ContenderName
  /** `exit code 1` or `signal SIGKILL` (the kernel's out-of-memory killer uses SIGKILL). */
  how: string
  stderr: string
}

// The contender child currently running, so that an interrupted run can stop it.
let running: ChildProcess | undefined

/**
 * Node flags per contender. sluice runs with the V8 flags that `npm run sluice` and the
 * Transform Lambda (NODE_OPTIONS, infra/functions.ts) set: a heap cap, without which V8 lets
 * garbage pile up, and a 2 MB semi-space. The engine makes few JS objects, so with V8's
 * default young generation (growing to 16 MB semi-spaces) scavenges grow rare, and the
 * buffers each row group leaves behind (read chunks, compressed pages) wait ever longer to be
 * freed: peak RSS then crept up with the file's length. Not 1 MB: buffers still being written
 * at a scavenge then get promoted and wait for a full collection (the hard file peaked at
 * 160-170 MB, against 123 MB with 2 MB).
 */
const SLUICE_FLAGS = ['--max-old-space-size=1024', '--max-semi-space-size=2']
/**
 * And the environment they set: glibc's mmap threshold fixed at its initial 128 KiB. By
 * default glibc raises it to the size of each large block freed, so megabyte buffers (read
 * chunks, row groups) come from the heap after the first one is freed, and the heap fragments:
 * another creep of peak RSS with the file's length (about 20 MB over 12 M rows).
 */
const SLUICE_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' }
const NODE_FLAGS: Partial<Record<ContenderName, string[]>> = {
  sluice: SLUICE_FLAGS,
  'sluice-1w': SLUICE_FLAGS,
  'sluice-2w': SLUICE_FLAGS,
  'sluice-v1': SLUICE_FLAGS,
  'sluice-prepass': SLUICE_FLAGS,
}

/** Runs one contender in a fresh Node process and parses the JSON line it prints. */
/**
 * Contenders run from an esbuild bundle of bench/contender.ts, built once per run, as the
 * Transform Lambda runs from its bundle: under tsx every process (and every worker thread)
 * would also carry the TypeScript loader, about 40 MB of RSS and its start-up CPU. DuckDB,
 * Polars and parquetjs-lite stay outside the bundle (native code), resolved from node_modules.
 */
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'sluice-bench', 'contender.mjs')

async function bundleContenders(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'bench', 'contender.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: BUNDLE,
    external: ['@duckdb/node-api', 'nodejs-polars', 'parquetjs-lite'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  })
}

function runContender(name: ContenderName, csv: string, out: string): Promise<ContenderResult | Crash> {
  return new Promise((resolve, reject) => {
    const args = [...(NODE_FLAGS[name] ?? []), BUNDLE, name, csv, out]
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...(NODE_FLAGS[name] ? SLUICE_ENV : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    running = child
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      running = undefined
      // The result is the last line: a library may have printed something before it.
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code === 0 && last.startsWith('{')) {
        try {
          resolve(JSON.parse(last) as ContenderResult)
          return
        } catch {
          // Fall through and report it as a crash with whatever it printed.
        }
      }
      resolve({ name, how: signal ? `signal ${signal}` : `exit code ${code}`, stderr: stderr || stdout })
    })
  })
}

/** The `sluice transform` command, measured as a whole (bench/contenders/sluice-command.ts). */
async function runCommand(csv: string, out: string): Promise<ContenderResult | Crash> {
  const outcome = await measureSluiceCommand(ROOT, csv, out)
  return 'stderr' in outcome ? { name: 'sluice-command', ...outcome } : outcome
}

const isCrash = (r: ContenderResult | Crash): r is Crash => 'stderr' in r

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2))
  if (!options) return 0
  const dir = join(tmpdir(), `sluice-bench-${process.pid}`)
  await mkdir(dir, { recursive: true })
  // Ctrl-C skips `finally`; without this a large run leaves gigabytes in the temp folder.
  process.once('SIGINT', () => {
    running?.kill()
    if (!options.keep) rmSync(dir, { recursive: true, force: true })
    process.exit(130)
  })
  try {
    await bundleContenders()
    if (options.contenders.includes('sluice-command')) await buildSluiceCommand(ROOT)
    let failed = false
    for (const file of options.files) {
      const csv = join(dir, `${file}.csv`)
      console.log(`Generating ${options.rows.toLocaleString('en-US')} rows of the ${file} file into ${csv} …`)
      const csvBytes = await (file === 'orders' ? generateOrdersCsv : generateHardCsv)(csv, options.rows)
      if (!(await benchFile(options, file, csv, csvBytes, dir))) failed = true
      if (!options.keep) await rm(csv, { force: true })
    }
    return failed ? 1 : 0
  } finally {
    if (options.keep) console.log(`Kept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}

/** Runs every contender on one file, prints (and records) the results; false when one crashed. */
async function benchFile(options: Options, file: BenchFile, csv: string, csvBytes: number, dir: string): Promise<boolean> {
  // Rounds of every contender in turn, so that a busy moment of the machine does not land on
  // one contender's runs only.
  const measured = new Map<ContenderName, ContenderResult[]>()
  const crashes: Crash[] = []
  for (let round = 1; round <= options.runs; round++) {
    for (const name of options.contenders) {
      if (crashes.some((c) => c.name === name)) continue
      // sluice may add numbered parts next to this file; the others write only this file.
      const out = join(dir, `${file}-${name}.parquet`)
      process.stdout.write(`Running ${name} on ${file}${options.runs > 1 ? ` (${round}/${options.runs})` : ''} … `)
      const outcome = name === 'sluice-command' ? await runCommand(csv, out) : await runContender(name, csv, out)
      if (isCrash(outcome)) {
        console.log(`crashed (${outcome.how})`)
        crashes.push(outcome)
      } else {
        console.log(`${outcome.seconds.toFixed(2)} s, ${outcome.cpuSeconds?.toFixed(2)} CPU-s, ${outcome.peakRssMb.toFixed(0)} MB`)
        measured.set(name, [...(measured.get(name) ?? []), outcome])
      }
      if (!options.keep) await rm(out, { force: true })
    }
  }
  const results: ContenderEntry[] = [...measured].map(([name, outcomes]) => ({ name, ...summarize(outcomes) }))
  const run: BenchRun = {
    file,
    rows: options.rows,
    runs: options.runs,
    csvBytes,
    date: new Date().toISOString().slice(0, 10),
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus().length,
      platform: `${process.platform} ${process.arch}`,
    },
    results,
  }
  console.log(`\n${formatConsole(run)}\n`)
  printRowCounts(run)
  if (results.some((r) => r.name.startsWith('sluice'))) {
    console.log(
      `sluice lines write the two lineage columns the Transform Lambda adds (_sluice_source, _sluice_run_id), counted in their size, ` +
        `and size row groups from a ${BENCH_MEMORY_BUDGET_MB} MB memory budget; sluice-command writes what \`sluice transform\` writes, without them.`,
    )
  }
  for (const crash of crashes) {
    console.error(`\n${crash.name} crashed (${crash.how}):\n${crash.stderr.trimEnd()}`)
  }
  // A contender that cannot load (Polars without its native binding) is reported, not fatal.
  const fatal = crashes.filter((c) => !(c.name === 'polars' && /Cannot find module|nodejs-polars/.test(c.stderr)))
  if (fatal.length) {
    if (options.write) console.error(`\n${DOC} not updated because a contender crashed.`)
    return false
  }
  if (options.write) {
    const runs = await recordRun(DOC, run)
    console.log(`Wrote ${DOC} (${runs.length} runs recorded).`)
  }
  return true
}

/** The median time of a contender's runs, and the highest peak memory any of them reached. */
function summarize(outcomes: ContenderResult[]): ContenderResult {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  return {
    ...outcomes[0],
    seconds: Number(median(outcomes.map((o) => o.seconds)).toFixed(3)),
    cpuSeconds: Number(median(outcomes.map((o) => o.cpuSeconds ?? NaN)).toFixed(3)),
    peakRssMb: Math.max(...outcomes.map((o) => o.peakRssMb)),
  }
}

/** Row counts as each contender reported them, so that a contender dropping rows is visible. */
function printRowCounts(run: BenchRun): void {
  const counts = run.results.map((r) => {
    const rejected = r.rowsRejected ? `, ${r.rowsRejected} rejected` : ''
    const parts = r.parts !== undefined && r.parts !== 1 ? `, ${r.parts} parts` : ''
    const short = r.rowsOut !== undefined && r.rowsOut !== run.rows ? ' (MISMATCH)' : ''
    return `${r.name} ${r.rowsOut?.toLocaleString('en-US') ?? '?'}${short}${rejected}${parts}`
  })
  console.log(`Rows written of ${run.rows.toLocaleString('en-US')}: ${counts.join(' · ')}`)
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 1
  },
)
