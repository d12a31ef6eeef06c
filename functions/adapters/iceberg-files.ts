import type { ObjectStore } from '../core/lake/object-store'
import { keyOfLocation, rebaseLocation, registerMovedTable } from './zone-locations'
import { formerLocations, movedTableMetadata } from '../core/table-format/iceberg/moved-table'
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

/**
 * The table metadata in the file at `location`. A table whose metadata names another location
 * than its folder in this zone now (a local lake copied or moved) is read where it is: its former
 * locations are registered for the zone, its metadata's own locations moved, and the former ones
 * kept in a table property, so that a commit carries them on and older manifests still resolve.
 */
export async function readTableMetadata(store: ObjectStore, location: string): Promise<TableMetadata> {
  const key = keyOfLocation(store, location)
  const text = await store.readText(key)
  if (text === undefined) throw new Error(`iceberg: metadata file ${location} is missing`)
  const metadata = JSON.parse(text) as TableMetadata
  const folder = key.lastIndexOf('metadata/')
  if (folder < 0) return metadata
  const current = store.location(key.slice(0, folder)).replace(/\/$/, '')
  const formers = formerLocations(metadata, current)
  if (formers.length === 0) return metadata
  for (const former of formers) registerMovedTable(store, `${former}/`, `${current}/`)
  return movedTableMetadata(metadata, current, formers, (l) => rebaseLocation(store, l))
}

/** The manifests of a snapshot, decoded, with inherited sequence numbers filled in. */
export async function snapshotManifests(store: ObjectStore, snapshot: Snapshot | undefined): Promise<LiveManifest[]> {
  if (!snapshot) return []
  const list = (await decodeManifestList(await readBytes(store, keyOfLocation(store, snapshot['manifest-list'])))).map((file) => ({ ...file, path: rebaseLocation(store, file.path) }))
  return Promise.all(list.map(async (file) => {
    const content = await decodeManifest(await readBytes(store, keyOfLocation(store, file.path)), file.path)
    const entries = content.entries.map((e) => ({ ...e, file: { ...e.file, path: rebaseLocation(store, e.file.path) } }))
    return { file, content: inheritSequenceNumbers({ ...content, entries }, file) }
  }))
}

/** The data files a snapshot holds (none for a table without one). */
export async function snapshotDataFiles(store: ObjectStore, snapshot: Snapshot | undefined): Promise<DataFile[]> {
  return liveDataFiles(await snapshotManifests(store, snapshot))
}
