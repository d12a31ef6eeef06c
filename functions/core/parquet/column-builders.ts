
import type { AthenaType } from '../schema/athena-types'
/**
 * Typed-array column builders: one row group of one column, values held densely (nulls only
 * in `defined`), reused from group to group so a group allocates nothing once they have grown.
 */
export type ColumnBuilder = BooleanColumn | Int32Column | Int64Column | DoubleColumn | BigDecimalColumn | BytesColumn

abstract class BaseColumn {
  /** Rows in the group. */
  rows = 0
  /** Non-null values. */
  count = 0
  /** 1 where the row has a value. */
  defined: Uint8Array

  /**
   * `capacity` rows to start with (the arrays grow by doubling): small for the builders of
   * one partition among many, so that opening a partition costs little memory.
   */
  constructor(capacity = 1024) {
    this.defined = new Uint8Array(capacity)
  }

  abstract appendNull(): void

  reset(): void {
    this.rows = 0
    this.count = 0
  }
}

/*
 * Each class below spells out its own row bookkeeping (`defined`, `rows`, `count`) rather
 * than calling a shared method: V8 keeps type feedback per function, so a method shared by
 * six classes sees six shapes at every property access of every cell.
 */

export class BooleanColumn extends BaseColumn {
  readonly kind = 'boolean'
  values = new Uint8Array(this.defined.length)

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  append(value: boolean): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value ? 1 : 0
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
    this.count += 1
  }
}

/** INT32: int, date (days), decimal up to 9 digits (unscaled). */
export class Int32Column extends BaseColumn {
  readonly kind = 'int32'
  values = new Int32Array(this.defined.length)

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  append(value: number): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
    this.count += 1
  }
}

/**
 * INT64: bigint, timestamp (µs), decimal up to 18 digits (unscaled). Values are doubles
 * while exact; the rare value beyond 2^53 is kept as a bigint beside them.
 */
export class Int64Column extends BaseColumn {
  readonly kind = 'int64'
  values = new Float64Array(this.defined.length)
  big: Map<number, bigint> | undefined

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  append(value: number | bigint): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    if (typeof value === 'bigint') {
      if (value >= -MAX_SAFE && value <= MAX_SAFE) {
        this.values[this.count] = Number(value)
      } else {
        ;(this.big ??= new Map()).set(this.count, value)
        this.values[this.count] = 0
      }
    } else {
      this.values[this.count] = value
    }
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
    this.count += 1
  }

  override reset(): void {
    super.reset()
    this.big = undefined
  }
}

export class DoubleColumn extends BaseColumn {
  readonly kind = 'double'
  values = new Float64Array(this.defined.length)

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  append(value: number): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
    this.count += 1
  }
}

/** decimal(19..38): FIXED_LEN_BYTE_ARRAY; unscaled values as bigints (rare enough). */
export class BigDecimalColumn extends BaseColumn {
  readonly kind = 'bigdecimal'
  values: bigint[] = []

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  append(value: number | bigint): void {
    this.values[this.count] = BigInt(value)
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
    this.count += 1
  }

  override reset(): void {
    super.reset()
    this.values = []
  }
}

/**
 * Strings as UTF-8 bytes, each distinct value stored once while the column looks like a
 * dictionary: value i is entry `entryOf(i)`, and entry k lies in `bytes[ends[k-1], ends[k])`.
 * A value is looked up (a hash of its bytes, open addressing) before it is copied, so a
 * repeated value costs no copy, and the encoder gets the dictionary as it stands. Once more
 * than DISTINCT_SHARE of LOOKUP_VALUES or more values are distinct, lookups stop for the
 * rest of the row group: every further value gets the next entry (no index is kept for it),
 * and the chunk is written PLAIN. An entry whose values were all dropped (rejected rows)
 * stays, unused, while lookups go on.
 */
export class BytesColumn extends BaseColumn {
  readonly kind = 'bytes'
  bytes = new Uint8Array(64 * this.defined.length)
  /** Bytes used in `bytes`. */
  size = 0
  /** Entries stored. */
  entries = 0
  ends = new Int32Array(this.defined.length)
  /** Each value's entry, for the values before `plainFrom`. */
  indexes = new Int32Array(this.defined.length)
  /** Values are still looked up among the entries: the chunk may be a dictionary. */
  dictionary = true
  /** The first value after lookups stopped (-1 while they go on), and its entry. */
  private plainFrom = -1
  private plainEntry = 0
  private hashes = new Int32Array(this.defined.length)
  private slots = new Int32Array(4 * this.defined.length).fill(-1)
  /** Values looked up before the current ones since the entries were last cleared (kept by `resetValues`). */
  private lookedBefore = 0
  /** Counts the times the entries were cleared: an entry number names the same bytes while it stays. */
  entriesGeneration = 0

  appendNull(): void {
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 0
  }

  /** Appends `source[start, end)` as one value. */
  appendBytes(source: Uint8Array, start: number, end: number): void {
    const n = end - start
    if (!this.dictionary) {
      this.reserve(n)
      const bytes = this.bytes
      const at = this.size
      for (let k = 0; k < n; k++) bytes[at + k] = source[start + k]
      this.size = at + n
      this.plainValue()
      return
    }
    const h = hashBytes(source, start, end)
    const found = this.find(h, source, start, n)
    if (found >= 0) return this.value(found)
    this.reserve(n)
    const bytes = this.bytes
    const at = this.size
    for (let k = 0; k < n; k++) bytes[at + k] = source[start + k]
    this.size = at + n
    this.added(-found - 1, h)
  }

  /** Appends a quoted field's bytes as one value, each doubled quote made one. */
  appendUnescaped(source: Uint8Array, start: number, end: number, quote: number): void {
    // Unescaped where a new entry would go, then looked up: kept only if it is new.
    this.reserve(end - start)
    const bytes = this.bytes
    const from = this.size
    let at = from
    for (let k = start; k < end; k++) {
      const b = source[k]
      bytes[at++] = b
      if (b === quote && source[k + 1] === quote) k += 1
    }
    if (!this.dictionary) {
      this.size = at
      this.plainValue()
      return
    }
    const h = hashBytes(bytes, from, at)
    const found = this.find(h, bytes, from, at - from)
    if (found >= 0) return this.value(found)
    this.size = at
    this.added(-found - 1, h)
  }

  /** The entry holding `source[start, start + n)` (hash `h`), or -(free slot + 1). */
  private find(h: number, source: Uint8Array, start: number, n: number): number {
    const slots = this.slots
    const mask = slots.length - 1
    let slot = (h ^ (h >>> 15)) & mask
    for (let e = slots[slot]; e !== -1; e = slots[slot]) {
      if (this.hashes[e] === h && this.holds(e, source, start, n)) return e
      slot = (slot + 1) & mask
    }
    return -slot - 1
  }

  appendString(text: string): void {
    const bytes = Buffer.from(text, 'utf8')
    this.appendBytes(bytes, 0, bytes.length)
  }

  /**
   * Appends a value equal to entry k, an entry this column holds; only while lookups go on
   * (`dictionary`), for a caller that found k before (the value just appended is entry
   * `entryOf(count - 1)`).
   */
  appendEntry(k: number): void {
    this.value(k)
  }

  /** Where entry k starts in `bytes`. */
  entryStart(k: number): number {
    return k === 0 ? 0 : this.ends[k - 1]
  }

  /** The entry of value i. */
  entryOf(i: number): number {
    return this.plainFrom < 0 || i < this.plainFrom ? this.indexes[i] : this.plainEntry + (i - this.plainFrom)
  }

  /**
   * Called once `count` was cut back (rejected rows): after lookups stopped, the entries of the
   * values cut are dropped too, so the next value's entry follows on.
   */
  valuesCut(): void {
    if (this.plainFrom < 0) return
    if (this.count < this.plainFrom) this.plainFrom = this.count
    this.entries = this.plainEntry + (this.count - this.plainFrom)
    this.size = this.entries === 0 ? 0 : this.ends[this.entries - 1]
  }

  override reset(): void {
    super.reset()
    this.lookedBefore = 0
    this.entriesGeneration += 1
    this.size = 0
    this.entries = 0
    this.plainFrom = -1
    this.plainEntry = 0
    if (this.slots.length === 0) this.slots = new Int32Array(4096)
    this.slots.fill(-1)
    this.dictionary = true
  }

  /**
   * Starts the next values keeping the entries and their lookups, so that an entry number names
   * the same bytes across the sets of values (a staging builder whose values move elsewhere after
   * every stretch); a full `reset` when lookups have stopped or the entries passed `maxEntries`
   * or `maxBytes`.
   */
  resetValues(maxEntries: number, maxBytes: number): void {
    if (!this.dictionary || this.entries > maxEntries || this.size > maxBytes) return this.reset()
    this.lookedBefore += this.count
    super.reset()
  }

  /** Entry e holds exactly `source[start, start + n)`. */
  private holds(e: number, source: Uint8Array, start: number, n: number): boolean {
    const s = e === 0 ? 0 : this.ends[e - 1]
    if (this.ends[e] - s !== n) return false
    const bytes = this.bytes
    for (let k = 0; k < n; k++) if (bytes[s + k] !== source[start + k]) return false
    return true
  }

  /** Closes the bytes just stored as a new entry (with its hash, for lookups); returns it. */
  private entry(hash: number): number {
    const e = this.entries++
    if (e === this.ends.length) this.ends = grow(this.ends)
    this.ends[e] = this.size
    // Hashes only while values are looked up: a PLAIN chunk of unique values needs none.
    if (this.dictionary) {
      if (e === this.hashes.length) this.hashes = grow(this.hashes)
      this.hashes[e] = hash
    }
    return e
  }

  /** A new entry found free at `slot`: stored, looked up from now on, and the value added. */
  private added(slot: number, hash: number): void {
    const e = this.entry(hash)
    this.slots[slot] = e
    this.value(e)
    const looked = this.lookedBefore + this.count
    if (looked >= LOOKUP_VALUES && this.entries > looked * DISTINCT_SHARE) {
      this.dictionary = false
      this.slots = new Int32Array(0)
      this.plainFrom = this.count
      this.plainEntry = this.entries
    } else if (this.entries * 2 > this.slots.length) this.rehash()
  }

  /** The bytes just stored, as a value of their own (lookups have stopped). */
  private plainValue(): void {
    this.entry(0)
    this.count += 1
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
  }

  private value(e: number): void {
    if (this.count === this.indexes.length) this.indexes = grow(this.indexes)
    this.indexes[this.count++] = e
    if (this.rows === this.defined.length) this.defined = grow(this.defined)
    this.defined[this.rows++] = 1
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1)
    const mask = slots.length - 1
    for (let e = 0; e < this.entries; e++) {
      const h = this.hashes[e]
      let slot = (h ^ (h >>> 15)) & mask
      while (slots[slot] !== -1) slot = (slot + 1) & mask
      slots[slot] = e
    }
    this.slots = slots
  }

  private reserve(n: number): void {
    if (this.size + n <= this.bytes.length) return
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.size + n))
    next.set(this.bytes.subarray(0, this.size))
    this.bytes = next
  }
}

/**
 * A hash of `bytes[s, e)` for the lookup table, four bytes a step: each step's multiply waits
 * for the last, so four bytes a step make that chain four times shorter than FNV-1a's byte a step.
 */
function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = e - s
  let k = s
  for (; k + 4 <= e; k += 4) {
    h = Math.imul(h ^ (bytes[k] | (bytes[k + 1] << 8) | (bytes[k + 2] << 16) | (bytes[k + 3] << 24)), 0x9e3779b1)
    h ^= h >>> 15
  }
  for (; k < e; k++) h = Math.imul(h ^ bytes[k], 0x01000193)
  return h ^ (h >>> 13)
}

/** Lookups go on while distinct values are at most this share of the values… */
export const DISTINCT_SHARE = 0.4
/** …counted from this many values on. */
const LOOKUP_VALUES = 16384

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(array.length * 2)
  next.set(array)
  return next
}

/** The builder for one Athena type, with room for `capacity` rows to start with. */
export function columnBuilder(type: AthenaType, capacity = 1024): ColumnBuilder {
  switch (type.kind) {
    case 'boolean':
      return new BooleanColumn(capacity)
    case 'int':
    case 'date':
      return new Int32Column(capacity)
    case 'bigint':
    case 'timestamp':
      return new Int64Column(capacity)
    case 'double':
      return new DoubleColumn(capacity)
    case 'decimal':
      return type.precision <= 9 ? new Int32Column(capacity) : type.precision <= 18 ? new Int64Column(capacity) : new BigDecimalColumn(capacity)
    case 'string':
      return new BytesColumn(capacity)
  }
}
