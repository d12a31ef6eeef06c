import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import type { ByteSource } from '../../functions/core/csv/byte-stream'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'
import { prng } from '../support/prng'

/**
 * Differential fuzzing: seeded random CSV files through the byte engine and through the
 * reference engine (csv-parse, string coercion, hyparquet-writer). Both must agree on the
 * rows (read back by DuckDB and hyparquet), the rejects (lines, codes, records, messages),
 * the types and the counts, or fail alike.
 */

const FILES = 240

type Rnd = () => number
const pick = <T,>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]

/** Values at or near each type's edges, and text that only looks like one. */
const VALUES: Record<string, readonly string[]> = {
  int: ['0', '-0', '+7', '+1', '42', '-17', '9007199254740991', '9007199254740993', '999999999999999', '1000000000000000', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', ' 12 ', '1e3', '2147483648', '--', '+318855443322'],
  decimal: ['12.50', '0.5', '-0.05', '3.1', '100', '.5', '.097', '-.5', '5.', '1.005', '7.125', '1.00', '12345678901234.56', '1234567890123456.78', '0.000000000000000001', '99999999999999999999.5', ' 2.25', '+1.0', '--', '1.5e3'],
  double: ['1.5e3', '-2E-7', 'NaN', 'inf', '-Infinity', '1e308', '3.0e0', '.5e1', '+1e5', '123456789012345678', '1.5'],
  ids: ['702608123456789012', '7.02608E+17', '-702608123456789012', '1e18', '123456789012345'],
  bool: ['true', 'false', 'TRUE', 'False', ' true ', 'yes'],
  date: ['2024-02-29', '2023-02-29', '1970-01-01', '0001-01-01', '9999-12-31', '2024-13-01', '2024-1-5'],
  timestamp: ['2024-01-01T10:00:00Z', '2024-01-01 10:00:00Z', '2024-01-01T10:00:00.123+02:00', '2024-01-01T10:00:00.1234567Z', '2024-01-01', '2024-06-30T23:59:59-05:30', '1969-12-31T23:59:59.999999Z', '2024-01-01T24:00:00Z'],
  string: ['plain', 'São Paulo', 'Zürich', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'crlf\r\ninside', '  padded  ', '日本語', '🙂', ''],
  nulls: ['', 'NULL', 'null', 'NA', 'N/A', '\\N', ' NULL '],
  euro: ['1.234,56', '12,5', '-0,99', '1.234', '12.5', ',5', '1.2.3', '1234.567,8', '1,5e3', '007,5', '+1,5', '1.234.567,00'],
  slash: ['3/8/20 5:19', '22/1/2020', '1/22/2020', '2/30/2020', '13/13/2020', '1/22/2020 24:00', '12/31/99', '1/1/2020 5:19:07.123456', '2020-01-31T08:15:53', '31.01.2024', '1.2.2024 5:19', '31.13.2024'],
}
const KINDS = ['int', 'decimal', 'double', 'bool', 'date', 'timestamp', 'string', 'ids', 'euro', 'slash', 'mixed'] as const

function cell(rnd: Rnd, kind: (typeof KINDS)[number], row: number): string {
  const r = rnd()
  if (r < 0.08) return pick(rnd, VALUES.nulls)
  if (kind === 'mixed') return pick(rnd, VALUES[pick(rnd, Object.keys(VALUES))])
  // Mostly plain values, so that columns keep their type; edge values now and then.
  if (r < 0.75) {
    switch (kind) {
      case 'int':
        return String(Math.floor(rnd() * 2000) - 1000)
      case 'decimal':
        return `${Math.floor(rnd() * 1000)}.${String(Math.floor(rnd() * 100)).padStart(2, '0')}`
      case 'double':
        return `${(rnd() * 10).toFixed(3)}e${Math.floor(rnd() * 10)}`
      case 'bool':
        return rnd() < 0.5 ? 'true' : 'false'
      case 'date':
        return `20${10 + (row % 15)}-0${1 + (row % 9)}-1${row % 10}`
      case 'timestamp':
        return `20${10 + (row % 15)}-0${1 + (row % 9)}-1${row % 10}T1${row % 10}:0${row % 10}:00Z`
      case 'string':
        return `s${Math.floor(rnd() * 50)}`
      case 'ids':
        return String(702608000000000000 + Math.floor(rnd() * 1e9))
      case 'euro':
        return `${Math.floor(rnd() * 20)}.${String(Math.floor(rnd() * 1000)).padStart(3, '0')},${String(Math.floor(rnd() * 100)).padStart(2, '0')}`
      case 'slash':
        return row % 3 === 0 ? `1/${13 + (row % 15)}/2020 17:00` : row % 3 === 1 ? `3/${1 + (row % 12)}/20 5:19` : `2020-02-1${row % 10}T08:15:53`
    }
  }
  return pick(rnd, VALUES[kind])
}

/** Dialect features a file may be written with, one per file. */
const FEATURES = ['plain', 'plain', 'plain', 'plain', 'bareQuotes', 'preamble', 'trailing', 'backslash', 'spaces', 'headerless', 'quoteNull'] as const
type Feature = (typeof FEATURES)[number]

/** Quotes a field as a CSV writer would (in the file's dialect), or sometimes not, or badly. */
function encodeField(rnd: Rnd, value: string, delimiter: string, feature: Feature): string {
  if (feature === 'bareQuotes' || feature === 'quoteNull') {
    // A dump without quoting: no value holds the delimiter or a line break; quotes are text.
    const plain = value.replace(/[\r\n]/g, ' ').replaceAll(delimiter, ' ')
    return rnd() < 0.1 ? `"${plain}` : rnd() < 0.05 ? `"${plain}"!` : plain
  }
  const needs = value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')
  const r = rnd()
  if (r < 0.01) return `"${value}"x` // text after a closing quote
  if (r < 0.02 && feature !== 'backslash') return `${value}"stray` // a quote inside an unquoted field
  if (feature === 'backslash' && (needs || r < 0.2)) return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
  if (feature === 'spaces' && (needs || r < 0.3)) return `${pick(rnd, ['', ' ', '  '])}"${value.replaceAll('"', '""')}"${pick(rnd, ['', ' '])}`
  if (needs || r < 0.1) return `"${value.replaceAll('"', '""')}"`
  return value
}

interface FuzzFile {
  bytes: Buffer
  options: Partial<TransformOptions>
  description: string
}

export function fuzzFile(seed: number): FuzzFile {
  const rnd = prng(seed)
  const delimiter = pick(rnd, [',', ',', ',', ';', '\t', '|'])
  const eol = pick(rnd, ['\n', '\n', '\n', '\r\n', '\r\n', '\r', 'mixed'])
  const width = 1 + Math.floor(rnd() * 6)
  const kinds = Array.from({ length: width }, () => pick(rnd, KINDS))
  const rows = Math.floor(rnd() * 80)
  const feature = pick(rnd, FEATURES)
  const lines: string[] = feature === 'headerless' ? [] : [kinds.map((k, j) => `${k} ${j}`).join(delimiter)]
  if (feature === 'preamble') lines.unshift(...pick(rnd, [['Exported from ERP on 2024-01-01'], ['Report', ''], ['# generated', '# by a tool', '']]))
  for (let i = 0; i < rows; i++) {
    const r = rnd()
    if (r < 0.03) {
      lines.push('')
      continue
    }
    let n = width
    if (r < 0.07) n = Math.max(1, width + pick(rnd, [-1, 1, 2]))
    const fields = Array.from({ length: n }, (_, j) => encodeField(rnd, cell(rnd, kinds[j % width], i), delimiter, feature))
    lines.push(fields.join(delimiter) + (feature === 'trailing' ? delimiter : ''))
  }
  let text = ''
  for (const line of lines) text += line + (eol === 'mixed' ? pick(rnd, ['\n', '\r\n', '\r']) : eol)
  if (rnd() < 0.3) text = text.replace(/(\r\n|\n|\r)$/, '')
  if (rnd() < 0.03 && feature !== 'bareQuotes' && feature !== 'quoteNull') text += `${delimiter}"never closed\n1,2`
  let bytes = Buffer.from(text, 'utf8')
  if (rnd() < 0.1) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])
  if (rnd() < 0.08 && bytes.length > 20) {
    const at = 10 + Math.floor(rnd() * (bytes.length - 10))
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([pick(rnd, [0xff, 0xc3, 0x80, 0xed])]), bytes.subarray(at)])
  }
  const options: Partial<TransformOptions> = { rejectThreshold: 1 }
  // Every fourth seed declares the columns' types in a contract, so declared types'
  // coercion rules (type_mismatch rejects) are compared too.
  if (seed % 4 === 1) {
    const declared: Record<(typeof KINDS)[number], string> = {
      int: seed % 8 === 1 ? 'int' : 'bigint', decimal: 'decimal(18,2)', double: 'double', bool: 'boolean', date: 'date', timestamp: 'timestamp', string: 'string', ids: 'bigint', mixed: 'string',
      euro: 'decimal(18,2)', slash: 'timestamp',
    }
    const reading: Partial<Record<(typeof KINDS)[number], object>> = {
      euro: { decimalSeparator: ',', thousandsSeparator: '.' },
      slash: { formats: ['M/D/YY H:mm', 'M/D/YYYY H:mm', 'YYYY-MM-DDTHH:mm:ss'] },
    }
    options.contract = parseContract({
      columns: kinds.map((k, j) => ({ name: `${k}_${j}`, type: declared[k], ...reading[k] })),
      delimiter,
      ...(feature === 'headerless' ? { header: false } : {}),
      ...(feature === 'quoteNull' ? { quote: null } : {}),
    })
  } else if (feature === 'quoteNull') {
    options.contract = parseContract({ columns: [], delimiter, quote: null })
  }
  // Some seeds load into a table that already has the columns: a contract column is written
  // as the table's type (or their widening), an inferred one keeps the values that fit the
  // table's type or a widening of it and sends the others to its `__string` variant.
  if (seed % 4 === 1 ? seed % 8 === 5 : seed % 3 === 2) {
    const table: Record<(typeof KINDS)[number], readonly string[]> = {
      int: ['bigint', 'int', 'decimal(18,2)'], decimal: ['decimal(18,2)', 'decimal(12,2)', 'decimal(18,4)', 'bigint'], double: ['double'], bool: ['boolean'],
      date: ['date', 'timestamp'], timestamp: ['timestamp'], string: ['string'], ids: ['bigint', 'double'], mixed: ['bigint', 'string', 'date'],
      euro: ['decimal(18,2)', 'string'], slash: ['timestamp', 'date'],
    }
    options.tableColumns = kinds.map((k, j) => ({ name: `${k}_${j}`, type: pick(rnd, table[k]) }))
  }
  if (rnd() < 0.3) options.sampleRows = 1 + Math.floor(rnd() * 10)
  if (rnd() < 0.3) options.rowGroupBytes = 64 + Math.floor(rnd() * 512)
  return { bytes, options, description: `${width} columns (${kinds.join(', ')}), ${rows} rows, ${JSON.stringify(delimiter)}, ${JSON.stringify(eol)}, ${feature}` }
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'))
})
afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

type Outcome = { error: string } | { stats: TransformStats; rows: unknown; columns: unknown; rejects: unknown }

/**
 * The file in chunks of `size` bytes, so records and characters straddle chunk boundaries;
 * readable by byte range, so that with `workers` the body is cut into ranges.
 */
function chunkedSource(input: string, size: number): ByteSource {
  const bytes = readFileSync(input)
  async function* chunks(from: number, to: number) {
    for (let at = from; at < to; at += size) yield bytes.subarray(at, Math.min(to, at + size))
  }
  return { open: () => chunks(0, bytes.length), size: bytes.length, openRange: chunks }
}

async function run(engine: typeof transformCsv, source: ByteSource, outDir: string, options: Partial<TransformOptions>): Promise<Outcome> {
  mkdirSync(outDir)
  const out = join(outDir, 'data.parquet')
  let stats: TransformStats
  try {
    stats = await engine(source, localFilePartSink({ out }), { sourceName: 'fuzz.csv', ...options })
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` }
  }
  const data = stats.parts.length ? await readParquet(stats.parts.map((p) => p.key)) : undefined
  const rejects = stats.rejectParts.length ? await readParquet(stats.rejectParts.map((p) => p.key)) : undefined
  return { stats, rows: data?.rows, columns: data?.columns, rejects: rejects?.rows }
}

/** What must be equal: everything but timings, byte sizes and part keys. */
function comparable(o: Outcome): unknown {
  if ('error' in o) return o
  const { seconds: _s, bytesOut: _b, rejectBytesOut: _r, parts, rejectParts, ...stats } = o.stats
  return { stats, rowsInParts: parts.reduce((n, p) => n + p.rows, 0), rejectRows: rejectParts.reduce((n, p) => n + p.rows, 0), rows: o.rows, columns: o.columns, rejects: o.rejects }
}

describe('differential fuzzing against the reference engine', () => {
  const seeds = Array.from({ length: FILES }, (_, i) => 1000 + i)
  const tally = { files: 0, rows: 0, rejects: 0, restarts: 0, failures: 0, variantValues: 0, contractConflicts: 0 }

  it.each(seeds)('seed %i: the byte engine equals the reference', async (seed) => {
    // Prepare
    const file = fuzzFile(seed)
    const input = join(dir, `fuzz-${seed}.csv`)
    writeFileSync(input, file.bytes)
    // Odd seeds feed the byte engine in small chunks (1 to 64 bytes); every third seed cuts
    // the body into 2 to 4 byte ranges, as worker threads would convert them.
    const source = seed % 2 ? chunkedSource(input, 1 + (seed % 64)) : fileByteSource(input)
    const workers = seed % 3 === 0 ? 2 + (seed % 5) % 3 : 1

    // Act
    const reference = await run(transformCsvReference, fileByteSource(input), join(dir, `ref-${seed}`), file.options)
    const engine = await run(transformCsv, source, join(dir, `new-${seed}`), { ...file.options, workers })

    // Assess
    expect(comparable(engine), file.description).toEqual(comparable(reference))
    tally.files += 1
    if ('error' in reference) {
      tally.failures += 1
      if (reference.error.startsWith('ContractViolationError: contract: column')) tally.contractConflicts += 1
    } else {
      tally.variantValues += reference.stats.variantValues ?? 0
      tally.rows += reference.stats.rowsOut
      tally.rejects += reference.stats.rowsRejected
      tally.restarts += reference.stats.inference.restarts
    }
  })

  it('covered rows, rejects, restarts and failed files', () => {
    console.log(`differential fuzz: ${JSON.stringify(tally)}`)
    expect(readdirSync(dir).length).toBeGreaterThan(0)
    expect(tally.files).toBe(FILES)
    expect(tally.rejects).toBeGreaterThan(0)
    expect(tally.restarts).toBeGreaterThan(0)
    expect(tally.variantValues).toBeGreaterThan(0)
    expect(tally.contractConflicts).toBeGreaterThan(0)
  })
})

/**
 * A fuzz file with a contract, partitioned by its first column of a partition type (the
 * contract's declared types), or undefined when it has none. Rows carry the lineage columns,
 * as in the Transform Lambda: a file whose one column is the partition column still has columns.
 */
function partitionedFile(seed: number): FuzzFile | undefined {
  const file = fuzzFile(seed)
  const contract = file.options.contract
  const column = contract?.columns?.find((c) => ['string', 'date', 'int', 'bigint', 'boolean'].includes(c.type.kind))
  if (!contract || !column) return undefined
  return { ...file, options: { ...file.options, contract: { ...contract, partitionBy: column.name }, lineage: { source: 'raw/fuzz/fuzz.csv', runId: `run-${seed}` } }, description: `${file.description}, partitioned by ${column.name}` }
}

/** The same, with each partition's values in order of first row. */
function partitioned(o: Outcome): unknown {
  if ('error' in o) return o
  const partitions = [...new Set(o.stats.parts.map((p) => JSON.stringify(p.partition ?? null)))]
  return { ...(comparable(o) as object), partitions }
}

describe('differential fuzzing of partitioned files against the reference engine', () => {
  const seeds = Array.from({ length: FILES }, (_, i) => 1000 + i).filter((seed) => partitionedFile(seed) !== undefined)
  const tally = { files: 0, rows: 0, rejects: 0, partitions: 0, failures: 0 }

  it.each(seeds)('seed %i: the byte engine writes the partitions the reference writes', async (seed) => {
    // Prepare
    const file = partitionedFile(seed)!
    const input = join(dir, `partitioned-${seed}.csv`)
    writeFileSync(input, file.bytes)
    const source = seed % 2 ? chunkedSource(input, 1 + (seed % 64)) : fileByteSource(input)

    // Act
    const reference = await run(transformCsvReference, fileByteSource(input), join(dir, `partitioned-ref-${seed}`), file.options)
    const engine = await run(transformCsv, source, join(dir, `partitioned-new-${seed}`), file.options)

    // Assess
    expect(partitioned(engine), file.description).toEqual(partitioned(reference))
    tally.files += 1
    if ('error' in reference) tally.failures += 1
    else {
      tally.rows += reference.stats.rowsOut
      tally.rejects += reference.stats.rowsRejected
      tally.partitions += new Set(reference.stats.parts.map((p) => JSON.stringify(p.partition))).size
    }
  })

  it('covered partitions, rows and rejects', () => {
    console.log(`differential fuzz, partitioned: ${JSON.stringify(tally)}`)
    expect(tally.files).toBe(seeds.length)
    expect(tally.partitions).toBeGreaterThan(tally.files)
    expect(tally.rejects).toBeGreaterThan(0)
  })
})
