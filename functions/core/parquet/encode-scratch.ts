import { ByteWriter } from 'hyparquet-writer'

/**
 * Working memory of the column encoder, reused from chunk to chunk and row group to row group.
 * Encoding a chunk is synchronous and every page is copied out (compressed, or appended to
 * the row group) before the next one is built, so one set per thread is enough. Without it a
 * row group left megabytes of short-lived ArrayBuffers behind (dictionary tables, page bodies,
 * levels), which V8 frees only at its next collection: peak memory then crept up with the
 * length of the file instead of staying at what one row group needs.
 */
class Slot<T extends Uint8Array | Int32Array | Float64Array> {
  private array: T
  constructor(private readonly make: (n: number) => T) {
    this.array = make(1024)
  }

  /** A view of `n` elements; its contents are whatever the last user left. */
  take(n: number): T {
    if (this.array.length < n) this.array = this.make(Math.max(n, this.array.length * 2))
    return this.array.subarray(0, n) as T
  }
}

/** A ByteWriter emptied for reuse: its buffer stays (and only ever grows). */
function reused(writer: ByteWriter): ByteWriter {
  writer.offset = 0
  writer.index = 0
  return writer
}

const writers = { levels: new ByteWriter(64 * 1024), indexes: new ByteWriter(64 * 1024), page: new ByteWriter(256 * 1024), group: new ByteWriter(1024 * 1024) }

export const scratch = {
  /** Open-addressing table of a dictionary. */
  slots: new Slot((n) => new Int32Array(n)),
  /** The entries a string chunk uses. */
  entries: new Slot((n) => new Int32Array(n)),
  /** Dictionary entries: values of an integer chunk. */
  numbers: new Slot((n) => new Float64Array(n)),
  /** Each value's dictionary index. */
  indexes: new Slot((n) => new Int32Array(n)),
  /** PLAIN values of a page. */
  values: new Slot((n) => new Uint8Array(n)),
  /** Definition levels of a page. */
  levels: () => reused(writers.levels),
  /** RLE/bit-packed dictionary indexes of a page. */
  indexWriter: () => reused(writers.indexes),
  /** A page's levels followed by its values, before compression. */
  page: () => reused(writers.page),
  /** The encoded row group, copied out once at its exact size. */
  group: () => reused(writers.group),
}
