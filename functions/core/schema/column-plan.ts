import { athenaTypeName } from './athena-types'
import { normalizeHeaderNames } from './column-names'
import type { Contract, ContractColumn } from './contract'
import { DEFAULT_GZIP_LIMITS, type GzipLimits } from '../csv/decode-input'
import type { DeclaredReading } from '../csv/open-csv'
import type { Dialect } from '../csv/dialect'
import { detectHeader, headerEvidence } from './detect-header'
import { ContractViolationError } from '../errors'

/** One output column and where its values come from. */
export interface PlannedColumn {
  original: string
  name: string
  /** Field position in each record; -1 for a contract column the file lacks (all null). */
  field: number
  declared?: ContractColumn
}

export interface ColumnPlan {
  columns: PlannedColumn[]
  /** Fields every record must have. */
  width: number
  /**
   * Data rows end with a delimiter the header lacks: a record one field wider whose last
   * field is empty and unquoted has `width` fields.
   */
  trailingDelimiter?: Pick<Dialect, 'delimiter' | 'trimSpaces'>
  warnings: string[]
}

/** What the contract and options declare about reading a file. */
export function declaredReading(settings: { contract?: Contract; gzipLimits?: Partial<GzipLimits> }): DeclaredReading {
  const contract = settings.contract
  return {
    encoding: contract?.encoding,
    delimiter: contract?.delimiter,
    ...(contract?.quote !== undefined ? { quote: contract.quote } : {}),
    escape: contract?.escape,
    skipLines: contract?.skipLines,
    headerEvidence,
    gzipLimits: { ...DEFAULT_GZIP_LIMITS, ...settings.gzipLimits },
  }
}

/**
 * Whether the file's first record is a header: the contract's `"header"` decides, else
 * `detectHeader` on the sample. A first record that looks like data is read as data, its
 * columns named col_1…col_N, with a warning.
 */
export function decideHeader(contract: Contract | undefined, opened: { sample: string[][]; header: boolean; notes: string[] }, sourceName: string): boolean {
  opened.header = contract?.header ?? detectHeader(opened.sample)
  if (contract?.header === undefined && !opened.header) {
    const first = opened.sample[0] ?? []
    opened.notes.push(
      `header: the first row of ${sourceName} (${JSON.stringify(first.join(',').slice(0, 80))}) looks like data, not a header: ` +
        `it is loaded as a row and the columns are named col_1…col_${first.length}; declare "header": true in the contract if it is a header`,
    )
  }
  return opened.header
}

/**
 * A header one name short of its rows, as pandas and R write a table with its row labels
 * (`a,b` over `r1,1,2`): when the records of the sample after the header are, 80 % of them or
 * more, one field wider than the header, the first field of each row is a label, loaded as a column of its own under
 * a generated name (an empty header, so `col_1`, the name pandas' `,a,b` form gets too), with a
 * warning. Returns the header to plan with.
 */
export function withRowLabels(header: string[], opened: { sample: string[][]; dialect: Pick<Dialect, 'trailingDelimiter'>; notes: string[] }, sourceName: string): string[] {
  const wider = opened.sample.slice(1).filter((r) => r.length === header.length + 1)
  if (opened.dialect.trailingDelimiter || wider.length === 0 || wider.length < 0.8 * (opened.sample.length - 1)) return header
  // Rows that all end with an empty field end with a delimiter: their extra field is no label.
  if (wider.every((r) => r[r.length - 1] === '')) return header
  opened.notes.push(
    `header: the header of ${sourceName} names ${header.length} column(s) over rows of ${header.length + 1} fields, as exports with row labels (pandas, R) write it: ` +
      'the first field of each row is loaded as the label column col_1',
  )
  return ['', ...header]
}

/**
 * Matches a file's header against the contract.
 * - Output order: the contract's columns in contract order, then the file's other columns.
 * - File columns the contract does not name follow `extraColumns`: `keep` (default: loaded
 *   with an inferred type, with a warning), `drop` (left out, with a warning) or `fail`.
 * - Contract columns the file lacks load as null when nullable (with a warning); a missing
 *   non-nullable column fails the file, since every row would violate it.
 * - A contract column takes the file column of its name, else that of its first alias the
 *   file has (`Latitude` for `lat`); the file's other columns of its aliases are extras.
 * Without a header row, fields map to contract columns by position.
 */
export function planColumns(header: string[] | undefined, width: number, contract: Contract | undefined, sourceName: string, reserved: string[] = []): ColumnPlan {
  const declaredColumns = contract?.columns
  const originals = header ?? (declaredColumns ?? []).map((c) => c.name)
  while (originals.length < width) originals.push(`col_${originals.length + 1}`)
  const { names, collisions } = normalizeHeaderNames(originals, reserved)
  const fileColumns: PlannedColumn[] = names.map((name, field) => ({ original: originals[field], name, field }))
  const warnings: string[] = [...collisions]
  // A contract without `columns` (settings only) plans the file's columns as no contract does.
  if (!contract || !declaredColumns) return { columns: fileColumns, width, warnings }

  const byName = new Map(fileColumns.map((c) => [c.name, c]))
  // A contract column takes the file column of its name, else of its first alias present.
  const source = new Map(declaredColumns.map((c) => [c, [c.name, ...(c.aliases ?? [])].map((n) => byName.get(n)).find(Boolean)]))
  const missing = declaredColumns.filter((c) => !source.get(c))
  const required = missing.filter((c) => !c.nullable)
  if (required.length > 0) {
    throw new ContractViolationError(
      `contract: ${sourceName} lacks required column(s) ${required.map((c) => `"${c.name}"`).join(', ')} (header: ${names.join(', ')})`,
    )
  }
  if (missing.length > 0) {
    warnings.push(`columns missing from the file load as null: ${missing.map((c) => `${c.name} ${athenaTypeName(c.type)}`).join(', ')}`)
  }
  const declared = new Set(declaredColumns.map((c) => c.name))
  const matched = new Set(source.values())
  const extras = fileColumns.filter((c) => !matched.has(c) && !declared.has(c.name))
  if (extras.length > 0 && contract.extraColumns === 'fail') {
    throw new ContractViolationError(`contract: ${sourceName} has column(s) the contract does not name: ${extras.map((c) => `"${c.original}"`).join(', ')}`)
  }
  if (extras.length > 0) {
    const verb = contract.extraColumns === 'drop' ? 'dropped' : 'kept with inferred types'
    warnings.push(`columns not in the contract were ${verb}: ${extras.map((c) => c.name).join(', ')}`)
  }
  const columns: PlannedColumn[] = [
    ...declaredColumns.map((c) => {
      const found = source.get(c)
      return { ...(found ? { ...found, name: c.name } : { original: c.name, name: c.name, field: -1 }), declared: c }
    }),
    ...(contract.extraColumns === 'drop' ? [] : extras),
  ]
  return { columns, width, warnings }
}
