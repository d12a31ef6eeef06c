import { describe, expect, it } from 'vitest'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { newTableMetadata } from '../../functions/core/table-format/iceberg/table-metadata'
import { FORMER_LOCATIONS_PROPERTY, formerLocations, movedTableMetadata } from '../../functions/core/table-format/iceberg/moved-table'
import type { TableMetadata } from '../../functions/core/table-format/iceberg/iceberg-model'

function table(location: string): TableMetadata {
  const { schema } = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }], 0)
  const metadata = newTableMetadata({ uuid: '00000000-0000-4000-8000-000000000000', location, schema, spec: partitionSpec(schema, []), now: new Date('2024-07-01T06:00:00Z') })
  return {
    ...metadata,
    snapshots: [{ 'snapshot-id': 1, 'sequence-number': 1, 'timestamp-ms': 0, 'manifest-list': `${location}/metadata/snap-1.avro`, summary: { operation: 'append' }, 'schema-id': 0 }],
    'metadata-log': [{ 'timestamp-ms': 0, 'metadata-file': `${location}/metadata/00000-a.metadata.json` }],
  }
}

describe('a table read from another folder than its metadata names', () => {
  it('names no former location for a table where its metadata says', () => {
    expect(formerLocations(table('file:///a/curated/orders'), 'file:///a/curated/orders')).toEqual([])
  })

  it('keeps every former location, the recorded ones too, and moves the metadata\'s own locations', () => {
    const copied = table('file:///a/curated/orders')
    const move = (l: string) => l.replace('file:///a/', 'file:///b/')
    const once = movedTableMetadata(copied, 'file:///b/curated/orders', formerLocations(copied, 'file:///b/curated/orders'), move)
    expect(once.location).toBe('file:///b/curated/orders')
    expect(once.snapshots[0]!['manifest-list']).toBe('file:///b/curated/orders/metadata/snap-1.avro')
    expect(once['metadata-log'][0]!['metadata-file']).toBe('file:///b/curated/orders/metadata/00000-a.metadata.json')
    expect(JSON.parse(once.properties[FORMER_LOCATIONS_PROPERTY]!)).toEqual(['file:///a/curated/orders'])
    // Moved again, after a commit wrote its metadata at b: both former folders are known.
    expect(formerLocations(once, 'file:///c/curated/orders')).toEqual(['file:///b/curated/orders', 'file:///a/curated/orders'])
  })
})
