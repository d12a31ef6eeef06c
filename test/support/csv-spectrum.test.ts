import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { spectrumCases } from './csv-spectrum'

describe('spectrumCases', () => {
  const cases = spectrumCases()

  it('finds all 12 csv-spectrum cases', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'comma_in_quotes', 'empty', 'empty_crlf', 'escaped_quotes', 'json', 'location_coordinates',
      'newlines', 'newlines_crlf', 'quotes_and_newlines', 'simple', 'simple_crlf', 'utf8',
    ])
  })

  // Sanity check of the expectations (and of our location_coordinates correction)
  // against a reference parser.
  it.each(cases)('$name agrees with csv-parse', ({ csvPath, expected }) => {
    const records = parse(readFileSync(csvPath, 'utf8'), { columns: true, relax_quotes: true }) as Record<string, string>[]
    expect(records).toEqual(expected)
  })
})
