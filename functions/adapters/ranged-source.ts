import type { ObjectStore } from '../core/lake/object-store'
import type { PlannedFile } from '../core/lake/plan-files'
import type { RangedSource } from '../core/transform/transform-file-range'

/**
 * A raw object as a source read by byte ranges: ranged GETs where the store has them, else the
 * whole object read with the bytes outside the range skipped.
 */
export function rangedSource(raw: Pick<ObjectStore, 'read' | 'readRange'>, file: Pick<PlannedFile, 'key' | 'size'>): RangedSource {
  return {
    open: () => raw.read(file.key),
    size: file.size,
    openRange: (start, end) => readRange(raw, file.key, start, end),
  }
}

async function* readRange(raw: Pick<ObjectStore, 'read' | 'readRange'>, key: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (end <= start) return
  if (raw.readRange) {
    yield* raw.readRange(key, start, end)
    return
  }
  let at = 0
  for await (const chunk of raw.read(key)) {
    const from = Math.max(start - at, 0)
    const to = Math.min(end - at, chunk.length)
    if (to > from) yield chunk.subarray(from, to)
    at += chunk.length
    if (at >= end) return
  }
}
