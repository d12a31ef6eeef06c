import type { ObjectStore } from '../core/lake/object-store'
import { keyOfLocation } from './zone-locations'
import type { DataFile, Snapshot, TableMetadata } from '../core/table-format/iceberg/iceberg-model'
import { inheritSequenceNumbers, liveDataFiles, type LiveManifest } from '../core/table-format/iceberg/snapshot-plan'
import { decodeManifest, decodeManifestList } from './iceberg-avro'

/*
 * The file I/O of Iceberg tables in a zone of the lake: metadata, manifest lists and manifests
 * are addressed by absolute location (`store.location(key)`), as the spec wants, and read and
 * written by key.
 */

/** An object's bytes. */
export async function readBytes(store: ObjectStore, key: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.read(key)) chunks.push(chunk)
  return new Uint8Array(Buffer.concat(chunks))
}

/** Writes bytes to a key. */
export async function writeBytes(store: ObjectStore, key: string, bytes: Uint8Array): Promise<void> {
  const upload = await store.upload(key)
  try {
    await upload.write(bytes)
    await upload.close()
  } catch (error) {
    await upload.abort()
    throw error
  }
}

/** The table metadata in the file at `location`. */
export async function readTableMetadata(store: ObjectStore, location: string): Promise<TableMetadata> {
  const key = keyOfLocation(store, location)
  const text = await store.readText(key)
  if (text === undefined) throw new Error(`iceberg: metadata file ${location} is missing`)
  return JSON.parse(text) as TableMetadata
}

/** The manifests of a snapshot, decoded, with inherited sequence numbers filled in. */
export async function snapshotManifests(store: ObjectStore, snapshot: Snapshot | undefined): Promise<LiveManifest[]> {
  if (!snapshot) return []
  const list = await decodeManifestList(await readBytes(store, keyOfLocation(store, snapshot['manifest-list'])))
  return Promise.all(list.map(async (file) => ({ file, content: inheritSequenceNumbers(await decodeManifest(await readBytes(store, keyOfLocation(store, file.path)), file.path), file) })))
}

/** The data files a snapshot holds (none for a table without one). */
export async function snapshotDataFiles(store: ObjectStore, snapshot: Snapshot | undefined): Promise<DataFile[]> {
  return liveDataFiles(await snapshotManifests(store, snapshot))
}
