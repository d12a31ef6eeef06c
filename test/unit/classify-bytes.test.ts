import { describe, expect, it } from 'vitest'
import { classifyBytes } from '../../functions/core/schema/classify-bytes'
import { classifyValue } from '../../functions/core/schema/infer-column-type'
import { prng } from '../support/prng'

/**
 * classifyBytes answers only for shapes it knows, and then exactly as classifyValue does on the
 * same text: the sample may read a cell on its bytes or on its text and infer the same types.
 */

const EDGES = [
  '0', '-0', '00', '007', '7', '-7', '+7', '2147483647', '2147483648', '-2147483648', '-2147483649', '999999999999999', '1000000000000000',
  '-999999999999999', '9007199254740993', '0.5', '0.50', '10.00', '0.00', '-0.05', '12.50', '.5', '5.', '-.5', '1.', '1.2.3', '1e5', '1E-5',
  '12345678901234567.5', '0.000000000000000001', 'true', 'TRUE', 'True', 'false', 'FALSE', 'fAlSe', 'truE ', 'yes', 'nan', 'NaN', 'inf',
  '2024-02-29', '2023-02-29', '2024-13-01', '2024-1-05', '0001-01-01', '9999-12-31', '1900-02-29', '2000-02-29',
  '2024-01-01T10:00:00Z', '2024-01-01 10:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T10:00:60Z', '2024-01-01T10:00:00z',
  '2024-01-01T10:00:00.5Z', '2024-01-01T10:00:00+02:00', '-2024-01-01', '1-', '-', '--', '12-34', 'a1', '1a', '',
]

const ALPHABET = '0123456789-.+eETtrRuUfFaAlLsSZz: '

describe('classifyBytes', () => {
  it('agrees with classifyValue on edge values', () => {
    let answered = 0
    for (const text of EDGES) {
      const bytes = Buffer.from(text, 'latin1')
      const byBytes = text === '' ? undefined : classifyBytes(bytes, 0, bytes.length)
      if (byBytes === undefined) continue
      answered += 1
      expect(byBytes, text).toEqual(classifyValue(text))
    }
    expect(answered).toBeGreaterThan(25)
  })

  it('agrees with classifyValue on 200,000 random texts of number, date and boolean characters', () => {
    const rnd = prng(9)
    let answered = 0
    const kinds = new Set<string>()
    for (let i = 0; i < 200_000; i++) {
      // Half built from the alphabet, half mutated from an edge value.
      let text: string
      if (rnd() < 0.5) {
        const n = 1 + Math.floor(rnd() * 22)
        text = Array.from({ length: n }, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]).join('')
      } else {
        const base = EDGES[Math.floor(rnd() * EDGES.length)] || '1'
        const at = Math.floor(rnd() * base.length)
        const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)]
        text = rnd() < 0.5 ? base.slice(0, at) + c + base.slice(at + 1) : base.slice(0, at) + c + base.slice(at)
      }
      text = text.trim()
      if (text === '') continue
      const bytes = Buffer.from(text, 'latin1')
      const byBytes = classifyBytes(bytes, 0, bytes.length)
      if (byBytes === undefined) continue
      answered += 1
      kinds.add(byBytes.kind)
      const byText = classifyValue(text)
      if (JSON.stringify(byBytes) !== JSON.stringify(byText)) expect(byBytes, text).toEqual(byText)
    }
    expect(answered).toBeGreaterThan(10_000)
    expect([...kinds].sort()).toEqual(['bigint', 'boolean', 'date', 'decimal', 'timestamp'])
  })
})
