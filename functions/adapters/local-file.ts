import { createReadStream, createWriteStream, statSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { partitionSegments } from '../core/lake/lake-layout'
import { fileWriter, type FileWriter } from './file-writer'
import { dirname } from 'node:path'
import type { ByteSource } from '../core/csv/byte-stream'
import type { PartOutput, PartSink } from '../core/parquet/part-sink'

/** A file on disk as a re-openable byte source, readable by byte range too. */
export function fileByteSource(path: string): ByteSource {
  return {
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    size: statSync(path).size,
    // createReadStream's `end` is inclusive.
    openRange: (start, end) => (end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 }) : emptyStream()),
  }
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}

/**
 * Writes parts next to each other on disk. Data part 0 is `out` itself; later parts are
 * `<out without .parquet>-<n>.parquet`; a partitioned table's parts are
 * `<out without .parquet>.<column>=<value>[-<n>].parquet`. Rejects go to `rejects` (default
 * `<out without .parquet>.rejects.parquet`), numbered the same way.
 */
export function localFilePartSink(opts: { out: string; rejects?: string }): PartSink {
  const written = new Map<string, FileWriter>()
  const stem = (p: string) => p.replace(/\.parquet$/i, '')
  const rejectsPath = opts.rejects ?? `${stem(opts.out)}.rejects.parquet`
  const partPath = (base: string, index: number, partition?: Record<string, string>) => {
    const tag = partition ? `.${partitionSegments(partition).join('.')}` : ''
    return index === 0 && !tag ? base : `${stem(base)}${tag}${index > 0 ? `-${index}` : ''}.parquet`
  }
  return {
    async openPart(kind, index, partition) {
      const path = partPath(kind === 'data' ? opts.out : rejectsPath, index, partition)
      await mkdir(dirname(path), { recursive: true })
      const writer = fileWriter(createWriteStream(path))
      written.set(path, writer)
      return fileOutput(path, writer)
    },
    async discard(only) {
      const dropped = [...written].filter(([path]) => only === undefined || !path.startsWith(stem(rejectsPath)))
      await Promise.all(dropped.map(([, w]) => w.destroy()))
      await Promise.all(dropped.map(([p]) => rm(p, { force: true })))
      for (const [p] of dropped) written.delete(p)
    },
  }
}

function fileOutput(path: string, writer: FileWriter): PartOutput {
  return {
    write: (chunk) => writer.write(chunk),
    async close() {
      await writer.end()
      return path
    },
  }
}
