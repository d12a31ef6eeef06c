import { describe, expect, it } from 'vitest'
import { INVALID, parseBoolean, parseDecimal, parseDouble, parseInt32, parseInt64 } from '../../functions/core/schema/value-codecs'

/** 64-bit values come as numbers while exact: compare them as bigints. */
const exact = (v: unknown) => (typeof v === 'number' ? BigInt(v) : v)

describe('value parsers', () => {
  it('trim whitespace around non-string values', () => {
    expect(parseInt32(' 42 ')).toBe(42)
    expect(parseBoolean('\tTRUE ')).toBe(true)
  })

  it('keep integers beyond 2^53 exact', () => {
    expect(exact(parseInt64('9007199254740993'))).toBe(9007199254740993n)
    expect(exact(parseInt64('-9223372036854775808'))).toBe(-(2n ** 63n))
    expect(exact(parseInt64('9223372036854775808'))).toBe(INVALID)
  })

  it('bound int to 32 bits', () => {
    expect(parseInt32('2147483647')).toBe(2147483647)
    expect(parseInt32('2147483648')).toBe(INVALID)
  })

  it('scale decimals exactly, without a float round trip', () => {
    expect(exact(parseDecimal('12.5', 12, 2))).toBe(1250n)
    expect(exact(parseDecimal('-0.05', 12, 2))).toBe(-5n)
    expect(exact(parseDecimal('12345678901234567890.123456789012345678', 38, 18))).toBe(12345678901234567890123456789012345678n)
    expect(exact(parseDecimal('7', 3, 2))).toBe(700n)
  })

  it('stay exact at the edge of what a double holds', () => {
    expect(exact(parseDecimal('99996995474.68155', 18, 5))).toBe(9999699547468155n)
    expect(exact(parseDecimal('-9007199254740.993', 18, 3))).toBe(-9007199254740993n)
    expect(exact(parseInt64('999999999999999'))).toBe(999999999999999n)
    expect(exact(parseInt64('9007199254740993'))).toBe(9007199254740993n)
    expect(exact(parseInt64('-9007199254740993'))).toBe(-9007199254740993n)
  })

  it('refuse decimals that would round or overflow', () => {
    expect(exact(parseDecimal('1.005', 12, 2))).toBe(INVALID)
    expect(exact(parseDecimal('1.000', 12, 2))).toBe(100n)
    expect(exact(parseDecimal('1234', 4, 2))).toBe(INVALID)
    expect(exact(parseDecimal('1,5', 4, 2))).toBe(INVALID)
    expect(exact(parseDecimal('.', 4, 2))).toBe(INVALID)
  })

  it('read doubles, including special values, but not hex or empty text', () => {
    expect(parseDouble('1.5e3')).toBe(1500)
    expect(parseDouble('-Inf')).toBe(-Infinity)
    expect(Number.isNaN(parseDouble('NaN'))).toBe(true)
    expect(parseDouble('0x10')).toBe(INVALID)
    expect(parseDouble(' ')).toBe(INVALID)
  })
})
