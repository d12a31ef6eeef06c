import { SluiceError } from '../../errors'
import type { DataFile } from './iceberg-model'
import type { TableChange } from './snapshot-plan'

/**
 * A commit lost the race to a snapshot that changed one of the same source files: applying it
 * again could bring back rows of a version the other commit replaced, so the caller plans the
 * file again instead.
 */
export class CommitConflictError extends SluiceError {}

/** The sources whose data files differ between two snapshots' file lists. */
export function changedSources(before: DataFile[], after: DataFile[]): Set<string> {
  const filesOf = (files: DataFile[]) => {
    const bySource = new Map<string, string[]>()
    for (const f of files) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.path])
    return new Map([...bySource].map(([s, paths]) => [s, paths.sort().join('\n')]))
  }
  const a = filesOf(before)
  const b = filesOf(after)
  return new Set([...new Set([...a.keys(), ...b.keys()])].filter((s) => a.get(s) !== b.get(s)))
}

/**
 * Checks that a change planned on the snapshot with `base` files may be applied again on the
 * newer snapshot with `current` files: it may, unless a source file it changes was changed by
 * the commits in between. Throws CommitConflictError naming the sources otherwise.
 */
export function assertRebasable(change: TableChange, base: DataFile[], current: DataFile[], table: string): void {
  const changed = changedSources(base, current)
  const clashes = change.sources.map((s) => s.source).filter((s) => changed.has(s))
  if (clashes.length > 0) {
    throw new CommitConflictError(`iceberg: a newer snapshot of ${table} changed source file(s) ${clashes.join(', ')} that this commit changes too`)
  }
}
