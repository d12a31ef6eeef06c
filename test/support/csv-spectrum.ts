/**
 * The csv-spectrum (v2.0.0) acid-test corpus: pairs of csvs/<name>.csv and
 * json/<name>.json in node_modules/csv-spectrum.
 *
 * Expected values are all strings (csv-spectrum has no notion of types or
 * nulls) and keys are the raw header text, e.g. "Contact Phone Number".
 *
 * Oddities in the corpus, per case (checked byte by byte):
 * - comma_in_quotes: no trailing newline; zip "08123" has a leading zero, so a
 *   typed reader will infer an integer column and lose it unless it keeps
 *   leading-zero numbers as strings.
 * - empty, empty_crlf: the "empty" cells are QUOTED empty strings (`1,"",""`);
 *   the expected value is "" not null. A reader that maps every empty field to
 *   null will differ here — compare with that in mind.
 * - escaped_quotes, quotes_and_newlines, json: RFC 4180 doubled quotes inside
 *   quoted fields; quotes_and_newlines and newlines/newlines_crlf have line
 *   breaks inside quoted fields (newlines_crlf embeds "\r\n", which must be
 *   preserved verbatim). Files ending in _crlf use CRLF as record separator.
 * - simple, simple_crlf, newlines*, escaped_quotes, quotes_and_newlines, json
 *   end with a line break; comma_in_quotes, empty*, location_coordinates and
 *   utf8 do not.
 * - utf8: last cell is "ʤ" (U+02A4, bytes CA A4); plain UTF-8, no BOM.
 * - location_coordinates:
 *     * json/location_coordinates.json is a single object, not an array —
 *       normalised to a one-element array here.
 *     * the CSV has bare `"` characters inside an UNQUOTED field
 *       (`37�36'37.8"N 121�2'17.9"W`), which strict RFC 4180 parsers reject
 *       (csv-parse needs `relax_quotes: true`).
 *     * the `�` characters are literal U+FFFD replacement characters (bytes
 *       EF BF BD) in both the CSV and the JSON — the file is valid UTF-8, the
 *       original degree signs were lost upstream.
 *     * the JSON's "Contact Phone Number" is "1234567890" but the CSV says
 *       "2095257564" — an upstream data bug. We correct the expected value to
 *       the CSV's "2095257564" so the case is usable (see CORRECTIONS).
 *     * headers contain spaces.
 * - Every case has a header row and at least one data row; all rows have the
 *   same number of fields as the header.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'

export interface SpectrumCase {
  /** file stem, e.g. "comma_in_quotes" */
  name: string
  /** absolute path to the CSV file */
  csvPath: string
  /** expected records: raw header text -> cell text */
  expected: Record<string, string>[]
}

/** Known errors in csv-spectrum's expected JSON: case -> row index -> corrected fields. */
const CORRECTIONS: Record<string, Record<number, Record<string, string>>> = {
  location_coordinates: { 0: { 'Contact Phone Number': '2095257564' } },
}

export function spectrumDir(): string {
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('csv-spectrum/package.json'))
}

export function spectrumCases(): SpectrumCase[] {
  const root = spectrumDir()
  const csvDir = join(root, 'csvs')
  const jsonDir = join(root, 'json')
  return readdirSync(csvDir)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((file) => {
      const name = basename(file, '.csv')
      const raw: unknown = JSON.parse(readFileSync(join(jsonDir, `${name}.json`), 'utf8'))
      const records = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[]
      const expected = records.map((rec, i) => {
        const out: Record<string, string> = {}
        for (const [k, v] of Object.entries(rec)) {
          if (typeof v !== 'string') throw new Error(`csv-spectrum ${name}: non-string value for ${k}`)
          out[k] = v
        }
        return { ...out, ...(CORRECTIONS[name]?.[i] ?? {}) }
      })
      return { name, csvPath: join(csvDir, file), expected }
    })
}
