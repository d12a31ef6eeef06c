import { readFile, writeFile } from 'node:fs/promises'
import { TARGETS, type BenchRun } from './bench-types'
import { formatMarkdown } from './report'

// Raw results live in an HTML comment so the page renders cleanly while every run's numbers
// survive, and each row count's table can be rebuilt when another row count is measured.
const BLOCK = /<!-- bench-results\n([\s\S]*?)\n-->/

/**
 * Reads the runs recorded in `path`. A missing file means no runs yet; a block that is present
 * but unreadable is an error, so that a rerun never silently drops earlier results.
 */
export async function readRecordedRuns(path: string): Promise<BenchRun[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const match = BLOCK.exec(text)
  if (!match) return []
  let runs: unknown
  try {
    runs = JSON.parse(match[1])
  } catch (err) {
    throw new Error(`bench: the bench-results block in ${path} is not valid JSON`, { cause: err })
  }
  if (!Array.isArray(runs)) throw new Error(`bench: the bench-results block in ${path} is not a JSON array`)
  return runs as BenchRun[]
}

/**
 * Adds `run` to the runs recorded in `path`, replacing an earlier run with the same row count,
 * and rewrites the whole page. Returns every recorded run.
 */
export async function recordRun(path: string, run: BenchRun): Promise<BenchRun[]> {
  const file = (r: BenchRun) => r.file ?? 'orders'
  const runs = [...(await readRecordedRuns(path)).filter((r) => r.rows !== run.rows || file(r) !== file(run)), run].sort(
    (a, b) => file(b).localeCompare(file(a)) || a.rows - b.rows,
  )
  await writeFile(path, renderBenchmarksDoc(runs))
  return runs
}

/** The full text of `docs/benchmarks.md` for `runs`, smallest row count first. */
export function renderBenchmarksDoc(runs: BenchRun[]): string {
  return `# Benchmarks

\`npm run bench\` converts one generated orders CSV to Parquet with four contenders and records the
results on this page. The numbers below are rewritten by the benchmark; edit the prose in
\`bench/results-doc.ts\`.

## What is measured

- **Input**: a deterministic CSV from \`bench/generate-csv.ts\` with ten columns: integer ids,
  quoted \`"Last, First"\` names, cities that sometimes contain commas, ISO timestamps, dates,
  amounts with two decimals, quantities, booleans, statuses, and notes with quotes, commas,
  empty values and \`NULL\`. One million rows are about 104 MB.
- **Contenders** run one after another on the same file, each in its own child process so that
  its peak memory is its own, in rounds (\`--runs\`, default 3): the median time and the highest
  peak memory of the runs are reported.
  - **sluice**: \`transformCsv\` with its defaults (no contract, types inferred from a sample)
    writing parts through the local file sink. One thread. Node runs with
    \`--max-old-space-size=1024\`, as \`npm run sluice\` does and as a 1 GB Lambda would: with the
    default limit of several GB, V8 lets garbage pile up and peak RSS reflects that instead of
    what the transform holds (\`docs/transform.md\`, "Memory").
  - **sluice-prepass**: the same, with a full inference pass before the write pass instead of
    sampling: the measurement behind sluice's default (\`docs/transform.md\`).
  - **DuckDB**: \`COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)\` through
    \`@duckdb/node-api\` with default settings: its own CSV sniffer (which reads \`amount\` as
    \`DOUBLE\` and keeps literal \`NULL\` notes as text), Snappy, every core.
  - **parquetjs-lite**, the design baseline: csv-parse (\`columns: true\`) and one \`appendRow\`
    per row, with a hand-written schema. \`amount\` is \`DOUBLE\` because parquetjs-lite has no
    convenient \`DECIMAL\`, and pages are uncompressed, the library's default.
- **Seconds** is the wall time of the conversion only, without process start-up or module loading.
  **MB/s** is input CSV bytes / 10⁶ / seconds. **Parquet MB** is bytes written / 10⁶ (data parts
  only for sluice). **Peak RSS MB** is the child's \`process.resourceUsage().maxRSS\` / 1024, so it
  includes Node's own baseline.
- **Throughput vs DuckDB** is DuckDB's seconds / the contender's seconds; **size vs DuckDB** is
  the contender's Parquet bytes / DuckDB's.

## Acceptance targets for sluice

- Throughput at least **${TARGETS.minThroughputVsDuckdb}×** DuckDB's on the same file.
- Parquet output at most **${TARGETS.maxSizeVsDuckdb}×** DuckDB's.
- Peak RSS at most **${TARGETS.maxPeakRssMb} MB**.

Each results section below ends with a pass/fail table for these targets.

## Reproduce

\`\`\`sh
npm run bench                        # 1,000,000 rows, about 104 MB of CSV
npm run bench -- --rows 12000000 --runs 1     # about 1.25 GB of CSV
\`\`\`

\`--keep\` keeps the CSV and Parquet files in the temporary folder; \`--no-write\` leaves this page
alone. A run replaces the section for its row count and keeps the others.

## Results

${runs.length ? runs.map(formatMarkdown).join('\n\n') : '_No runs recorded yet._'}

<!-- bench-results
${JSON.stringify(runs, null, 2)}
-->
`
}
