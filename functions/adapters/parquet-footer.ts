import { parquetMetadata } from 'hyparquet'
import type { ObjectStore } from '../core/lake/object-store'

/** The bytes of a part's tail fetched first: most sluice footers fit, so one read suffices. */
const TAIL_BYTES = 64 * 1024

/**
 * The rows and bytes of a Parquet object, from its footer: two ranged reads at most (the tail,
 * then the whole footer when it is longer), never the data. Undefined when the object is gone.
 */
export async function parquetFacts(store: Pick<ObjectStore, 'head' | 'read' | 'readRange'>, key: string): Promise<{ rows: number; bytes: number } | undefined> {
  const info = await store.head(key)
  if (!info) return undefined
  const size = info.size
  const read = async (start: number, end: number) => {
    const chunks: Uint8Array[] = []
    for await (const c of store.readRange ? store.readRange(key, start, end) : store.read(key)) chunks.push(c)
    const all = Buffer.concat(chunks)
    return store.readRange ? all : all.subarray(start, end)
  }
  let tail = await read(Math.max(0, size - TAIL_BYTES), size)
  const footer = tail.readUInt32LE(tail.length - 8) + 8
  if (footer > tail.length) tail = await read(size - footer, size)
  const bytes = tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.length) as ArrayBuffer
  return { rows: Number(parquetMetadata(bytes).num_rows), bytes: size }
}
