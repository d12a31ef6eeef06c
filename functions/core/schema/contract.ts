import { athenaTypeName, parseAthenaType, type AthenaType } from './athena-types'
import { normalizeColumnName } from './column-names'
import { unknownKey } from './closest-name'
import { ContractInvalidError } from '../errors'
import { compileTemporalFormats, type TemporalParser } from './temporal-format'
import { parseNumberFormat, type NumberFormat } from './number-format'
import { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName } from './table-format-name'

/** Null tokens used when neither the contract nor the caller gives any. The empty field is always null. */
export const DEFAULT_NULL_TOKENS = ['NULL', 'null', 'NA', 'N/A', '\\N']

/** What to do with file columns that the contract does not name. */
export type ExtraColumnsPolicy = 'keep' | 'drop' | 'fail'

export interface ContractColumn {
  /** Normalized (Athena-safe) name; matched against the file's normalized header. */
  name: string
  type: AthenaType
  nullable: boolean
  /** Compiled date/timestamp format (or formats, tried in order), when the contract gives one. */
  format?: TemporalParser
  /** Other headers (normalized) the column goes by in some files, tried after `name`, in order. */
  aliases?: string[]
  /** How the column's numbers are written, when not plain: its own, else the contract's. */
  numbers?: NumberFormat
  /**
   * The table column's name before (normalized): an Iceberg table renames that column in place,
   * keeping its field id, so the files loaded before read under the new name.
   */
  renamedFrom?: string
}

/** A validated per-dataset contract. */
export interface Contract {
  /** Absent: the columns are inferred, exactly as without a contract; the other keys still apply. */
  columns?: ContractColumn[]
  /** Absent: detected (a first row that looks like data is no header). */
  header?: boolean
  delimiter?: string
  /** `null`: the file has no quoting (a TSV dump whose fields may start with a bare `"`). */
  quote?: '"' | null
  /** The character escaping a quote inside a quoted field: `"` (doubled) or `\`. */
  escape?: '"' | '\\'
  /** Lines before the header (a preamble) to skip; absent: detected. */
  skipLines?: number
  encoding?: string
  nullTokens?: string[]
  rejectThreshold?: number
  extraColumns: ExtraColumnsPolicy
  /** Column a later stage partitions the table by; validated here, used by the workflow. */
  partitionBy?: string
  /** `false` leaves out the lineage columns (`_sluice_source`, `_sluice_run_id`). */
  lineage?: boolean
  /**
   * The status site's view of the dataset: `recordText: true` lets its rejects show the
   * rejected records' text where the deployment allows it too (core/site/record-text.ts).
   */
  site?: { recordText: boolean }
  /** How numbers are written (`decimalSeparator`, `thousandsSeparator`), for every column. */
  numbers?: NumberFormat
  /**
   * The format the dataset's table is created in, over the lake's (core/table-format/
   * table-format-setting.ts); an existing table keeps its own.
   */
  tableFormat?: TableFormatName
}

const DELIMITERS = [',', ';', '\t', '|']
/** Types that make sensible partition paths. */
const PARTITION_TYPES = ['string', 'date', 'int', 'bigint', 'boolean']
const KNOWN_KEYS = new Set(['columns', 'header', 'delimiter', 'quote', 'escape', 'skipLines', 'encoding', 'nullTokens', 'rejectThreshold', 'extraColumns', 'partitionBy', 'lineage', 'site', 'description', '$schema', 'decimalSeparator', 'thousandsSeparator', 'tableFormat'])
const COLUMN_KEYS = new Set(['name', 'type', 'nullable', 'format', 'formats', 'precision', 'scale', 'description', 'aliases', 'decimalSeparator', 'thousandsSeparator', 'renamedFrom'])
const NUMBER_KINDS = ['int', 'bigint', 'decimal', 'double']

/** Parses and validates a contract's JSON text; `name` (its path or key) goes into messages. */
export function parseContractText(text: string, name: string): Contract {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new ContractInvalidError(`contract ${name}: not valid JSON (${(e as Error).message})`, { cause: e })
  }
  return parseContract(json, name)
}

/**
 * Validates a contract (already parsed from JSON). Every problem is reported at once, each
 * with its JSON path, in one ContractInvalidError naming the contract.
 */
export function parseContract(json: unknown, contractName = 'contract'): Contract {
  const problems: string[] = []
  const fail = (path: string, msg: string) => problems.push(`${path}: ${msg}`)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ContractInvalidError(`contract ${contractName}: must be a JSON object`)
  }
  const c = json as Record<string, unknown>
  for (const key of Object.keys(c)) if (!KNOWN_KEYS.has(key)) fail(key, unknownKey(key, KNOWN_KEYS))

  const header = c.header
  if (header !== undefined && typeof header !== 'boolean') fail('header', 'must be true or false')
  if (c.quote !== undefined && c.quote !== null && c.quote !== '"') fail('quote', 'must be "\\"" or null (no quoting)')
  if (c.escape !== undefined && c.escape !== '"' && c.escape !== '\\') fail('escape', 'must be "\\"" (doubled quotes) or "\\\\" (backslash)')
  const skipLines = c.skipLines
  if (skipLines !== undefined && !(typeof skipLines === 'number' && Number.isInteger(skipLines) && skipLines >= 0)) {
    fail('skipLines', 'must be a whole number of lines, 0 or more')
  }
  if (c.delimiter !== undefined && !DELIMITERS.includes(c.delimiter as string)) {
    fail('delimiter', `must be one of ${DELIMITERS.map((d) => JSON.stringify(d)).join(', ')}`)
  }
  if (c.encoding !== undefined) {
    try {
      if (typeof c.encoding !== 'string') throw new Error()
      new TextDecoder(c.encoding)
    } catch {
      fail('encoding', `unknown encoding ${JSON.stringify(c.encoding)} (e.g. "utf-8", "utf-16le", "windows-1252", "latin1")`)
    }
  }
  if (c.nullTokens !== undefined && !(Array.isArray(c.nullTokens) && c.nullTokens.every((t) => typeof t === 'string'))) {
    fail('nullTokens', 'must be an array of strings')
  }
  if (c.lineage !== undefined && typeof c.lineage !== 'boolean') fail('lineage', 'must be true or false')
  const site = c.site as Record<string, unknown> | undefined
  if (site !== undefined && (typeof site !== 'object' || site === null || Array.isArray(site) || Object.keys(site).some((k) => k !== 'recordText') || (site.recordText !== undefined && typeof site.recordText !== 'boolean'))) {
    fail('site', 'must be an object { "recordText": true or false }')
  }
  const threshold = c.rejectThreshold
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) {
    fail('rejectThreshold', 'must be a number from 0 to 1 (a fraction of rows)')
  }
  const numbers = parseNumberFormat(c, '', fail, undefined)
  if (numbers && typeof c.delimiter === 'string' && (c.delimiter === numbers.decimalSeparator || c.delimiter === numbers.thousandsSeparator)) {
    fail('delimiter', `must differ from the decimal and thousands separators (${JSON.stringify(c.delimiter)})`)
  }
  const extra = c.extraColumns ?? 'keep'
  if (!['keep', 'drop', 'fail'].includes(extra as string)) fail('extraColumns', 'must be "keep", "drop" or "fail"')
  else if (c.columns === undefined && extra !== 'keep') fail('extraColumns', `"${extra as string}" needs "columns": without them every column of the file is inferred and kept`)
  if (c.tableFormat !== undefined && !isTableFormatName(c.tableFormat)) {
    fail('tableFormat', `must be ${TABLE_FORMAT_NAMES.map((f) => JSON.stringify(f)).join(' or ')}, not ${JSON.stringify(c.tableFormat)}`)
  }

  // No `columns` at all: the file's columns are inferred, as without a contract.
  const columns: ContractColumn[] = []
  if (c.columns !== undefined && !Array.isArray(c.columns)) {
    fail('columns', 'must be an array of { name, type } objects')
  } else if (Array.isArray(c.columns)) {
    const seen = new Set<string>()
    const at = new Map<ContractColumn, number>()
    c.columns.forEach((col, i) => {
      const parsed = parseColumn(col, `columns[${i}]`, fail, numbers)
      if (!parsed) return
      if (seen.has(parsed.name)) fail(`columns[${i}].name`, `duplicate column "${parsed.name}"`)
      seen.add(parsed.name)
      for (const alias of parsed.aliases ?? []) {
        if (seen.has(alias)) fail(`columns[${i}].aliases`, `"${alias}" already names a column or an alias`)
        seen.add(alias)
      }
      columns.push(parsed)
      at.set(parsed, i)
    })
    if (header === false && c.columns.length === 0) fail('columns', 'a contract with "header": false must name every column')
    checkRenames(columns, at, fail)
  }
  const partitionBy = c.partitionBy
  const partitionColumn = typeof partitionBy === 'string' ? columns.find((col) => col.name === normalizeColumnName(partitionBy)) : undefined
  if (partitionBy !== undefined && c.columns === undefined) {
    fail('partitionBy', 'needs "columns" declaring the partition column and its type')
  } else if (partitionBy !== undefined && !partitionColumn) {
    fail('partitionBy', 'must name one of the contract columns')
  } else if (partitionColumn && !PARTITION_TYPES.includes(partitionColumn.type.kind)) {
    fail('partitionBy', `the partition column must be ${PARTITION_TYPES.join(', ')}, not ${athenaTypeName(partitionColumn.type)}`)
  }
  if (partitionColumn?.renamedFrom) fail('partitionBy', `the partition column ${partitionColumn.name} cannot be renamed (renamedFrom); a table's partitioning changes only by a rebuild`)
  if (problems.length > 0) {
    throw new ContractInvalidError(`contract ${contractName}: ${problems.join('; ')}`)
  }
  return {
    ...(c.columns === undefined ? {} : { columns }),
    ...(header === undefined ? {} : { header: header as boolean }),
    delimiter: c.delimiter as string | undefined,
    ...(c.quote === undefined ? {} : { quote: c.quote as '"' | null }),
    ...(c.escape === undefined ? {} : { escape: c.escape as '"' | '\\' }),
    ...(skipLines === undefined ? {} : { skipLines: skipLines as number }),
    encoding: c.encoding as string | undefined,
    nullTokens: c.nullTokens as string[] | undefined,
    rejectThreshold: threshold as number | undefined,
    extraColumns: extra as ExtraColumnsPolicy,
    partitionBy: partitionBy === undefined ? undefined : normalizeColumnName(partitionBy as string),
    ...(c.lineage === undefined ? {} : { lineage: c.lineage as boolean }),
    ...(site === undefined ? {} : { site: { recordText: site.recordText === true } }),
    ...(numbers ? { numbers } : {}),
    ...(c.tableFormat === undefined ? {} : { tableFormat: c.tableFormat as TableFormatName }),
  }
}

function parseColumn(col: unknown, path: string, fail: (path: string, msg: string) => void, contractNumbers: NumberFormat | undefined): ContractColumn | undefined {
  if (typeof col !== 'object' || col === null) {
    fail(path, 'must be an object')
    return undefined
  }
  const c = col as Record<string, unknown>
  for (const key of Object.keys(c)) if (!COLUMN_KEYS.has(key)) fail(`${path}.${key}`, unknownKey(key, COLUMN_KEYS))
  const name = typeof c.name === 'string' ? normalizeColumnName(c.name) : ''
  if (!name) fail(`${path}.name`, 'must be a non-empty column name')
  let typeText = typeof c.type === 'string' ? c.type : ''
  if (typeText.trim().toLowerCase() === 'decimal' && c.precision !== undefined) {
    typeText = `decimal(${c.precision},${c.scale ?? 0})`
  }
  const type = parseAthenaType(typeText)
  if (!type) {
    fail(`${path}.type`, `unknown type ${JSON.stringify(c.type)} (boolean, int, bigint, double, decimal(p,s) with p ≤ 38, date, timestamp, string)`)
  }
  if (c.nullable !== undefined && typeof c.nullable !== 'boolean') fail(`${path}.nullable`, 'must be true or false')
  let format: TemporalParser | undefined
  const formatKey = c.formats !== undefined ? 'formats' : 'format'
  const patterns = c.formats ?? (c.format === undefined ? undefined : [c.format])
  if (c.format !== undefined && c.formats !== undefined) {
    fail(`${path}.formats`, 'give either "format" or "formats", not both')
  } else if (patterns !== undefined) {
    if (type?.kind !== 'date' && type?.kind !== 'timestamp') {
      fail(`${path}.${formatKey}`, `only date and timestamp columns take a format (this one is ${type ? athenaTypeName(type) : 'unknown'})`)
    } else if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === 'string')) {
      fail(`${path}.${formatKey}`, formatKey === 'format' ? 'must be a string such as "DD/MM/YYYY"' : 'must be a non-empty array of strings such as ["M/D/YYYY H:mm", "YYYY-MM-DDTHH:mm:ss"]')
    } else {
      try {
        format = compileTemporalFormats(patterns as string[])
      } catch (e) {
        fail(`${path}.${formatKey}`, (e as Error).message)
      }
    }
  }
  const own = c.decimalSeparator !== undefined || c.thousandsSeparator !== undefined
  if (own && type && !NUMBER_KINDS.includes(type.kind)) {
    fail(`${path}.${c.decimalSeparator !== undefined ? 'decimalSeparator' : 'thousandsSeparator'}`, `only number columns take separators (this one is ${athenaTypeName(type)})`)
  }
  const numbers = parseNumberFormat(c, path, fail, contractNumbers)
  const aliases = parseAliases(c.aliases, name, `${path}.aliases`, fail)
  const renamedFrom = typeof c.renamedFrom === 'string' ? normalizeColumnName(c.renamedFrom) : ''
  if (c.renamedFrom !== undefined && !renamedFrom) fail(`${path}.renamedFrom`, 'must be the name the column had before, such as "amount"')
  else if (renamedFrom && renamedFrom === name) fail(`${path}.renamedFrom`, `"${c.renamedFrom}" is the column's own name`)
  if (!name || !type) return undefined
  return {
    name,
    type,
    nullable: c.nullable !== false,
    format,
    ...(numbers && NUMBER_KINDS.includes(type.kind) ? { numbers } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
    ...(renamedFrom && renamedFrom !== name ? { renamedFrom } : {}),
  }
}

/**
 * A column's `renamedFrom` must name a column the contract no longer has: not another column's
 * current name, and not the former name of another column too.
 */
function checkRenames(columns: ContractColumn[], at: Map<ContractColumn, number>, fail: (path: string, msg: string) => void): void {
  const names = new Set(columns.map((c) => c.name))
  const renamed = new Map<string, string>()
  for (const col of columns) {
    if (!col.renamedFrom) continue
    const path = `columns[${at.get(col)}].renamedFrom`
    if (names.has(col.renamedFrom)) fail(path, `"${col.renamedFrom}" is the current name of another column; a column is renamed from a name no column has now`)
    else if (renamed.has(col.renamedFrom)) fail(path, `"${col.renamedFrom}" is already the former name of column ${renamed.get(col.renamedFrom)}`)
    renamed.set(col.renamedFrom, col.name)
  }
}

/** A column's `aliases`: header names, normalized, less the column's own name. */
function parseAliases(value: unknown, name: string, path: string, fail: (path: string, msg: string) => void): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((a) => typeof a === 'string' && normalizeColumnName(a) !== '')) {
    fail(path, 'must be an array of header names, such as ["Latitude", "lat"]')
    return []
  }
  // An alias that normalizes to the name itself (`Long_` for `long`) is matched by the name already.
  return [...new Set(value.map((a: string) => normalizeColumnName(a)))].filter((a) => a !== name)
}
