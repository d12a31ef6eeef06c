import { createHash } from 'node:crypto'
import type { TableInput } from './catalog'
import { ledgerPrefix, versionId } from './ledger'

/**
 * Generations of a dataset: `sluice reprocess` rebuilds a dataset's table from its raw files
 * into a new generation, next to the live one, then swaps it in. The live generation is a
 * parameter of the table's catalog entry (empty for a table never rebuilt), so the one catalog
 * write that swaps the table's columns and location also says which generation is live.
 *
 * - Parts of generation `g` live under `<table>/gen=<g>/…`; those of a table never rebuilt
 *   under `<table>/…`. Partitions of another generation are never registered.
 * - Every ledger head records the generation its parts belong to. The planner treats a version
 *   committed in a generation that is no longer live as not loaded, so a file committed in
 *   the old generation while a rebuild ran is loaded again into the new one.
 * - While it is built, a generation's catalog and its built files are kept under
 *   `_ledger/<dataset>/_rebuild/<g>/` (never a ledger key the planner reads as a file's).
 */

/** Table parameter naming the live generation. */
export const GENERATION_PARAMETER = 'sluice.generation'

/** The live generation of a table: empty for a table that was never rebuilt, or none. */
export const generationOf = (table: TableInput | undefined): string => table?.Parameters[GENERATION_PARAMETER] ?? ''

/**
 * A table's definition moved to another generation with none of its rows: its columns and
 * partition keys, at `location` (the generation's prefix), naming the generation.
 */
export function emptyInGeneration(table: TableInput, location: string, generation: string): TableInput {
  return {
    ...table,
    StorageDescriptor: { ...table.StorageDescriptor, Location: location },
    Parameters: { ...table.Parameters, [GENERATION_PARAMETER]: generation },
  }
}

/**
 * The generation a reprocess execution builds: the same for the run and its successors
 * (`<run>-c2`, …), which continue one rebuild, and different for any other execution.
 */
export function generationFor(runId: string): string {
  const root = runId.replace(/-c\d+$/, '')
  return createHash('sha256').update(`generation\n${root}`).digest('hex').slice(0, 12)
}

/** Key prefix of a table's parts in a generation: `<table>` or `<table>/gen=<g>`, without the final `/`. */
export const tableBase = (table: string, generation: string) => (generation ? `${table}/gen=${generation}` : table)

/** Where a rebuild keeps its state while it runs. */
export const rebuildPrefix = (dataset: string, generation: string) => `${ledgerPrefix(dataset)}_rebuild/${generation}/`

/** The shadow catalog of a rebuild: the new generation's tables and partitions. */
export const shadowCatalogKey = (dataset: string, generation: string) => `${rebuildPrefix(dataset, generation)}catalog.json`

/** A file version built into a generation, waiting for the swap. */
export const builtKey = (dataset: string, generation: string, fileId: string, etag: string) =>
  `${rebuildPrefix(dataset, generation)}${fileId}--${versionId(etag)}.built.json`

/** `<file id>--<version id>` of a built key, or undefined for any other key. */
export function parseBuiltKey(key: string): string | undefined {
  return /\/([0-9a-f]+--[0-9a-f]+)\.built\.json$/.exec(key)?.[1]
}
