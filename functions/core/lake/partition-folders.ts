/**
 * The folders of a curated table's partitions, as keys: a partition's home is where loads first
 * put it (`<table>/<k>=<v>/…/`), and a compaction moves it to `<table>/compacted/<cid>/<k>=<v>/…/`
 * (compaction-layout.ts says why). Key rules only, so that the lake's other rules (a widening's
 * new generation, a reprocess) name a part's partition without depending on compaction.
 */
const COMPACTED = 'compacted'

/** The folder compaction `cid` builds for a home. */
export function compactedFolder(home: string, cid: string): string {
  const [table, ...rest] = home.split('/')
  return [table, COMPACTED, cid, ...rest].join('/')
}

/** The folder of a curated key (its partition location as a prefix). */
export const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1)

/** The home of the partition a curated key belongs to, whichever folder it is in. */
export function homeOf(key: string): string {
  const segments = folderOf(key).split('/')
  return (segments[1] === COMPACTED ? [segments[0], ...segments.slice(3)] : segments).join('/')
}
