import { parseAthenaType, type AthenaType } from '../../schema/athena-types'
import { SluiceError } from '../../errors'
import type { IcebergField, IcebergSchema, IcebergType } from './iceberg-model'

/** A table column change the Iceberg schema cannot take as metadata only. */
export class SchemaEvolutionError extends SluiceError {}

/** A table column as sluice's column plan and catalog know it. */
export interface TableColumn {
  name: string
  type: AthenaType
}

/** The column every sluice table is partitioned by: the UTC date of the ingesting run. */
export const INGEST_DATE_COLUMN = 'ingest_date'

/** The Iceberg type of an Athena type. */
export function icebergType(type: AthenaType): IcebergType {
  switch (type.kind) {
    case 'int':
      return 'int'
    case 'bigint':
      return 'long'
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`
    case 'timestamp':
      // sluice's Parquet timestamps are UTC-adjusted micros: Iceberg's `timestamptz`.
      return 'timestamptz'
    default:
      return type.kind
  }
}

/**
 * Whether a column of type `from` may be read as `to` by metadata alone: the promotions format
 * v2 allows (`int → long`, `float → double`, decimal precision widening with the same scale).
 */
export function isPromotion(from: IcebergType, to: IcebergType): boolean {
  if (from === to) return true
  if (from === 'int' && to === 'long') return true
  if (from === 'float' && to === 'double') return true
  const a = /^decimal\((\d+),(\d+)\)$/.exec(from)
  const b = /^decimal\((\d+),(\d+)\)$/.exec(to)
  return !!a && !!b && a[2] === b[2] && Number(b[1]) >= Number(a[1])
}

/**
 * Whether a column typed `from` (an Athena type name, as the catalog spells it) may become `to`
 * by metadata alone on an Iceberg table: a real change that format v2 promotes (`int → bigint`,
 * `float → double`, a decimal's precision with the same scale). Parts written with `from` stay
 * as they are; readers promote their values. Any other widening rewrites the parts.
 */
export function isMetadataPromotion(from: string, to: string): boolean {
  const a = icebergTypeOfName(from)
  const b = icebergTypeOfName(to)
  return a !== undefined && b !== undefined && a !== b && isPromotion(a, b)
}

/** The Iceberg type of an Athena type name; `float` (Athena's 32-bit float) too, which sluice never writes. */
function icebergTypeOfName(name: string): IcebergType | undefined {
  const text = name.trim().toLowerCase()
  if (text === 'float' || text === 'real') return 'float'
  const type = parseAthenaType(text)
  return type && icebergType(type)
}

/**
 * The table's schema for these columns (in this order), evolved from `current`: a column keeps
 * the id it has by name, a new column takes the next id after `lastColumnId`, and a type change
 * must be a promotion. The ingest date column comes first, always present. Returns the same
 * schema object when nothing changed, so callers add a schema only when there is a new one.
 *
 * `renames` (new name → the name before, every rename the table has had, see `renamesOf`) lets
 * a column the schema lacks by name take the field of a name it had: the field keeps its id and
 * takes the new name. A chain of renames since the schema was last evolved (`a → b → c`) is
 * followed to the name the schema knows.
 */
export function evolveSchema(
  current: IcebergSchema | undefined, columns: TableColumn[], lastColumnId: number, renames: Record<string, string> = {},
): { schema: IcebergSchema; lastColumnId: number } {
  const byName = new Map((current?.fields ?? []).map((f) => [f.name, f]))
  let last = lastColumnId
  const wanted: { name: string; type: IcebergType }[] = [{ name: INGEST_DATE_COLUMN, type: 'date' }, ...columns.filter((c) => c.name !== INGEST_DATE_COLUMN).map((c) => ({ name: c.name, type: icebergType(c.type) }))]
  const names = new Set(wanted.map((w) => w.name))
  // A field still wanted under its own name is not renamed away from it.
  const claimed = new Set(wanted.flatMap((w) => (byName.has(w.name) ? [byName.get(w.name)!.id] : [])))
  const fields: IcebergField[] = wanted.map(({ name, type }) => {
    const known = byName.get(name) ?? formerField(name, byName, renames, names, claimed)
    if (!known) return { id: ++last, name, required: false, type }
    if (!isPromotion(known.type, type)) {
      throw new SchemaEvolutionError(`iceberg: column ${name} cannot change from ${known.type} to ${type} by metadata; the table needs a rewrite`)
    }
    return { ...known, name, type }
  })
  // A column the table has and the plan lacks stays: columns are only added.
  const used = new Set(fields.map((f) => f.id))
  const kept = (current?.fields ?? []).filter((f) => !used.has(f.id))
  const all = [...fields, ...kept]
  if (current && sameFields(current.fields, all)) return { schema: current, lastColumnId: last }
  return { schema: { type: 'struct', 'schema-id': current ? current['schema-id'] + 1 : 0, fields: all }, lastColumnId: last }
}

/**
 * The field a column named `name` had under an earlier name: the renames are followed back
 * from `name` to the first name the schema has that no wanted column keeps (cycles, from a
 * column renamed back, end the walk). The field found is claimed, so no two columns take it.
 */
function formerField(name: string, byName: Map<string, IcebergField>, renames: Record<string, string>, wanted: Set<string>, claimed: Set<number>): IcebergField | undefined {
  const seen = new Set([name])
  for (let before = renames[name]; before !== undefined && !seen.has(before); before = renames[before]) {
    seen.add(before)
    const field = byName.get(before)
    if (field && !wanted.has(before) && !claimed.has(field.id)) {
      claimed.add(field.id)
      return field
    }
  }
  return undefined
}

function sameFields(a: IcebergField[], b: IcebergField[]): boolean {
  return a.length === b.length && a.every((f, i) => f.id === b[i].id && f.name === b[i].name && f.type === b[i].type && f.required === b[i].required)
}

/** The field of `schema` named `name`; an error naming the table's columns when there is none. */
export function fieldNamed(schema: IcebergSchema, name: string): IcebergField {
  const field = schema.fields.find((f) => f.name === name)
  if (!field) throw new SchemaEvolutionError(`iceberg: no column ${name} in the schema (${schema.fields.map((f) => f.name).join(', ')})`)
  return field
}
