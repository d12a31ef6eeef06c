import { describe, expect, it } from 'vitest'
import { athenaTypeName, parseAthenaType } from '../../functions/core/schema/athena-types'
import { holds, inferredDecimal, readableAs, widenType } from '../../functions/core/schema/type-widening'

const t = (name: string) => parseAthenaType(name)!
const widened = (a: string, b: string) => {
  const w = widenType(t(a), t(b))
  return w && athenaTypeName(w)
}

describe('widening rules', () => {
  it('widens within a family, in both argument orders', () => {
    const cases: [string, string, string | undefined][] = [
      ['int', 'bigint', 'bigint'],
      ['bigint', 'decimal(18,2)', 'decimal(21,2)'],
      ['int', 'decimal(18,2)', 'decimal(18,2)'],
      ['decimal(18,2)', 'decimal(18,4)', 'decimal(20,4)'],
      // A join keeps only the whole digits its sides hold, so a later scale still joins it.
      ['decimal(20,4)', 'decimal(18,9)', 'decimal(25,9)'],
      ['decimal(12,2)', 'decimal(10,4)', 'decimal(18,4)'],
      ['decimal(38,2)', 'decimal(18,2)', 'decimal(38,2)'],
      ['decimal(38,20)', 'decimal(18,9)', 'decimal(38,20)'],
      // decimal(38,2) holds 36 whole digits: no decimal holds those and 9 fraction digits.
      ['decimal(38,2)', 'decimal(18,9)', undefined],
      ['date', 'timestamp', 'timestamp'],
      ['decimal(12,2)', 'decimal(12,2)', 'decimal(12,2)'],
      ['bigint', 'double', undefined],
      ['decimal(18,2)', 'double', undefined],
      ['string', 'bigint', undefined],
      ['date', 'bigint', undefined],
      ['boolean', 'int', undefined],
      ['decimal(38,0)', 'decimal(38,10)', undefined],
    ]
    for (const [a, b, want] of cases) {
      expect(widened(a, b), `${a} ⊔ ${b}`).toBe(want)
      expect(widened(b, a), `${b} ⊔ ${a}`).toBe(want)
    }
  })

  it('says which table types hold which value types', () => {
    expect(holds(t('bigint'), t('int'))).toBe(true)
    expect(holds(t('decimal(38,4)'), t('decimal(18,2)'))).toBe(true)
    expect(holds(t('decimal(20,4)'), t('decimal(18,2)'))).toBe(true)
    expect(holds(t('decimal(18,2)'), t('decimal(18,4)'))).toBe(false)
    expect(holds(t('int'), t('bigint'))).toBe(false)
    expect(holds(t('string'), t('bigint'))).toBe(false)
  })

  it('rounds inferred decimal scales up to steps and precision to 18 or 38', () => {
    const name = (w: number, s: number) => {
      const d = inferredDecimal(w, s)
      return d && athenaTypeName(d)
    }
    expect(name(3, 1)).toBe('decimal(18,2)')
    expect(name(3, 2)).toBe('decimal(18,2)')
    expect(name(3, 3)).toBe('decimal(18,4)')
    expect(name(3, 7)).toBe('decimal(18,9)')
    expect(name(10, 9)).toBe('decimal(38,9)')
    expect(name(20, 0)).toBe('decimal(38,0)')
    expect(name(5, 20)).toBe('decimal(38,20)')
    // The step would overflow 38 digits: the exact scale still fits.
    expect(name(30, 7)).toBe('decimal(38,7)')
    expect(name(29, 9)).toBe('decimal(38,9)')
    expect(name(30, 9)).toBe(undefined)
    expect(name(35, 5)).toBe(undefined)
  })

  it('reads only Athena’s documented compatible pairs without a rewrite', () => {
    expect(readableAs(t('int'), t('bigint'))).toBe(true)
    expect(readableAs(t('decimal(18,2)'), t('decimal(18,2)'))).toBe(true)
    expect(readableAs(t('decimal(18,2)'), t('decimal(38,2)'))).toBe(false)
    expect(readableAs(t('bigint'), t('decimal(38,0)'))).toBe(false)
    expect(readableAs(t('date'), t('timestamp'))).toBe(false)
  })
})
