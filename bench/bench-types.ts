/**
 * Contenders timed by `npm run bench`, in the order they run. DuckDB goes first: it is the
 * yardstick. `sluice` is the default configuration (worker count chosen from the file size);
 * `sluice-command` is the `sluice transform` command a user types, startup included;
 * `sluice-1w` and `sluice-2w` fix the worker count; `sluice-v1` is the previous engine
 * (csv-parse, string coercion, hyparquet-writer), kept as the reference.
 */
export const CONTENDERS = ['duckdb', 'polars', 'sluice', 'sluice-command', 'sluice-1w', 'sluice-2w', 'sluice-v1', 'sluice-prepass', 'parquetjs-lite'] as const

/** Contenders run when `--contenders` is not given: the slow design baselines are left out. */
export const DEFAULT_CONTENDERS: readonly ContenderName[] = ['duckdb', 'polars', 'sluice', 'sluice-command', 'sluice-1w', 'sluice-2w', 'sluice-v1']

/** The generated input files: `orders` (the bench file) and `hard`. */
export const BENCH_FILES = ['orders', 'hard'] as const
export type BenchFile = (typeof BENCH_FILES)[number]

/** Name of one contender, also the first argument of `bench/contender.ts`. */
export type ContenderName = (typeof CONTENDERS)[number]

/** What a contender's conversion reports, before the child adds time and memory. */
export interface ConversionOutput {
  /** Parquet bytes written (data parts only for sluice). */
  parquetBytes: number
  rowsOut?: number
  rowsRejected?: number
  /** Number of Parquet files written, when a contender may write more than one. */
  parts?: number
}

/** The one JSON line a contender child process prints on success. */
export interface ContenderResult extends ConversionOutput {
  /**
   * Wall time of the conversion only: process start-up and module loading are excluded;
   * for `sluice-command`, of the whole command, start-up included.
   */
  seconds: number
  /** CPU seconds (user + system, every thread) over the same span: steadier than wall time on a shared machine. */
  cpuSeconds?: number
  /**
   * `process.resourceUsage().maxRSS` at the end of the child, in MiB; for `sluice-command`,
   * the highest RSS of its whole process tree.
   */
  peakRssMb: number
}

/** One contender's entry in a recorded run. */
export interface ContenderEntry extends ContenderResult {
  name: ContenderName
}

/** The machine a run was measured on. */
export interface Machine {
  node: string
  cpu: string
  cores: number
  platform: string
}

/** Everything recorded for one `--rows` value; `docs/benchmarks.md` keeps one per row count. */
export interface BenchRun {
  /** Which generated file; absent in runs recorded before there were two (`orders`). */
  file?: BenchFile
  rows: number
  /** Runs of each contender: the median time and the highest peak memory are kept (1 if absent). */
  runs?: number
  csvBytes: number
  /** ISO date (YYYY-MM-DD) of the run. */
  date: string
  machine: Machine
  results: ContenderEntry[]
}

/** Acceptance targets for sluice (issue 9), each relative to DuckDB on the same file except memory. */
export const TARGETS = {
  /** sluice (default configuration) MB/s divided by DuckDB MB/s, on the orders file. */
  minThroughputVsDuckdb: 0.5,
  /** The same with one worker. */
  minThroughputOneWorker: 0.4,
  /** sluice on the hard file. */
  minThroughputHard: 0.3,
  /** sluice Parquet bytes divided by DuckDB Parquet bytes, on both files. */
  maxSizeVsDuckdb: 1.0,
  /** sluice-1w peak RSS must stay at or under this many MiB. */
  maxPeakRssMb: 128,
  /** `sluice transform` as typed, startup included, against DuckDB, on the orders file (issue 20). */
  minCommandVsDuckdb: 0.5,
  /** Peak RSS of that command's whole process tree, in MiB (issue 20). */
  maxCommandPeakRssMb: 160,
} as const

/** The memory budget the sluice lines run with: the acceptance's cap on peak RSS. */
export const BENCH_MEMORY_BUDGET_MB = 128
