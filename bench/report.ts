import { TARGETS, type BenchRun, type ContenderName } from './bench-types'

/** One contender's line in the results table, with values derived from the raw measurements. */
export interface ReportRow {
  name: ContenderName
  seconds: number
  cpuSeconds?: number
  mbPerSecond: number
  parquetMb: number
  peakRssMb: number
  /** DuckDB seconds / this contender's seconds, i.e. the MB/s ratio; undefined without DuckDB. */
  throughputVsDuckdb?: number
  /** This contender's Parquet bytes / DuckDB's; undefined without DuckDB. */
  sizeVsDuckdb?: number
}

/** One acceptance target checked against sluice's measurement. */
export interface TargetCheck {
  check: string
  target: string
  measured: string
  pass: boolean
}

// MB means 1e6 bytes for file sizes and throughput, as disk and network speeds are quoted.
const MB = 1e6

/** Derives throughput and the ratios against DuckDB for every contender in `run`. */
export function reportRows(run: BenchRun): ReportRow[] {
  const duckdb = run.results.find((r) => r.name === 'duckdb')
  return run.results.map((r) => ({
    name: r.name,
    seconds: r.seconds,
    cpuSeconds: r.cpuSeconds,
    mbPerSecond: run.csvBytes / MB / r.seconds,
    parquetMb: r.parquetBytes / MB,
    peakRssMb: r.peakRssMb,
    throughputVsDuckdb: duckdb ? duckdb.seconds / r.seconds : undefined,
    sizeVsDuckdb: duckdb ? r.parquetBytes / duckdb.parquetBytes : undefined,
  }))
}

/**
 * Checks sluice against {@link TARGETS}. The ratios need DuckDB in the run, and each check its
 * sluice line; a check whose line is missing is left out.
 */
export function sluiceChecks(run: BenchRun): TargetCheck[] {
  const rows = reportRows(run)
  const sluice = rows.find((r) => r.name === 'sluice')
  const command = rows.find((r) => r.name === 'sluice-command')
  const one = rows.find((r) => r.name === 'sluice-1w')
  const hard = run.file === 'hard'
  const checks: TargetCheck[] = []
  const min = (check: string, target: number, x: number | undefined) =>
    x !== undefined && checks.push({ check, target: `≥ ${target}×`, measured: `${x.toFixed(3)}×`, pass: x >= target })
  if (hard) min('Throughput vs DuckDB (hard file)', TARGETS.minThroughputHard, sluice?.throughputVsDuckdb)
  else {
    min('Throughput vs DuckDB', TARGETS.minThroughputVsDuckdb, sluice?.throughputVsDuckdb)
    min('Throughput vs DuckDB, 1 worker', TARGETS.minThroughputOneWorker, one?.throughputVsDuckdb)
    min('sluice transform vs DuckDB, startup included', TARGETS.minCommandVsDuckdb, command?.throughputVsDuckdb)
  }
  if (sluice?.sizeVsDuckdb !== undefined) {
    checks.push({
      check: 'Parquet size vs DuckDB',
      target: `≤ ${TARGETS.maxSizeVsDuckdb.toFixed(2)}×`,
      measured: `${sluice.sizeVsDuckdb.toFixed(3)}×`,
      pass: sluice.sizeVsDuckdb <= TARGETS.maxSizeVsDuckdb,
    })
  }
  // The memory target is the orders file's (issue 9): long unique strings hold more per row group.
  if (one && !hard) {
    checks.push({ check: 'Peak RSS, 1 worker', target: `≤ ${TARGETS.maxPeakRssMb} MB`, measured: `${one.peakRssMb.toFixed(0)} MB`, pass: one.peakRssMb <= TARGETS.maxPeakRssMb })
  }
  if (command && !hard) {
    const peak = command.peakRssMb
    checks.push({ check: 'Peak RSS, sluice transform', target: `≤ ${TARGETS.maxCommandPeakRssMb} MB`, measured: `${peak.toFixed(0)} MB`, pass: peak <= TARGETS.maxCommandPeakRssMb })
  }
  return checks
}

const RESULT_HEADER = ['Contender', 'Seconds', 'CPU s', 'MB/s', 'Parquet MB', 'Peak RSS MB', 'Throughput vs DuckDB', 'Size vs DuckDB']
const CHECK_HEADER = ['sluice check', 'Target', 'Measured', 'Result']

const ratio = (x: number | undefined, digits: number) => (x === undefined ? 'n/a' : `${x.toFixed(digits)}×`)

function resultCells(run: BenchRun): string[][] {
  return reportRows(run).map((r) => [
    r.name,
    r.seconds.toFixed(2),
    r.cpuSeconds === undefined || Number.isNaN(r.cpuSeconds) ? 'n/a' : r.cpuSeconds.toFixed(2),
    r.mbPerSecond.toFixed(1),
    // Small test runs produce sub-megabyte files; two decimals keep them distinguishable.
    r.parquetMb.toFixed(r.parquetMb < 10 ? 2 : 1),
    r.peakRssMb.toFixed(0),
    ratio(r.throughputVsDuckdb, 3),
    ratio(r.sizeVsDuckdb, 2),
  ])
}

const checkCells = (run: BenchRun) =>
  sluiceChecks(run).map((c) => [c.check, c.target, c.measured, c.pass ? 'pass' : 'FAIL'])

/** `1,000,000 rows, 104.3 MB CSV` */
export function runTitle(run: BenchRun): string {
  const runs = run.runs && run.runs > 1 ? `, median of ${run.runs} runs` : ''
  return `${run.file ?? 'orders'} file, ${run.rows.toLocaleString('en-US')} rows, ${(run.csvBytes / MB).toFixed(1)} MB CSV${runs}`
}

/** `Node v20.20.2 · <cpu model> · 2 cores · linux x64` */
export function machineLine(run: BenchRun): string {
  const m = run.machine
  return `Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.platform}`
}

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  // First column is a name (left-aligned); the others are numbers or short verdicts (right-aligned).
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'))
  return [line(header), line(align), ...rows.map(line)].join('\n')
}

/** The run as plain-text tables for the terminal. */
export function formatConsole(run: BenchRun): string {
  const checks = checkCells(run)
  return [
    `${runTitle(run)} · ${machineLine(run)}`,
    '',
    textTable(RESULT_HEADER, resultCells(run)),
    ...(checks.length ? ['', textTable(CHECK_HEADER, checks)] : ['', 'sluice targets not checked: sluice or DuckDB has no result.']),
  ].join('\n')
}

/** The run as a Markdown section for `docs/benchmarks.md`. */
export function formatMarkdown(run: BenchRun): string {
  const checks = checkCells(run)
  return [
    `### ${runTitle(run)}`,
    '',
    `Measured ${run.date} on ${machineLine(run)}.`,
    '',
    markdownTable(RESULT_HEADER, resultCells(run)),
    '',
    checks.length ? markdownTable(CHECK_HEADER, checks) : '_sluice targets not checked: sluice or DuckDB has no result._',
  ].join('\n')
}
