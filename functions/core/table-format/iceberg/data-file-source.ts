/**
 * The source file a data file belongs to, by sluice's part naming
 * (`<file id>-<publish id>-<n>.parquet`, lake-layout.ts): the file id, which every version of
 * one raw file shares.
 */
export function sourceOfDataFile(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dash = name.indexOf('-')
  return dash > 0 ? name.slice(0, dash) : name
}
