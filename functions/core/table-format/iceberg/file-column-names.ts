import type { IcebergSchema } from './iceberg-model'
import { NAME_MAPPING } from './table-metadata'

/**
 * Every name each field of `schema` may have in a data file written without field ids, by the
 * field's name in `schema` (that name first): the names the table's name mapping
 * (`schema.name-mapping.default`) gives its field id. A file written before a rename holds the
 * field under an older name, and reads under the new one. A name another field has now is never
 * an older name of this one (a file holding both would mix two columns).
 */
export function fileColumnNames(schema: IcebergSchema, properties: Record<string, string>): Record<string, string[]> {
  const mapped = new Map<number, string[]>()
  const text = properties[NAME_MAPPING]
  if (text) for (const entry of JSON.parse(text) as { 'field-id'?: number; names: string[] }[]) if (entry['field-id'] !== undefined) mapped.set(entry['field-id'], entry.names)
  const current = new Set(schema.fields.map((f) => f.name))
  return Object.fromEntries(schema.fields.map((f) => [f.name, [f.name, ...new Set((mapped.get(f.id) ?? []).filter((n) => !current.has(n)))]]))
}
