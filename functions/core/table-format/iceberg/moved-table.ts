import type { TableMetadata } from './iceberg-model'

/**
 * A table property: the locations a table had before (a JSON list), for a local lake copied or
 * moved. sluice's own, as Iceberg's metadata names every file by absolute location.
 */
export const FORMER_LOCATIONS_PROPERTY = 'sluice.former-locations'

/** The locations the table had other than `current` (its folder now, without a trailing `/`). */
export function formerLocations(metadata: TableMetadata, current: string): string[] {
  const recorded = JSON.parse(metadata.properties[FORMER_LOCATIONS_PROPERTY] ?? '[]') as string[]
  return [...new Set([metadata.location, ...recorded])].filter((l) => l !== current)
}

/**
 * The metadata of a table now at `current`: its location, its snapshots' manifest lists and its
 * metadata log moved by `move`, and its former locations recorded.
 */
export function movedTableMetadata(metadata: TableMetadata, current: string, formers: string[], move: (location: string) => string): TableMetadata {
  return {
    ...metadata,
    location: current,
    snapshots: metadata.snapshots.map((s) => ({ ...s, 'manifest-list': move(s['manifest-list']) })),
    'metadata-log': metadata['metadata-log'].map((m) => ({ ...m, 'metadata-file': move(m['metadata-file']) })),
    properties: { ...metadata.properties, [FORMER_LOCATIONS_PROPERTY]: JSON.stringify(formers) },
  }
}
