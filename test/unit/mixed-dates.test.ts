import { describe, expect, it } from 'vitest'
import { parseContract } from '../../functions/core/schema/contract'
import { classifyValue, ColumnTypeAccumulator } from '../../functions/core/schema/infer-column-type'
import { compileTemporalFormats } from '../../functions/core/schema/temporal-format'
import { ENGINES, transformHarness } from '../support/transform-harness'

const transform = transformHarness('mixed-dates', (n) => `covid/daily-${n}.csv`)

/** An instant as DuckDB prints a TIMESTAMP read back from the Parquet. */
const at = (iso: string) => new Date(`${iso}Z`).toISOString().replace('.000Z', '.000000Z')

/**
 * A COVID-19 daily-report series as the JHU CSSE files were published: the `Last Update`
 * column changed shape over the weeks (`1/22/2020 17:00`, `2020-01-31T08:15:53`, `3/8/20 5:19`).
 * Returns the CSV and, per row, the instant each value means.
 */
function covidSeries(): { csv: string; instants: string[] } {
  const lines = ['Province/State,Country/Region,Last Update,Confirmed,Deaths,Recovered']
  const instants: string[] = []
  const places = [['Hubei', 'Mainland China'], ['Washington', 'US'], ['', 'Italy'], ['Ontario', 'Canada'], ['', 'Germany']]
  let n = 0
  const add = (text: string, iso: string) => {
    const [province, country] = places[n % places.length]
    n += 1
    lines.push(`${province},${country},${text},${n * 7},${n % 5},${n * 3}`)
    instants.push(at(iso))
  }
  // January: M/D/YYYY H:mm, some days above 12 in the middle field (the month-first evidence).
  for (let day = 22; day <= 31; day++) add(`1/${day}/2020 17:00`, `2020-01-${day}T17:00:00`)
  // February: ISO 8601 with a T and seconds.
  for (let day = 1; day <= 29; day += 4) add(`2020-02-${String(day).padStart(2, '0')}T08:15:53`, `2020-02-${String(day).padStart(2, '0')}T08:15:53`)
  // March: M/D/YY H:mm, days 1–12 only: alone these could be either order.
  for (let day = 1; day <= 12; day++) add(`3/${day}/20 5:19`, `2020-03-${String(day).padStart(2, '0')}T05:19:00`)
  return { csv: `${lines.join('\n')}\n`, instants }
}

describe('classification of slash dates', () => {
  it('tells the order where a value shows it, and leaves the column to decide where it does not', () => {
    expect(classifyValue('1/22/2020 17:00')).toMatchObject({ kind: 'timestamp', order: 'md' })
    expect(classifyValue('22/1/2020')).toMatchObject({ kind: 'date', order: 'dm' })
    expect(classifyValue('3/8/20 5:19')).toMatchObject({ kind: 'timestamp', order: 'either' })
    expect(classifyValue('2/30/2020').kind).toBe('string')
    expect(classifyValue('13/13/2020').kind).toBe('string')
    const column = (values: string[]) => {
      const acc = new ColumnTypeAccumulator()
      for (const v of values) acc.add(classifyValue(v))
      return acc.type.kind
    }
    expect(column(['3/8/20 5:19', '2020-01-31T08:15:53', '1/22/2020 17:00'])).toBe('timestamp')
    expect(column(['3/8/20 5:19', '4/5/20 1:00'])).toBe('string')
    expect(column(['1/22/2020', '22/1/2020'])).toBe('string')
    // Dates with dots are day first wherever they are written.
    expect(classifyValue('03.01.2024')).toMatchObject({ kind: 'date', order: 'dm' })
    expect(classifyValue('31.01.2024 17:05')).toMatchObject({ kind: 'timestamp', order: 'dm' })
    expect(classifyValue('31.13.2024').kind).toBe('string')
    expect(column(['03.01.2024', '3/8/2020'])).toBe('date')
    expect(column(['03.01.2024', '1/22/2020'])).toBe('string')
  })
})

describe.each(ENGINES)('a series whose timestamps change shape (%s)', (_, engine) => {
  it('types "Last Update" timestamp from three shapes and reads every instant exactly', async () => {
    // Prepare
    const { csv, instants } = covidSeries()

    // Act
    const { stats, rows } = await transform(engine, csv)

    // Assess
    expect(stats.columns.find((c) => c.name === 'last_update')?.type).toBe('timestamp')
    expect(stats).toMatchObject({ rowsIn: instants.length, rowsOut: instants.length, rowsRejected: 0 })
    expect(rows.map((r) => r.last_update)).toEqual(instants)
    expect(rows.filter((r) => r.last_update === at('2020-03-08T05:19:00'))).toHaveLength(1)
  })

  it('reads a day-first column day first', async () => {
    // Prepare
    const csv = 'station,observed\nA,22/01/2020 17:00\nB,3/8/2020 5:19\nC,2020-08-04T00:00:00\nD,05.08.2020 06:30\n'

    // Act
    const { stats, rows } = await transform(engine, csv)

    // Assess
    expect(stats.columns[1].type).toBe('timestamp')
    expect(rows.map((r) => r.observed)).toEqual([at('2020-01-22T17:00:00'), at('2020-08-03T05:19:00'), at('2020-08-04T00:00:00'), at('2020-08-05T06:30:00')])
  })

  it('keeps as text, unaltered, a column whose month and day cannot be told apart', async () => {
    // Prepare: every day ≤ 12; and a column with both orders.
    const csv = 'id,seen,mixed\n1,3/8/20 5:19,1/22/2020\n2,4/5/20 1:00,22/1/2020\n'

    // Act
    const { stats, rows } = await transform(engine, csv)

    // Assess
    expect(stats.columns.map((c) => c.type).slice(1, 3)).toEqual(['string', 'string'])
    expect(rows).toEqual([{ id: '1', seen: '3/8/20 5:19', mixed: '1/22/2020' }, { id: '2', seen: '4/5/20 1:00', mixed: '22/1/2020' }])
  })

  it('infers again when a value after the sample shows the order of a column the sample found ambiguous', async () => {
    // Prepare: the first 20 rows are all 3/D/20; row 30 is 3/22/20.
    const lines = ['id,updated']
    for (let i = 1; i <= 40; i++) lines.push(`${i},3/${i === 30 ? 22 : 1 + (i % 12)}/20 5:19`)

    // Act
    const { stats, rows } = await transform(engine, `${lines.join('\n')}\n`, { sampleRows: 20 })

    // Assess: the sample said string; the whole column says month first.
    expect(stats.columns[1].type).toBe('timestamp')
    expect(rows[29].updated).toBe(at('2020-03-22T05:19:00'))
    expect(stats.inference.restarts).toBe(1)
  })

  it('keeps a table column typed timestamp from one shape timestamp for a file in the other shapes', async () => {
    // Prepare: the table's last_update came from an ISO-only file.
    const { csv, instants } = covidSeries()
    const tableColumns = [{ name: 'last_update', type: 'timestamp' }]

    // Act
    const { stats, columns, rows } = await transform(engine, csv, { tableColumns })

    // Assess: no variant, every instant in the column.
    expect(columns.map((c) => c.name)).not.toContain('last_update__string')
    expect(stats.columns.find((c) => c.name === 'last_update')?.type).toBe('timestamp')
    expect(rows.map((r) => r.last_update)).toEqual(instants)
  })

  it('keeps in a table timestamp column the slash dates before the value that tells their order, without a variant', async () => {
    // Prepare: "3/8/20" comes first; "3/22/20" tells month first.
    const csv = 'id,updated\n1,3/8/20 5:19\n2,3/22/20 6:00\n3,3/9/20 7:00\n'

    // Act
    const { stats, columns, rows } = await transform(engine, csv, { tableColumns: [{ name: 'updated', type: 'timestamp' }] })

    // Assess
    expect(columns.map((c) => c.name)).toEqual(['id', 'updated'])
    expect(rows.map((r) => r.updated)).toEqual([at('2020-03-08T05:19:00'), at('2020-03-22T06:00:00'), at('2020-03-09T07:00:00')])
    expect(stats.warnings).toEqual([])
  })

  it('sends to the variant, with a warning, the slash dates of a file that cannot tell their order in a table timestamp column', async () => {
    // Prepare
    const csv = 'id,updated\n1,3/8/20 5:19\n2,2020-03-09T07:00:00\n3,4/5/20 1:00\n'

    // Act
    const { stats, rows } = await transform(engine, csv, { tableColumns: [{ name: 'updated', type: 'timestamp' }] })

    // Assess
    expect(rows).toEqual([
      { id: '1', updated: null, updated__string: '3/8/20 5:19' },
      { id: '2', updated: at('2020-03-09T07:00:00'), updated__string: null },
      { id: '3', updated: null, updated__string: '4/5/20 1:00' },
    ])
    expect(stats.warnings).toEqual([expect.stringMatching(/^variant: 2 value\(s\) of column updated fit neither its type timestamp/)])
  })

  it('reads a contract column with several formats, tried in order, and rejects a value in none of them', async () => {
    // Prepare
    const { csv, instants } = covidSeries()
    const contract = parseContract({
      columns: [{ name: 'Last Update', type: 'timestamp', formats: ['M/D/YYYY H:mm', 'YYYY-MM-DDTHH:mm:ss', 'M/D/YY H:mm'] }],
    })
    const withBad = csv.replace('3/12/20 5:19', '12 March 2020')

    // Act
    const { stats, rows, rejects } = await transform(engine, withBad, { contract, rejectThreshold: 1 })

    // Assess
    expect(rows.map((r) => r.last_update)).toEqual(instants.slice(0, -1))
    expect(stats.rowsRejected).toBe(1)
    expect(rejects[0].error_message).toBe('type: "12 March 2020" is not a timestamp in format M/D/YYYY H:mm or YYYY-MM-DDTHH:mm:ss or M/D/YY H:mm')
  })
})

describe('contract formats', () => {
  it('read a two-digit year as POSIX %y does, and refuse "format" next to "formats"', () => {
    const parser = compileTemporalFormats(['M/D/YY H:mm'])
    expect(parser.parseMicros('3/8/20 5:19')).toBe(Date.UTC(2020, 2, 8, 5, 19) * 1000)
    expect(parser.parseMicros('3/8/69 5:19')).toBe(Date.UTC(1969, 2, 8, 5, 19) * 1000)
    expect(() => parseContract({ columns: [{ name: 'a', type: 'date', format: 'D/M/YYYY', formats: ['M/D/YYYY'] }] })).toThrow(/columns\[0\]\.formats: give either "format" or "formats"/)
    expect(() => parseContract({ columns: [{ name: 'a', type: 'date', formats: [] }] })).toThrow(/columns\[0\]\.formats: must be a non-empty array/)
  })
})
