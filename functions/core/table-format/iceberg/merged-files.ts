import { sourceOfDataFile } from './data-file-source'
import type { DataFile } from './iceberg-model'

/**
 * Data files that compaction merged from the parts of several source files. Every part a Load
 * publishes holds the rows of one version of one source file, and its name says which
 * (`<file id>-<publish id>-<n>.parquet`). A merged data file holds the rows of its member parts
 * one after the other, in order; its record names them with their row counts, so a source's
 * rows in it are known ranges, and cutting them out needs no column of the file. Curated keys:
 *
 *   _iceberg/<table>/merged/<name>.json          the record of merged data file <name>
 *   _iceberg/<table>/shared/<file id>/<name>     an index entry: <name> may hold rows of <file id>
 *
 * A source's index entries are listed when a commit changes the source, so the merged files
 * holding its old rows are found without reading the records of the table's other merged files.
 * An entry may outlive its merged file's place in the current snapshot (the snapshot decides);
 * expiry removes both once the file is deleted.
 */
export interface MergedFile {
  /** The merged data file's curated key. */
  key: string
  /** Its member parts in row order. */
  members: MergedMember[]
}

export interface MergedMember {
  /** The key the part was published at: its name names its source file and version. */
  part: string
  rows: number
}

/** A merged data file's name: `<compaction id>-<n>.parquet` (a published part's has three fields). */
export const isMergedDataFile = (keyOrPath: string) => /^[0-9a-z]+-\d{5}\.parquet$/.test(keyOrPath.slice(keyOrPath.lastIndexOf('/') + 1))

const nameOf = (key: string) => key.slice(key.lastIndexOf('/') + 1).replace(/\.parquet$/, '')

export const mergedRecordPrefix = (table: string) => `_iceberg/${table}/merged/`
export const mergedRecordKey = (table: string, mergedKey: string) => `${mergedRecordPrefix(table)}${nameOf(mergedKey)}.json`
export const sharedIndexPrefix = (table: string, fileId: string) => `_iceberg/${table}/shared/${fileId}/`
export const sharedIndexKey = (table: string, fileId: string, mergedKey: string) => `${sharedIndexPrefix(table, fileId)}${nameOf(mergedKey)}`

/** The source files (file ids) with rows in a merged data file. */
export const sourcesOf = (merged: MergedFile): string[] => [...new Set(merged.members.map((m) => sourceOfDataFile(m.part)))].sort()

/**
 * The parts whose rows a snapshot holds for `source`: its own data files, and its member parts in
 * the merged files given (those of the snapshot holding any of its rows). Sorted keys.
 */
export function originParts(source: string, ownKeys: string[], merged: MergedFile[]): string[] {
  const parts = [...ownKeys]
  for (const m of merged) for (const member of m.members) if (sourceOfDataFile(member.part) === source) parts.push(member.part)
  return parts.sort()
}

/**
 * A merged file without the rows of `dropped` sources: the row ranges that stay, and the members
 * they are. No range when nothing stays.
 */
export function cutMerged(merged: MergedFile, dropped: ReadonlySet<string>): { keepRows: [number, number][]; members: MergedMember[] } {
  const keepRows: [number, number][] = []
  const members: MergedMember[] = []
  let row = 0
  for (const member of merged.members) {
    if (!dropped.has(sourceOfDataFile(member.part))) {
      const last = keepRows[keepRows.length - 1]
      if (last && last[1] === row) last[1] = row + member.rows
      else keepRows.push([row, row + member.rows])
      members.push(member)
    }
    row += member.rows
  }
  return { keepRows, members }
}

/** The members a group of data files brings to the file merging them, in the group's order. */
export function membersOfGroup(files: { key: string; rows: number }[], records: Map<string, MergedFile>): MergedMember[] {
  return files.flatMap((f) => (isMergedDataFile(f.key) ? records.get(f.key)!.members : [{ part: f.key, rows: f.rows }]))
}

/** A merged data file's entry: the partition of the files it replaces, its rows and bytes. */
export function mergedDataFile(location: string, like: DataFile, rows: number, bytes: number): DataFile {
  return { path: location, source: sourceOfDataFile(location), recordCount: rows, sizeBytes: bytes, partition: like.partition }
}
