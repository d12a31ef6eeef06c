/** Contenders timed by `npm run bench`, in the order they run. DuckDB goes first: it is the yardstick. */
export const CONTENDERS = ['duckdb', 'sluice', 'sluice-prepass', 'parquetjs-lite'] as const

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
  /** Wall time of the conversion only: process start-up and module loading are excluded. */
  seconds: number
  /** `process.resourceUsage().maxRSS` at the end of the child, in MiB. */
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
  rows: number
  /** Runs of each contender: the median time and the highest peak memory are kept (1 if absent). */
  runs?: number
  csvBytes: number
  /** ISO date (YYYY-MM-DD) of the run. */
  date: string
  machine: Machine
  results: ContenderEntry[]
}

/** Acceptance targets for sluice, each relative to DuckDB on the same file except memory. */
export const TARGETS = {
  /** sluice MB/s divided by DuckDB MB/s must be at least this. */
  minThroughputVsDuckdb: 0.06,
  /** sluice Parquet bytes divided by DuckDB Parquet bytes must be at most this. */
  maxSizeVsDuckdb: 1.25,
  /** sluice peak RSS must stay at or under this many MiB. */
  maxPeakRssMb: 256,
} as const
