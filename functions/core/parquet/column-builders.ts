import type { AthenaType } from '../transform-types'

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
  defined = new Uint8Array(1024)

  protected growRows(): void {
    if (this.rows < this.defined.length) return
    const next = new Uint8Array(this.defined.length * 2)
    next.set(this.defined)
    this.defined = next
  }

  appendNull(): void {
    this.growRows()
    this.defined[this.rows++] = 0
  }

  /** Marks one more row as holding the value just stored at index `count`. */
  protected mark(): void {
    this.growRows()
    this.defined[this.rows++] = 1
    this.count += 1
  }

  reset(): void {
    this.rows = 0
    this.count = 0
  }
}

export class BooleanColumn extends BaseColumn {
  readonly kind = 'boolean'
  values = new Uint8Array(1024)

  append(value: boolean): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value ? 1 : 0
    this.mark()
  }
}

/** INT32: int, date (days), decimal up to 9 digits (unscaled). */
export class Int32Column extends BaseColumn {
  readonly kind = 'int32'
  values = new Int32Array(1024)

  append(value: number): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value
    this.mark()
  }
}

/**
 * INT64: bigint, timestamp (µs), decimal up to 18 digits (unscaled). Values are doubles
 * while exact; the rare value beyond 2^53 is kept as a bigint beside them.
 */
export class Int64Column extends BaseColumn {
  readonly kind = 'int64'
  values = new Float64Array(1024)
  big: Map<number, bigint> | undefined

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
    this.mark()
  }

  override reset(): void {
    super.reset()
    this.big = undefined
  }
}

export class DoubleColumn extends BaseColumn {
  readonly kind = 'double'
  values = new Float64Array(1024)

  append(value: number): void {
    if (this.count === this.values.length) this.values = grow(this.values)
    this.values[this.count] = value
    this.mark()
  }
}

/** decimal(19..38): FIXED_LEN_BYTE_ARRAY; unscaled values as bigints (rare enough). */
export class BigDecimalColumn extends BaseColumn {
  readonly kind = 'bigdecimal'
  values: bigint[] = []

  append(value: number | bigint): void {
    this.values[this.count] = BigInt(value)
    this.mark()
  }

  override reset(): void {
    super.reset()
    this.values = []
  }
}

/** Strings as UTF-8 bytes, end to end: `ends[i]` is where value i ends in `bytes`. */
export class BytesColumn extends BaseColumn {
  readonly kind = 'bytes'
  bytes = new Uint8Array(64 * 1024)
  /** Bytes used in `bytes`. */
  size = 0
  ends = new Int32Array(1024)

  /** FNV-1a hash of each value's bytes, made while copying them: the dictionary uses it. */
  hashes = new Int32Array(1024)

  /** Copies `source[start, end)` as one value. */
  appendBytes(source: Uint8Array, start: number, end: number): void {
    const n = end - start
    this.reserve(n)
    const bytes = this.bytes
    const at = this.size
    let h = 0x811c9dc5
    for (let k = 0; k < n; k++) {
      const b = source[start + k]
      bytes[at + k] = b
      h = Math.imul(h ^ b, 16777619)
    }
    this.size = at + n
    this.close(h)
  }

  /** Copies a quoted field's bytes, turning each doubled quote into one. */
  appendUnescaped(source: Uint8Array, start: number, end: number, quote: number): void {
    this.reserve(end - start)
    let at = this.size
    let h = 0x811c9dc5
    for (let k = start; k < end; k++) {
      const b = source[k]
      this.bytes[at++] = b
      h = Math.imul(h ^ b, 16777619)
      if (b === quote && source[k + 1] === quote) k += 1
    }
    this.size = at
    this.close(h)
  }

  appendString(text: string): void {
    const bytes = Buffer.from(text, 'utf8')
    this.appendBytes(bytes, 0, bytes.length)
  }

  override reset(): void {
    super.reset()
    this.size = 0
  }

  private reserve(n: number): void {
    if (this.size + n <= this.bytes.length) return
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.size + n))
    next.set(this.bytes.subarray(0, this.size))
    this.bytes = next
  }

  private close(hash: number): void {
    if (this.count === this.ends.length) {
      this.ends = grow(this.ends)
      this.hashes = grow(this.hashes)
    }
    this.ends[this.count] = this.size
    this.hashes[this.count] = hash
    this.mark()
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(array.length * 2)
  next.set(array)
  return next
}

/** The builder for one Athena type. */
export function columnBuilder(type: AthenaType): ColumnBuilder {
  switch (type.kind) {
    case 'boolean':
      return new BooleanColumn()
    case 'int':
    case 'date':
      return new Int32Column()
    case 'bigint':
    case 'timestamp':
      return new Int64Column()
    case 'double':
      return new DoubleColumn()
    case 'decimal':
      return type.precision <= 9 ? new Int32Column() : type.precision <= 18 ? new Int64Column() : new BigDecimalColumn()
    case 'string':
      return new BytesColumn()
  }
}
