import { parseAthenaType, type AthenaType } from '../core/schema/athena-types'
import type { CatalogColumn } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import { readableAs } from '../core/schema/type-widening'
import type { StagedFile } from './publish-file'
import { rebuildPrefix } from '../core/lake/generation'
import type { BuiltFile } from './swap-generation'
import { rewriteStoredPart } from './rewrite-stored-part'

/** The table's column types by name (the ones sluice writes). */
export function tableTypes(columns: CatalogColumn[]): Map<string, AthenaType> {
  return new Map(columns.flatMap((c) => {
    const t = parseAthenaType(c.Type)
    return t ? [[c.Name, t] as const] : []
  }))
}

/**
 * A staged file in the table's types: a file of the batch written with a narrower type than
 * the table has after the batch (another file widened it, or another execution did since this
 * one was planned) has its staged data parts rewritten beside them, in the staging area, before
 * it is published. A file the table's readers read as it is (`keepsParts`: Athena's rule for a
 * Hive table, Iceberg's promotions for an Iceberg one) comes back unchanged.
 */
export async function conformStaged(
  curated: ObjectStore, staged: StagedFile, columns: CatalogColumn[], keepsParts: (written: AthenaType, table: AthenaType) => boolean = readableAs,
): Promise<StagedFile> {
  const types = tableTypes(columns)
  const narrower = staged.stats.columns.filter((c) => {
    const table = types.get(c.name)
    const written = parseAthenaType(c.type)
    return table && written && !keepsParts(written, table)
  })
  if (narrower.length === 0) return staged
  const parts = []
  for (const part of staged.stats.parts) {
    const to = part.key.replace(/(\.parquet)?$/, '.widened.parquet')
    const rewritten = await rewriteStoredPart(curated, part.key, to, types)
    parts.push(rewritten ? { ...part, key: to, bytes: (await curated.head(to))?.size ?? part.bytes } : part)
  }
  const widened = new Set(narrower.map((c) => c.name))
  return {
    ...staged,
    stats: {
      ...staged.stats,
      parts,
      columns: staged.stats.columns.map((c) => (widened.has(c.name) ? { ...c, type: columns.find((x) => x.Name === c.name)!.Type } : c)),
    },
  }
}

/**
 * Brings the data parts of a rebuild's built files to the types of its table, in place, before
 * the generation is swapped in: a later batch of the rebuild may have widened a column after
 * earlier files were built. Idempotent: a part already in the table's types is left alone.
 */
export async function conformBuilt(curated: ObjectStore, dataset: string, generation: string, columns: CatalogColumn[]): Promise<void> {
  const types = tableTypes(columns)
  for await (const o of curated.list(rebuildPrefix(dataset, generation))) {
    if (!o.key.endsWith('.built.json')) continue
    const text = await curated.readText(o.key)
    if (!text) continue
    const { staged, published } = JSON.parse(text) as BuiltFile
    if (!staged.stats.columns.some((c) => types.has(c.name) && types.get(c.name) && c.type !== columns.find((x) => x.Name === c.name)?.Type)) continue
    // Data parts come first among a publish's outputs, in the order of the staged parts.
    for (const key of published.outputs.slice(0, staged.stats.parts.length)) await rewriteStoredPart(curated, key, key, types)
  }
}
