import type { BigDecimalColumn, BooleanColumn, BytesColumn, ColumnBuilder, DoubleColumn, Int32Column, Int64Column } from './column-builders'
import { MAX_PARTITIONS_PER_FILE } from './partition-values'

/** Slots of an EntryMemo (staged entries × the most partitions) past which nothing is remembered. */
const MAX_MEMO_SLOTS = 1 << 20

/**
 * The staged string entries a staging builder keeps from one stretch to the next
 * (`BytesColumn.resetValues`): as many as an EntryMemo remembers, in at most MAX_KEPT_BYTES.
 */
export const MAX_KEPT_ENTRIES = Math.floor(MAX_MEMO_SLOTS / MAX_PARTITIONS_PER_FILE)
export const MAX_KEPT_BYTES = 1 << 20

/**
 * Moving staged rows to their partitions' builders, column by column: each staged row r of
 * `from` is appended to `to[routes[r]]`, each partition's rows in file order (strings in
 * `order`, the rows grouped by partition). One loop per builder kind, so that each stays
 * monomorphic; `scratch` holds one number per staged row.
 */
export function scatter(from: ColumnBuilder, to: ColumnBuilder[], routes: Int32Array, order: Int32Array, rows: number, memo: EntryMemo, epochs: Int32Array, scratch: Int32Array): void {
  switch (from.kind) {
    case 'bytes':
      return scatterBytes(from, to as BytesColumn[], routes, order, rows, memo, epochs, scratch)
    case 'int32':
      return scatterInt32(from, to as Int32Column[], routes, rows)
    case 'double':
      return scatterDouble(from, to as DoubleColumn[], routes, rows)
    case 'int64':
      return scatterInt64(from, to as Int64Column[], routes, rows)
    case 'boolean':
      return scatterBoolean(from, to as BooleanColumn[], routes, rows)
    case 'bigdecimal':
      return scatterBigDecimal(from, to as BigDecimalColumn[], routes, rows)
  }
}

/**
 * Which entry of each partition's builder holds each staged entry, for one column: a staged
 * value repeated in a partition is then appended without a lookup. Slot `e × MAX_PARTITIONS_PER_FILE
 * + p` is valid while its stamp is partition p's epoch: a partition takes a new epoch whenever
 * its builders are cleared (its row group written), and the whole memo is forgotten when the
 * staged entries are (`BytesColumn.entriesGeneration`). So it carries over from stretch to
 * stretch as long as the staging builder keeps its entries and the partition its row group.
 */
export class EntryMemo {
  stamps = new Int32Array(0)
  entries = new Int32Array(0)
  private generation = -1

  /** Makes room for `entries` staged entries of staged entries' generation `generation`. */
  begin(entries: number, generation: number): void {
    const size = entries * MAX_PARTITIONS_PER_FILE
    if (this.stamps.length < size) {
      this.stamps = new Int32Array(Math.max(size, 2 * this.stamps.length))
      this.entries = new Int32Array(this.stamps.length)
    } else if (generation !== this.generation) this.stamps.fill(0)
    this.generation = generation
  }
}

/**
 * Strings go in partition by partition (`order`): each value is looked up in its partition's
 * dictionary, and those lookups stay in cache when they come one partition after another.
 */
function scatterBytes(from: BytesColumn, to: BytesColumn[], routes: Int32Array, order: Int32Array, rows: number, memo: EntryMemo, epochs: Int32Array, rowEntry: Int32Array): void {
  const defined = from.defined
  const bytes = from.bytes
  const ends = from.ends
  const stride = MAX_PARTITIONS_PER_FILE
  // A staged column that stopped its lookups holds mostly distinct values: nothing to remember.
  const remember = from.dictionary && from.entries * stride <= MAX_MEMO_SLOTS
  if (remember) memo.begin(from.entries, from.entriesGeneration)
  const { stamps, entries } = memo
  let v = 0
  for (let r = 0; r < rows; r++) rowEntry[r] = defined[r] === 0 ? -1 : from.entryOf(v++)
  for (let i = 0; i < rows; i++) {
    const r = order[i]
    const p = routes[r]
    const target = to[p]
    const e = rowEntry[r]
    if (e < 0) {
      target.appendNull()
      continue
    }
    if (remember && target.dictionary) {
      const slot = e * stride + p
      const epoch = epochs[p]
      if (stamps[slot] === epoch) {
        target.appendEntry(entries[slot])
        continue
      }
      target.appendBytes(bytes, e === 0 ? 0 : ends[e - 1], ends[e])
      if (target.dictionary) {
        stamps[slot] = epoch
        entries[slot] = target.entryOf(target.count - 1)
      }
      continue
    }
    target.appendBytes(bytes, e === 0 ? 0 : ends[e - 1], ends[e])
  }
}

function scatterInt32(from: Int32Column, to: Int32Column[], routes: Int32Array, rows: number): void {
  const defined = from.defined
  const values = from.values
  let v = 0
  for (let r = 0; r < rows; r++) {
    const target = to[routes[r]]
    if (defined[r] === 0) target.appendNull()
    else target.append(values[v++])
  }
}

function scatterDouble(from: DoubleColumn, to: DoubleColumn[], routes: Int32Array, rows: number): void {
  const defined = from.defined
  const values = from.values
  let v = 0
  for (let r = 0; r < rows; r++) {
    const target = to[routes[r]]
    if (defined[r] === 0) target.appendNull()
    else target.append(values[v++])
  }
}

function scatterInt64(from: Int64Column, to: Int64Column[], routes: Int32Array, rows: number): void {
  const defined = from.defined
  const values = from.values
  const big = from.big
  let v = 0
  for (let r = 0; r < rows; r++) {
    const target = to[routes[r]]
    if (defined[r] === 0) {
      target.appendNull()
      continue
    }
    const exact = big?.get(v)
    target.append(exact ?? values[v])
    v += 1
  }
}

function scatterBoolean(from: BooleanColumn, to: BooleanColumn[], routes: Int32Array, rows: number): void {
  const defined = from.defined
  const values = from.values
  let v = 0
  for (let r = 0; r < rows; r++) {
    const target = to[routes[r]]
    if (defined[r] === 0) target.appendNull()
    else target.append(values[v++] === 1)
  }
}

function scatterBigDecimal(from: BigDecimalColumn, to: BigDecimalColumn[], routes: Int32Array, rows: number): void {
  const defined = from.defined
  const values = from.values
  let v = 0
  for (let r = 0; r < rows; r++) {
    const target = to[routes[r]]
    if (defined[r] === 0) target.appendNull()
    else target.append(values[v++])
  }
}
