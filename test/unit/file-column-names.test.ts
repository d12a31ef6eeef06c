import { describe, expect, it } from 'vitest'
import { fileColumnNames } from '../../functions/core/table-format/iceberg/file-column-names'
import type { IcebergSchema } from '../../functions/core/table-format/iceberg/iceberg-model'
import { nameMapping, NAME_MAPPING } from '../../functions/core/table-format/iceberg/table-metadata'

const schema = (id: number, fields: [number, string][]): IcebergSchema => ({ type: 'struct', 'schema-id': id, fields: fields.map(([fid, name]) => ({ id: fid, name, required: false, type: 'string' })) })

describe('the names a column may have in a data file', () => {
  it('gives a renamed column its current name first, then the older names of its field id', () => {
    const before = schema(0, [[1, 'ingest_date'], [2, 'item']])
    const after = schema(1, [[1, 'ingest_date'], [2, 'product']])

    expect(fileColumnNames(after, { [NAME_MAPPING]: nameMapping([before, after]) })).toEqual({ ingest_date: ['ingest_date'], product: ['product', 'item'] })
  })

  it('never takes a name another field has now as an older name, and reads by name without a mapping', () => {
    const first = schema(0, [[2, 'item']])
    const renamed = schema(1, [[2, 'product']])
    const reused = schema(2, [[2, 'product'], [3, 'item']])

    expect(fileColumnNames(reused, { [NAME_MAPPING]: nameMapping([first, renamed, reused]) })).toEqual({ product: ['product'], item: ['item'] })
    expect(fileColumnNames(renamed, {})).toEqual({ product: ['product'] })
  })
})
