import { describe, expect, it } from 'vitest'
import { ISO_DATE, ISO_TIMESTAMP, compileTemporalFormat } from '../../functions/core/schema/temporal-format'
import { isoDateDays } from '../../functions/core/schema/temporal-bytes'

const iso = (micros: number | bigint | undefined) => (micros === undefined ? undefined : new Date(Number(BigInt(micros) / 1000n)).toISOString())
/** Microseconds compared exactly, whether the parser gave a number or a bigint. */
const exact = (micros: number | bigint | undefined) => (micros === undefined ? undefined : BigInt(micros))

describe('ISO formats', () => {
  it('reads dates as days since 1970, before and after the epoch', () => {
    expect(ISO_DATE.parseDays('1970-01-01')).toBe(0)
    expect(ISO_DATE.parseDays('2024-05-03')).toBe(19846)
    expect(ISO_DATE.parseDays('1900-03-01')).toBe(-25508)
    expect(ISO_DATE.parseDays('2024-13-01')).toBeUndefined()
    expect(ISO_DATE.parseDays('2023-02-29')).toBeUndefined()
  })

  it('converts offsets to UTC and keeps microseconds', () => {
    expect(iso(ISO_TIMESTAMP.parseMicros('2024-05-03T23:30:00+02:00'))).toBe('2024-05-03T21:30:00.000Z')
    expect(iso(ISO_TIMESTAMP.parseMicros('2024-05-03 21:30:00-0130'))).toBe('2024-05-03T23:00:00.000Z')
    expect(exact(ISO_TIMESTAMP.parseMicros('2024-05-03T21:30:00.123456Z'))).toBe(1714771800123456n)
    expect(exact(ISO_TIMESTAMP.parseMicros('2024-05-03T21:30:00.1Z'))).toBe(1714771800100000n)
  })

  it('takes a timestamp without offset as UTC, and a bare date as midnight', () => {
    expect(iso(ISO_TIMESTAMP.parseMicros('2024-05-03 21:30'))).toBe('2024-05-03T21:30:00.000Z')
    expect(iso(ISO_TIMESTAMP.parseMicros('2024-05-03'))).toBe('2024-05-03T00:00:00.000Z')
  })

  it('refuses text it would have to alter', () => {
    expect(ISO_TIMESTAMP.parseMicros('2024-05-03T21:30:00.1234567Z')).toBeUndefined()
    expect(ISO_TIMESTAMP.parseMicros('2024-05-03T24:00:00Z')).toBeUndefined()
    expect(ISO_TIMESTAMP.parseMicros('2024-05-03T21:30:60Z')).toBeUndefined()
  })

  it('is exact beyond the range where microseconds fit a double', () => {
    expect(exact(ISO_TIMESTAMP.parseMicros('9999-12-31T23:59:59.999999Z'))).toBe(253402300799999999n)
    expect(exact(ISO_TIMESTAMP.parseMicros('0001-01-01T00:00:00Z'))).toBe(-62135596800000000n)
  })
})

describe('contract formats', () => {
  it('reads day-first dates', () => {
    const f = compileTemporalFormat('DD/MM/YYYY')
    expect(f.parseDays('03/05/2024')).toBe(19846)
    expect(f.parseDays('3/5/2024')).toBeUndefined()
    expect(compileTemporalFormat('D/M/YYYY').parseDays('3/5/2024')).toBe(19846)
  })

  it('reads month abbreviations in any case', () => {
    expect(compileTemporalFormat('DD-MMM-YYYY').parseDays('03-may-2024')).toBe(19846)
  })

  it('reads timestamps with fractions and offsets', () => {
    const f = compileTemporalFormat('DD.MM.YYYY HH:mm:ss.SSS Z')
    expect(iso(f.parseMicros('03.05.2024 23:30:00.250 +02:00'))).toBe('2024-05-03T21:30:00.250Z')
  })

  it('does not read a date with a time part as a date', () => {
    expect(compileTemporalFormat('YYYY-MM-DD HH:mm').parseDays('2024-05-03 10:00')).toBeUndefined()
  })

  it('treats regex characters in patterns as literals', () => {
    expect(compileTemporalFormat('YYYY.MM.DD').parseDays('2024x05x03')).toBeUndefined()
    expect(compileTemporalFormat('YYYY.MM.DD').parseDays('2024.05.03')).toBe(19846)
  })

  it('rejects a pattern without a full date', () => {
    expect(() => compileTemporalFormat('MM/YYYY')).toThrow(/needs a year/)
  })
})

describe('dates on bytes', () => {
  it('give what ISO_DATE gives for every YYYY-MM-DD from 1850 to 2199, invalid months and days included', () => {
    let checked = 0
    let valid = 0
    for (let y = 1850; y < 2200; y++) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const text = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
          const days = isoDateDays(Buffer.from(text), 0)
          if (days !== ISO_DATE.parseDays(text)) expect.fail(`${text}: ${days} on bytes, ${ISO_DATE.parseDays(text)} as text`)
          checked += 1
          if (days !== undefined) valid += 1
        }
      }
    }
    expect(checked).toBe(350 * 14 * 33)
    // 350 years of 365 or 366 days: 85 leap years (2000 is one, 1900 and 2100 are not).
    expect(valid).toBe(350 * 365 + 85)
  })
})
