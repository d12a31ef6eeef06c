import { describe, expect, it } from 'vitest'
import { ContractInvalidError } from '../../functions/core/errors'
import { parseContract } from '../../functions/core/schema/contract'
import { canonicalNumber, EUROPEAN } from '../../functions/core/schema/number-format'
import { canonicalDecimal } from '../support/exact-sum'
import { prng } from '../support/prng'
import { ENGINES, transformHarness } from '../support/transform-harness'

const transform = transformHarness('european', (n) => `invoices/export-${n}.csv`)

/** Cents as the European text (`-1.234,56`), and as the plain decimal text (`-1234.56`). */
function euro(cents: bigint): { text: string; plain: string } {
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  const whole = (abs / 100n).toString()
  const fraction = (abs % 100n).toString().padStart(2, '0')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.')
  return { text: `${negative ? '-' : ''}${grouped},${fraction}`, plain: `${negative ? '-' : ''}${whole}.${fraction}` }
}

const CUSTOMERS = ['Müller GmbH', 'Bäckerei Schmidt', 'Société Générale', 'Fa. Weber & Söhne', 'Nordlicht AG']

/**
 * A German ERP invoice export: `;`-delimited, dates `DD.MM.YYYY`, amounts `1.234,56`, some
 * credit notes (negative), a discount with one decimal. 500 rows; the expected plain values.
 */
function invoiceExport(rows = 500, seed = 18): { csv: string; expected: { price: string; total: string; discount: string }[] } {
  const random = prng(seed)
  const lines = ['Rechnungsnr;Datum;Kunde;Menge;Einzelpreis;Umsatz;Rabatt %']
  const expected: { price: string; total: string; discount: string }[] = []
  for (let i = 1; i <= rows; i++) {
    const quantity = 1 + Math.floor(random() * 40)
    // Prices from 0,35 to 25.000,00: some below a thousand, some with a group.
    const priceCents = BigInt(35 + Math.floor(random() * (i % 3 === 0 ? 2_500_000 : 99_900)))
    const credit = i % 17 === 0 ? -1n : 1n
    const total = euro(credit * priceCents * BigInt(quantity))
    const price = euro(priceCents)
    const tenths = Math.floor(random() * 300)
    const discount = `${Math.floor(tenths / 10)},${tenths % 10}`
    const day = String(1 + (i % 28)).padStart(2, '0')
    lines.push(`RE-2024-${String(i).padStart(4, '0')};${day}.03.2024;${CUSTOMERS[i % CUSTOMERS.length]};${quantity};${price.text};${total.text};${discount}`)
    expected.push({ price: price.plain, total: total.plain, discount: `${Math.floor(tenths / 10)}.${tenths % 10}` })
  }
  return { csv: `${lines.join('\r\n')}\r\n`, expected }
}

describe('canonicalNumber', () => {
  it('reads the European format exactly and refuses what it cannot read without a guess', () => {
    expect(canonicalNumber('1.234,56', EUROPEAN)).toBe('1234.56')
    expect(canonicalNumber('-1.234.567,8', EUROPEAN)).toBe('-1234567.8')
    expect(canonicalNumber('0,05', EUROPEAN)).toBe('0.05')
    expect(canonicalNumber('1.234', EUROPEAN)).toBe('1234')
    // A `.` group of other than three digits, or a `.` where none is allowed: not a number.
    expect(canonicalNumber('12.34', EUROPEAN)).toBeUndefined()
    expect(canonicalNumber('1234.567,8', EUROPEAN)).toBeUndefined()
    expect(canonicalNumber('.5', EUROPEAN)).toBeUndefined()
    expect(canonicalNumber('1.234,56', { decimalSeparator: ',' })).toBeUndefined()
    // Text and dates are left to the other rules.
    expect(canonicalNumber('03.01.2024', EUROPEAN)).toBeUndefined()
    expect(canonicalNumber('2024-03-01', EUROPEAN)).toBe('2024-03-01')
    expect(canonicalNumber('12,5 EUR', EUROPEAN)).toBe('12,5 EUR')
  })
})

describe.each(ENGINES)('a ";"-delimited European export (%s)', (_, engine) => {
  it('infers the decimal and thousands separators, types the amounts decimal and keeps all 500 rows exact, with a warning', async () => {
    // Prepare
    const { csv, expected } = invoiceExport()

    // Act
    const { stats, rows } = await transform(engine, csv)

    // Assess
    expect(stats).toMatchObject({ rowsIn: 500, rowsOut: 500, rowsRejected: 0 })
    const types = Object.fromEntries(stats.columns.map((c) => [c.name, c.type]))
    expect(types.menge).toBe('bigint')
    // Inferred decimals take the scale steps of type-widening.ts (a scale of 1 is held as 2).
    expect(types.einzelpreis).toMatch(/^decimal\(\d+,2\)$/)
    expect(types.umsatz).toMatch(/^decimal\(\d+,2\)$/)
    expect(types.rabatt).toMatch(/^decimal\(\d+,\d+\)$/)
    // Dates with dots are day first: 02.03.2024 is 2 March.
    expect(types.datum).toBe('date')
    expect(rows.map((r) => canonicalDecimal(String(r.umsatz)))).toEqual(expected.map((e) => canonicalDecimal(e.total)))
    expect(rows.map((r) => canonicalDecimal(String(r.einzelpreis)))).toEqual(expected.map((e) => canonicalDecimal(e.price)))
    expect(rows.map((r) => canonicalDecimal(String(r.rabatt)))).toEqual(expected.map((e) => canonicalDecimal(e.discount)))
    expect(rows[0].datum).toBe('2024-03-02')
    expect(stats.warnings).toEqual([expect.stringMatching(/^numbers: .* decimal separator "," and thousands separator "\."/)])
  })

  it('loads every row of a contract that declares decimal columns and the separators, without a number warning', async () => {
    // Prepare: the contract the issue's user wrote, which rejected 500 of 500 rows.
    const { csv, expected } = invoiceExport()
    const contract = parseContract({
      delimiter: ';',
      decimalSeparator: ',',
      thousandsSeparator: '.',
      columns: [
        { name: 'Einzelpreis', type: 'decimal(12,2)' },
        { name: 'Umsatz', type: 'decimal(14,2)' },
        { name: 'Rabatt %', type: 'decimal(4,1)' },
      ],
    })

    // Act
    const { stats, rows } = await transform(engine, csv, { contract })

    // Assess
    expect(stats).toMatchObject({ rowsIn: 500, rowsOut: 500, rowsRejected: 0 })
    expect(rows.map((r) => r.umsatz)).toEqual(expected.map((e) => e.total))
    expect(rows.map((r) => r.rabatt)).toEqual(expected.map((e) => e.discount))
    expect(stats.warnings.filter((w) => w.startsWith('numbers:'))).toEqual([])
  })

  it('rejects, with the reason, a value the declared format cannot read without a guess', async () => {
    // Prepare: no thousands separator declared, so "1.234,56" is ambiguous; "12.5" has a point.
    const csv = 'id;amount\n1;12,50\n2;1.234,56\n3;12.5\n4;-0,99\n'
    const contract = parseContract({ decimalSeparator: ',', rejectThreshold: 1, columns: [{ name: 'amount', type: 'decimal(10,2)' }] })

    // Act
    const { stats, rows, rejects } = await transform(engine, csv, { contract })

    // Assess
    expect(rows).toEqual([{ id: '1', amount: '12.50' }, { id: '4', amount: '-0.99' }])
    expect(rejects.map((r) => [Number(r.line), r.error_code, r.column])).toEqual([[3, 'type_mismatch', 'amount'], [4, 'type_mismatch', 'amount']])
    expect(rejects[0].error_message).toBe('type: "1.234,56" is not a decimal(10,2) written with decimal separator "," and no thousands separator')
    expect(stats.rowsRejected).toBe(2)
  })

  it('reads the column of a contract that gives its own separators over the contract\'s', async () => {
    // Prepare: amounts European, the rate column in plain notation.
    const csv = 'id;amount;rate\n1;1.234,5;0.25\n2;7,25;1.5\n'
    const contract = parseContract({
      decimalSeparator: ',',
      thousandsSeparator: '.',
      columns: [{ name: 'amount', type: 'decimal(10,2)' }, { name: 'rate', type: 'double', decimalSeparator: '.', thousandsSeparator: null }],
    })

    // Act
    const { rows } = await transform(engine, csv, { contract })

    // Assess
    expect(rows).toEqual([{ id: '1', amount: '1234.50', rate: 0.25 }, { id: '2', amount: '7.25', rate: 1.5 }])
  })

  it('leaves a ";" file whose numbers disagree on the decimal separator in its plain reading, without a warning', async () => {
    // Prepare: "12.5" could only be a point decimal; "1.234" alone says nothing about grouping.
    for (const csv of ['id;a;b\n1;12.5;3,5\n2;7;4\n', 'id;a;b\n1;1.234;3,5\n2;2.500;4,25\n']) {
      // Act
      const { stats, rows } = await transform(engine, csv)

      // Assess: the comma column is text, exactly as written; nothing is altered.
      expect(stats.columns.find((c) => c.name === 'b')?.type).toBe('string')
      expect(rows.map((r) => r.b)).toEqual(csv.includes('12.5') ? ['3,5', '4'] : ['3,5', '4,25'])
      expect(stats.warnings).toEqual([])
    }
  })

  it('infers again from the whole file when a value after the sample needs the thousands separator', async () => {
    // Prepare: the sample (20 rows) shows "12,5" only; row 30 has "1.234,56".
    const lines = ['id;amount']
    for (let i = 1; i <= 40; i++) lines.push(`${i};${i === 30 ? '1.234,56' : `${i},5`}`)

    // Act
    const { stats, rows } = await transform(engine, `${lines.join('\n')}\n`, { sampleRows: 20 })

    // Assess
    expect(stats.columns[1].type).toMatch(/^decimal\(\d+,2\)$/)
    expect(canonicalDecimal(String(rows[29].amount))).toBe('1234.56')
    expect(canonicalDecimal(String(rows[0].amount))).toBe('1.5')
    expect(stats.inference.restarts).toBe(1)
    expect(stats.warnings[0]).toMatch(/^numbers: .*thousands separator "\."/)
  })

  it('keeps as text a column whose point decimal after the sample makes the file ambiguous', async () => {
    // Prepare
    const lines = ['id;amount']
    for (let i = 1; i <= 40; i++) lines.push(`${i};${i === 30 ? '12.5' : `${i},5`}`)

    // Act
    const { stats, rows } = await transform(engine, `${lines.join('\n')}\n`, { sampleRows: 20 })

    // Assess: no value is read in a format it may not be written in.
    expect(stats.columns[1].type).toBe('string')
    expect(rows[29].amount).toBe('12.5')
    expect(rows[0].amount).toBe('1,5')
    expect(stats.warnings.filter((w) => w.startsWith('numbers:'))).toEqual([])
  })
})

describe('number separators in a contract', () => {
  it('are validated with their paths', () => {
    const bad = () =>
      parseContract({
        delimiter: ',',
        decimalSeparator: ',',
        thousandsSeparator: ';',
        columns: [{ name: 'a', type: 'string', decimalSeparator: ',' }, { name: 'b', type: 'decimal(4,2)', thousandsSeparator: ',' }],
      })
    expect(bad).toThrow(ContractInvalidError)
    expect(bad).toThrow(/thousandsSeparator: must be one of/)
    expect(bad).toThrow(/delimiter: must differ from the decimal and thousands separators/)
    expect(bad).toThrow(/columns\[0\]\.decimalSeparator: only number columns take separators/)
    expect(bad).toThrow(/columns\[1\]\.thousandsSeparator: must differ from the decimal separator ","/)
  })
})
