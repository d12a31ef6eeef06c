import type { AthenaType } from '../../transform-types'
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
 * The table's schema for these columns (in this order), evolved from `current`: a column keeps
 * the id it has by name, a new column takes the next id after `lastColumnId`, and a type change
 * must be a promotion. The ingest date column comes first, always present. Returns the same
 * schema object when nothing changed, so callers add a schema only when there is a new one.
 */
export function evolveSchema(current: IcebergSchema | undefined, columns: TableColumn[], lastColumnId: number): { schema: IcebergSchema; lastColumnId: number } {
  const byName = new Map((current?.fields ?? []).map((f) => [f.name, f]))
  let last = lastColumnId
  const wanted: { name: string; type: IcebergType }[] = [{ name: INGEST_DATE_COLUMN, type: 'date' }, ...columns.filter((c) => c.name !== INGEST_DATE_COLUMN).map((c) => ({ name: c.name, type: icebergType(c.type) }))]
  const fields: IcebergField[] = wanted.map(({ name, type }) => {
    const known = byName.get(name)
    if (!known) return { id: ++last, name, required: false, type }
    if (!isPromotion(known.type, type)) {
      throw new SchemaEvolutionError(`iceberg: column ${name} cannot change from ${known.type} to ${type} by metadata; the table needs a rewrite`)
    }
    return { ...known, type }
  })
  // A column the table has and the plan lacks stays: columns are only added.
  const kept = (current?.fields ?? []).filter((f) => !wanted.some((w) => w.name === f.name))
  const all = [...fields, ...kept]
  if (current && sameFields(current.fields, all)) return { schema: current, lastColumnId: last }
  return { schema: { type: 'struct', 'schema-id': current ? current['schema-id'] + 1 : 0, fields: all }, lastColumnId: last }
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
