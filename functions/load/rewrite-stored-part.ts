import type { AsyncBuffer } from 'hyparquet'
import type { ObjectStore } from '../core/lake/object-store'
import { mergeParts } from '../core/parquet/merge-parts'
import { partColumns, readableUnder, rewritePart } from '../core/parquet/rewrite-part'
import type { AthenaType } from '../core/schema/athena-types'
import type { PartSink } from '../core/parquet/part-sink'

/**
 * Puts a part at `to` in the table's types: a server-side copy when Athena reads it as it is
 * (same types, or int under bigint), else a rewrite (rewrite-part.ts). A part is at most a
 * part's size (the transform's part bound), so it is read whole. `to` may be `from` for a part
 * no reader sees yet. Returns whether it was rewritten.
 */
export async function rewriteStoredPart(curated: ObjectStore, from: string, to: string, table: Map<string, AthenaType>): Promise<boolean> {
  const file = await readWhole(curated, from)
  if (readableUnder(await partColumns(file), table)) {
    if (from !== to) await curated.copy(from, to)
    return false
  }
  await rewritePart(file, table, uploadSink(curated, to))
  return true
}

/**
 * Cuts the rows of one raw file (`source`: its `_sluice_source`, or `source` in a rejects part)
 * out of a compacted part shared with other files, into a part of its own at `to`, in the
 * table's types. Returns whether a cast was needed.
 */
export async function cutSharedPart(curated: ObjectStore, from: string, to: string, source: string, table: Map<string, AthenaType>): Promise<boolean> {
  const whole = await readWhole(curated, from)
  const own = (await mergeParts([{ bytes: new Uint8Array(whole.slice(0, whole.byteLength) as ArrayBuffer), keep: new Set([source]) }])).bytes
  const buffer = own.buffer.slice(own.byteOffset, own.byteOffset + own.byteLength) as ArrayBuffer
  const cut: AsyncBuffer = { byteLength: buffer.byteLength, slice: (start: number, end?: number) => buffer.slice(start, end) }
  if (readableUnder(await partColumns(cut), table)) {
    const upload = await curated.upload(to)
    await upload.write(own)
    await upload.close()
    return false
  }
  await rewritePart(cut, table, uploadSink(curated, to))
  return true
}

/** Whether the part at `key` needs a rewrite to be read under the table's types. */
export async function partNeedsRewrite(curated: ObjectStore, key: string, table: Map<string, AthenaType>): Promise<boolean> {
  return !readableUnder(await partColumns(await readWhole(curated, key)), table)
}

async function readWhole(curated: ObjectStore, key: string): Promise<AsyncBuffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of curated.read(key)) chunks.push(chunk)
  const bytes = Buffer.concat(chunks)
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return { byteLength: buffer.byteLength, slice: (start: number, end?: number) => buffer.slice(start, end) }
}

/** A sink whose one part is uploaded to `key`. */
function uploadSink(curated: ObjectStore, key: string): PartSink {
  return {
    async openPart() {
      const upload = await curated.upload(key)
      return {
        write: (chunk) => upload.write(chunk),
        async close() {
          await upload.close()
          return key
        },
      }
    },
    async discard() {},
  }
}
