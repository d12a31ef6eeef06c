import { describe, expect, it } from 'vitest'
import { athenaTypeName, parseAthenaType } from '../../functions/core/schema/athena-types'
import { holds, inferredDecimal, readableAs, widenType } from '../../functions/core/schema/type-widening'
import { prng } from '../support/prng'

const t = (name: string) => parseAthenaType(name)!
const widened = (a: string, b: string) => {
  const w = widenType(t(a), t(b))
  return w && athenaTypeName(w)
}

describe('widening rules', () => {
  it('widens within a family, straight to a wide decimal when a decimal must widen', () => {
    const cases: [string, string, string | undefined][] = [
      ['int', 'bigint', 'bigint'],
      ['bigint', 'int', 'bigint'],
      ['bigint', 'decimal(18,2)', 'decimal(29,9)'],
      ['decimal(18,2)', 'bigint', 'decimal(29,9)'],
      ['int', 'decimal(18,2)', 'decimal(29,9)'],
      ['decimal(18,2)', 'int', 'decimal(18,2)'],
      ['decimal(18,2)', 'decimal(18,4)', 'decimal(29,9)'],
      // An inferred decimal(18,2) claims 16 whole digits, more than decimal(18,4) holds.
      ['decimal(18,4)', 'decimal(18,2)', 'decimal(29,9)'],
      ['decimal(20,4)', 'decimal(18,2)', 'decimal(20,4)'],
      ['decimal(12,2)', 'decimal(10,4)', 'decimal(29,9)'],
      // decimal(29,9) holds what most data prints; past 9 places it widens once more, to its last step.
      ['decimal(29,9)', 'decimal(18,6)', 'decimal(29,9)'],
      ['decimal(29,9)', 'bigint', 'decimal(29,9)'],
      ['decimal(29,9)', 'decimal(18,12)', 'decimal(38,18)'],
      ['decimal(18,12)', 'decimal(18,2)', 'decimal(38,18)'],
      ['decimal(38,18)', 'decimal(18,2)', 'decimal(38,18)'],
      ['decimal(38,18)', 'bigint', 'decimal(38,18)'],
      // Whole parts past 20 digits keep them and give the rest of 38 to the scale.
      ['decimal(18,2)', 'decimal(38,2)', 'decimal(38,2)'],
      ['decimal(38,2)', 'decimal(18,2)', 'decimal(38,2)'],
      ['decimal(29,9)', 'decimal(38,9)', 'decimal(38,9)'],
      ['decimal(18,2)', 'decimal(38,20)', 'decimal(38,20)'],
      ['decimal(18,2)', 'decimal(24,20)', 'decimal(38,22)'],
      ['decimal(38,20)', 'decimal(18,9)', 'decimal(38,20)'],
      // Past those no decimal holds both: decimal(38,2) holds 36 whole digits, decimal(38,18) 18 places.
      ['decimal(38,2)', 'decimal(18,9)', undefined],
      ['decimal(18,9)', 'decimal(38,2)', undefined],
      ['decimal(38,18)', 'decimal(38,20)', undefined],
      ['decimal(38,18)', 'decimal(38,9)', undefined],
      ['decimal(38,0)', 'decimal(38,10)', undefined],
      ['date', 'timestamp', 'timestamp'],
      ['timestamp', 'date', 'timestamp'],
      ['decimal(12,2)', 'decimal(12,2)', 'decimal(12,2)'],
      ['bigint', 'double', undefined],
      ['double', 'bigint', undefined],
      ['decimal(18,2)', 'double', undefined],
      ['string', 'bigint', undefined],
      ['bigint', 'string', undefined],
      ['date', 'bigint', undefined],
      ['boolean', 'int', undefined],
    ]
    for (const [table, value, want] of cases) expect(widened(table, value), `${table} ⊔ ${value}`).toBe(want)
  })

  it('rewrites a column at most twice, whatever decimals its files bring in whatever order', () => {
    // Prepare: every type inference gives (int only from contracts), and some widened ones.
    const values: string[] = ['int', 'bigint']
    for (let whole = 0; whole <= 38; whole++) for (let scale = 0; scale <= 38; scale++) {
      const d = inferredDecimal(whole, scale)
      if (d) values.push(athenaTypeName(d))
    }
    const types = [...new Set(values)]
    const next = prng(11)

    // Act: many random sequences of file types, each joined into the table in turn
    let most = 0
    for (let run = 0; run < 2000; run++) {
      let table = t(types[Math.floor(next() * types.length)])
      let rewrites = 0
      for (let file = 0; file < 30; file++) {
        const joined = widenType(table, t(types[Math.floor(next() * types.length)]))
        if (!joined) continue
        if (!readableAs(table, joined)) rewrites += 1
        table = joined
      }
      most = Math.max(most, rewrites)
    }

    // Assess
    expect(most).toBe(2)
  })

  it('says which table types hold which value types', () => {
    expect(holds(t('bigint'), t('int'))).toBe(true)
    expect(holds(t('decimal(38,4)'), t('decimal(18,2)'))).toBe(true)
    expect(holds(t('decimal(20,4)'), t('decimal(18,2)'))).toBe(true)
    expect(holds(t('decimal(29,9)'), t('bigint'))).toBe(true)
    expect(holds(t('decimal(29,9)'), t('decimal(18,12)'))).toBe(false)
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
