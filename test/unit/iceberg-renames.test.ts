import { describe, expect, it } from 'vitest'
import { parquetTable } from '../../functions/core/lake/catalog'
import { formerNames, pendingRenames, renameColumns, reusedFormerNames, typesWithFormerNames } from '../../functions/core/schema/column-renames'
import { evolveSchema, isMetadataPromotion, SchemaEvolutionError, type TableColumn } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { nameMapping, NAME_MAPPING, newTableMetadata, withSchema } from '../../functions/core/table-format/iceberg/table-metadata'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { isIcebergDefinition, renameParameters, renamesOf, TABLE_FORMAT_PARAMETER } from '../../functions/core/table-format/iceberg/working-definition'

const NOW = new Date('2024-07-01T06:00:00Z')
const ID: TableColumn = { name: 'id', type: { kind: 'int' } }
const AMOUNT: TableColumn = { name: 'amount', type: { kind: 'decimal', precision: 18, scale: 2 } }

const shape = (fields: { id: number; name: string; type: string }[]) => fields.map((f) => [f.id, f.name, f.type])
const mapping = (text: string) => JSON.parse(text) as { 'field-id': number; names: string[] }[]

describe('promotions Iceberg makes by metadata', () => {
  it('promotes int to bigint, float to double and a decimal to a greater precision of the same scale', () => {
    expect(isMetadataPromotion('int', 'bigint')).toBe(true)
    expect(isMetadataPromotion('float', 'double')).toBe(true)
    expect(isMetadataPromotion('decimal(18,2)', 'decimal(38,2)')).toBe(true)
  })

  it('leaves every other widening to a rewrite: decimal scale, date to timestamp, to string, int to decimal', () => {
    expect(isMetadataPromotion('decimal(18,2)', 'decimal(29,9)')).toBe(false)
    expect(isMetadataPromotion('decimal(38,2)', 'decimal(18,2)')).toBe(false)
    expect(isMetadataPromotion('date', 'timestamp')).toBe(false)
    expect(isMetadataPromotion('int', 'string')).toBe(false)
    expect(isMetadataPromotion('bigint', 'decimal(38,9)')).toBe(false)
    expect(isMetadataPromotion('int', 'double')).toBe(false)
  })

  it('is no promotion when the type stays or is unknown', () => {
    expect(isMetadataPromotion('bigint', 'bigint')).toBe(false)
    expect(isMetadataPromotion('map<string,int>', 'bigint')).toBe(false)
  })
})

describe('renames in the Iceberg schema', () => {
  it('keeps a renamed column\'s field id and position and gives it the new name', () => {
    // Prepare
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    // Act
    const renamed = evolveSchema(first.schema, [ID, { ...AMOUNT, name: 'total' }], first.lastColumnId, { total: 'amount' })
    // Assess
    expect(shape(renamed.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int'], [3, 'total', 'decimal(18,2)']])
    expect(renamed.lastColumnId).toBe(3)
    expect(renamed.schema['schema-id']).toBe(1)
  })

  it('without the renames, the new name is a new column and the old one stays', () => {
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const added = evolveSchema(first.schema, [ID, { ...AMOUNT, name: 'total' }], first.lastColumnId)
    expect(shape(added.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int'], [4, 'total', 'decimal(18,2)'], [3, 'amount', 'decimal(18,2)']])
  })

  it('renames and promotes a column at once', () => {
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const next = evolveSchema(first.schema, [{ name: 'key', type: { kind: 'bigint' } }, { name: 'total', type: { kind: 'decimal', precision: 38, scale: 2 } }], first.lastColumnId, { key: 'id', total: 'amount' })
    expect(shape(next.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'key', 'long'], [3, 'total', 'decimal(38,2)']])
    expect(() => evolveSchema(first.schema, [{ name: 'total', type: { kind: 'decimal', precision: 38, scale: 9 } }], first.lastColumnId, { total: 'amount' })).toThrow(SchemaEvolutionError)
  })

  it('follows renames made since the schema was last evolved (amount → net → total)', () => {
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const next = evolveSchema(first.schema, [ID, { ...AMOUNT, name: 'total' }], first.lastColumnId, { net: 'amount', total: 'net' })
    expect(shape(next.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int'], [3, 'total', 'decimal(18,2)']])
  })

  it('renames a column back to its first name, and stops at a cycle of renames', () => {
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const renames = { total: 'amount', amount: 'total' }
    const there = evolveSchema(first.schema, [ID, { ...AMOUNT, name: 'total' }], first.lastColumnId, { total: 'amount' })
    const back = evolveSchema(there.schema, [ID, AMOUNT], there.lastColumnId, renames)
    expect(shape(back.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int'], [3, 'amount', 'decimal(18,2)']])
    // A name in a cycle that no field has is a new column, not a loop.
    const fresh = evolveSchema(first.schema, [ID, AMOUNT, { name: 'x', type: { kind: 'string' } }], first.lastColumnId, { x: 'y', y: 'x' })
    expect(shape(fresh.schema.fields).at(-1)).toEqual([4, 'x', 'string'])
  })

  it('does not take a field a column still has under its own name', () => {
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const next = evolveSchema(first.schema, [ID, AMOUNT, { name: 'total', type: { kind: 'int' } }], first.lastColumnId, { total: 'amount' })
    expect(shape(next.schema.fields)).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int'], [3, 'amount', 'decimal(18,2)'], [4, 'total', 'int']])
  })

  it('keeps every name a field has had in the name mapping, so older parts read under the new name', () => {
    // Prepare
    const first = evolveSchema(undefined, [ID, AMOUNT], 0)
    const t = newTableMetadata({ uuid: '00000000-0000-4000-8000-000000000000', location: 'file:///lake/curated/meter', schema: first.schema, spec: partitionSpec(first.schema, []), now: NOW })
    const renames = { net: 'amount', total: 'net' }
    // Act
    const next = evolveSchema(t.schemas[0], [ID, { ...AMOUNT, name: 'total' }], t['last-column-id'], renames)
    const evolved = withSchema(t, next.schema, next.lastColumnId, renames)
    // Assess
    expect(mapping(evolved.properties[NAME_MAPPING])).toEqual([
      { 'field-id': 1, names: ['ingest_date'] },
      { 'field-id': 2, names: ['id'] },
      { 'field-id': 3, names: ['amount', 'total', 'net'] },
    ])
  })

  it('leaves a former name out of the mapping when another field has it now', () => {
    const first = evolveSchema(undefined, [ID, { name: 'total', type: { kind: 'int' } }], 0)
    expect(mapping(nameMapping([first.schema], { total: 'id' }))).toEqual([
      { 'field-id': 1, names: ['ingest_date'] },
      { 'field-id': 2, names: ['id'] },
      { 'field-id': 3, names: ['total'] },
    ])
  })
})

describe('renames on the working definition', () => {
  const definition = (parameters: Record<string, string>) => {
    const t = parquetTable('meter', [{ Name: 'id', Type: 'int' }], [], 'file:///lake/curated/meter/')
    return { ...t, Parameters: { ...t.Parameters, ...parameters } }
  }

  it('reads every rename the definition records, new name to the name before', () => {
    const t = definition({ [TABLE_FORMAT_PARAMETER]: 'iceberg', ...renameParameters({ net: 'amount' }), ...renameParameters({ total: 'net' }) })
    expect(renamesOf(t)).toEqual({ net: 'amount', total: 'net' })
    expect(isIcebergDefinition(t)).toBe(true)
  })

  it('tells a Hive definition from an Iceberg one by its table-format parameter', () => {
    expect(renamesOf(definition({}))).toEqual({})
    expect(isIcebergDefinition(definition({}))).toBe(false)
    expect(isIcebergDefinition(definition({ [TABLE_FORMAT_PARAMETER]: 'hive' }))).toBe(false)
    expect(isIcebergDefinition(undefined)).toBe(false)
  })

  it('asks for a rename only where the table has the former name and not the new one', () => {
    const table = [{ Name: 'id', Type: 'int' }, { Name: 'amount', Type: 'decimal(18,2)' }, { Name: 'note', Type: 'string' }]
    const files = [
      { key: 'meter/b.csv', columns: [{ name: 'total', renamedFrom: 'amount' }, { name: 'remark', renamedFrom: 'gone' }, { name: 'note', renamedFrom: 'id' }] },
      { key: 'meter/a.csv', columns: [{ name: 'sum', renamedFrom: 'amount' }] },
    ]
    expect(pendingRenames(table, files)).toEqual({ sum: 'amount' })
    expect(pendingRenames(undefined, files)).toEqual({})
    expect(pendingRenames([...table, { Name: 'total', Type: 'int' }], files.slice(0, 1))).toEqual({})
  })

  it('finds a file column new to the table under a former name, with the column that had it', () => {
    const table = [{ Name: 'id', Type: 'int' }, { Name: 'total', Type: 'decimal(18,2)' }, { Name: 'x', Type: 'string' }]
    const renames = { net: 'amount', total: 'net', x: 'y', y: 'x' }
    const columns = [{ name: 'id' }, { name: 'amount' }, { name: 'net' }, { name: 'total' }, { name: 'note' }, { name: 'y' }]
    expect(reusedFormerNames(table, renames, columns)).toEqual([{ column: 'amount', now: 'total' }, { column: 'net', now: 'total' }, { column: 'y', now: 'x' }])
    expect(reusedFormerNames(table, {}, columns)).toEqual([])
  })

  it('types each former name as its column now, for rewriting parts loaded before a rename', () => {
    const table = [{ Name: 'id', Type: 'int' }, { Name: 'total', Type: 'decimal(29,9)' }]
    const renames = { net: 'amount', total: 'net', gone: 'older' }
    expect([...formerNames(table, renames)]).toEqual([['amount', 'total'], ['net', 'total']])
    const types = new Map([['id', 'int'], ['total', 'decimal(29,9)']])
    expect([...typesWithFormerNames(types, table, renames)]).toEqual([['id', 'int'], ['total', 'decimal(29,9)'], ['amount', 'decimal(29,9)'], ['net', 'decimal(29,9)']])
  })

  it('renames a definition\'s column in place, with its type and comment', () => {
    const columns = [{ Name: 'id', Type: 'int' }, { Name: 'amount', Type: 'decimal(18,2)', Comment: 'in EUR' }, { Name: 'note', Type: 'string' }]
    expect(renameColumns(columns, { total: 'amount' })).toEqual([{ Name: 'id', Type: 'int' }, { Name: 'total', Type: 'decimal(18,2)', Comment: 'in EUR' }, { Name: 'note', Type: 'string' }])
  })
})
