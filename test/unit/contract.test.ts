import { describe, expect, it } from 'vitest'
import { parseContract } from '../../functions/core/schema/contract'
import { ContractInvalidError } from '../../functions/core/errors'

describe('parseContract', () => {
  it('reads columns, types, formats and dialect settings', () => {
    const contract = parseContract({
      header: true,
      delimiter: ';',
      encoding: 'windows-1252',
      nullTokens: ['-'],
      rejectThreshold: 0.01,
      extraColumns: 'drop',
      columns: [
        { name: 'Order ID', type: 'bigint', nullable: false },
        { name: 'amount', type: 'decimal', precision: 12, scale: 2 },
        { name: 'day', type: 'date', format: 'DD/MM/YYYY' },
      ],
    })
    expect(contract.columns!.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['order_id', { kind: 'bigint' }, false],
      ['amount', { kind: 'decimal', precision: 12, scale: 2 }, true],
      ['day', { kind: 'date' }, true],
    ])
    expect(contract.columns![2].format?.parseDays('03/05/2024')).toBe(19846)
    expect(contract).toMatchObject({ delimiter: ';', encoding: 'windows-1252', nullTokens: ['-'], rejectThreshold: 0.01, extraColumns: 'drop' })
  })

  it('leaves the header, quoting and preamble to detection, with nullable columns and keeping extra columns', () => {
    const contract = parseContract({ columns: [{ name: 'a', type: 'string' }] })
    expect(contract).toMatchObject({ extraColumns: 'keep' })
    expect(contract.header).toBeUndefined()
    expect(contract.quote).toBeUndefined()
    expect(contract.escape).toBeUndefined()
    expect(contract.skipLines).toBeUndefined()
    expect(contract.columns![0].nullable).toBe(true)
  })

  it('reads the dialect keys: header, quote null, a backslash escape and skipLines', () => {
    const contract = parseContract({ columns: [{ name: 'a', type: 'string' }], header: false, quote: null, escape: '\\', skipLines: 3 })
    expect(contract).toMatchObject({ header: false, quote: null, escape: '\\', skipLines: 3 })
  })

  it('rejects a quote other than " or null, an unknown escape and a negative or fractional skipLines', () => {
    const attempt = (extra: Record<string, unknown>) => () => parseContract({ columns: [{ name: 'a', type: 'string' }], ...extra })
    expect(attempt({ quote: "'" })).toThrow(/quote: must be/)
    expect(attempt({ escape: '/' })).toThrow(/escape: must be/)
    expect(attempt({ skipLines: -1 })).toThrow(/skipLines: must be a whole number/)
    expect(attempt({ skipLines: 1.5 })).toThrow(/skipLines: must be a whole number/)
  })

  it('reports every problem at once, each with its JSON path', () => {
    const attempt = () =>
      parseContract(
        {
          colums: [],
          delimiter: 'x',
          encoding: 'klingon',
          rejectThreshold: 2,
          columns: [
            { name: 'a', type: 'money' },
            { name: 'b', type: 'int', format: 'YYYY' },
            { name: 'c', type: 'date', format: 'HH:mm' },
            { name: 'a', type: 'decimal(40,2)' },
          ],
        },
        'orders.json',
      )
    expect(attempt).toThrow(ContractInvalidError)
    const message = (() => {
      try {
        attempt()
      } catch (e) {
        return (e as Error).message
      }
    })()
    expect(message).toMatch(/^contract orders\.json: /)
    for (const part of ['colums: unknown key', 'delimiter:', 'encoding: unknown encoding "klingon"', 'rejectThreshold:', 'columns[0].type: unknown type "money"', 'columns[1].format: only date and timestamp', 'columns[2].format: format "HH:mm" needs a year', 'columns[3].type']) {
      expect(message).toContain(part)
    }
  })

  it('reads the site\'s opt-in to record text, and rejects any other shape of the site key', () => {
    expect(parseContract({ columns: [], site: { recordText: true } }).site).toEqual({ recordText: true })
    expect(parseContract({ columns: [], site: {} }).site).toEqual({ recordText: false })
    expect(parseContract({ columns: [] })).not.toHaveProperty('site')
    for (const site of [true, { recordText: 'yes' }, { recordTxt: true }, []]) {
      expect(() => parseContract({ columns: [], site }), JSON.stringify(site)).toThrow(/site: must be an object \{ "recordText": true or false \}/)
    }
  })

  it('suggests the known key closest to a mistyped one', () => {
    const attempt = () => parseContract({ delimter: ';', columns: [{ name: 'a', type: 'int', nulable: true, colour: 'red' }] }, 'orders.json')
    expect(attempt).toThrow('delimter: unknown key (did you mean "delimiter"?)')
    expect(attempt).toThrow('columns[0].nulable: unknown key (did you mean "nullable"?)')
    expect(attempt).toThrow(/columns\[0\]\.colour: unknown key(;|$)/)
  })

  it('reads a column\'s aliases as normalized header names', () => {
    const contract = parseContract({ columns: [{ name: 'lat', type: 'double', aliases: ['Latitude', 'LAT_DEG'] }, { name: 'long', type: 'double' }] })
    expect(contract.columns!.map((c) => c.aliases)).toEqual([['latitude', 'lat_deg'], undefined])
  })

  it('rejects aliases that are not names or that another column already goes by', () => {
    const attempt = () => parseContract({ columns: [{ name: 'lat', type: 'double', aliases: ['Latitude'] }, { name: 'latitude', type: 'double' }, { name: 'x', type: 'int', aliases: 'X' }] })
    expect(attempt).toThrow('columns[1].name: duplicate column "latitude"')
    expect(attempt).toThrow('columns[2].aliases: must be an array of header names')
  })

  it('reads a column\'s renamedFrom as a normalized column name', () => {
    const contract = parseContract({ columns: [{ name: 'total', type: 'decimal(18,2)', renamedFrom: 'Amount EUR' }, { name: 'id', type: 'int' }] })
    expect(contract.columns!.map((c) => c.renamedFrom)).toEqual(['amount_eur', undefined])
  })

  it('rejects a renamedFrom that is the column\'s own name, another column\'s name or another rename\'s', () => {
    const attempt = () =>
      parseContract({
        columns: [
          { name: 'total', type: 'int', renamedFrom: 'Total' },
          { name: 'net', type: 'int', renamedFrom: 'id' },
          { name: 'id', type: 'int' },
          { name: 'a', type: 'int', renamedFrom: 'old' },
          { name: 'b', type: 'int', renamedFrom: 'old' },
          { name: 'c', type: 'int', renamedFrom: 7 },
        ],
      })
    expect(attempt).toThrow(ContractInvalidError)
    expect(attempt).toThrow('columns[0].renamedFrom: "Total" is the column\'s own name')
    expect(attempt).toThrow('columns[1].renamedFrom: "id" is the current name of another column')
    expect(attempt).toThrow('columns[4].renamedFrom: "old" is already the former name of column a')
    expect(attempt).toThrow('columns[5].renamedFrom: must be the name the column had before')
  })

  it('refuses to rename the partition column', () => {
    expect(() => parseContract({ partitionBy: 'area', columns: [{ name: 'area', type: 'string', renamedFrom: 'region' }] })).toThrow(/partitionBy: the partition column area cannot be renamed/)
  })

  it('rejects a contract that is not an object', () => {
    expect(() => parseContract([], 'x.json')).toThrow(/contract x\.json: must be a JSON object/)
  })

  it('reads a contract of settings only, with no columns, as one that declares none', () => {
    const contract = parseContract({ tableFormat: 'iceberg', delimiter: ';', nullTokens: ['-'] }, 'orders.json')
    expect(contract).not.toHaveProperty('columns')
    expect(contract).toMatchObject({ tableFormat: 'iceberg', delimiter: ';', nullTokens: ['-'], extraColumns: 'keep' })
    expect(parseContract({ tableFormat: 'hive' })).toEqual({ tableFormat: 'hive', extraColumns: 'keep', delimiter: undefined, encoding: undefined, nullTokens: undefined, rejectThreshold: undefined, partitionBy: undefined })
    expect(parseContract({ columns: [] }).columns).toEqual([])
    expect(parseContract({ columns: [{ name: 'a', type: 'int' }] })).not.toHaveProperty('tableFormat')
  })

  it('rejects a tableFormat other than hive or iceberg, naming the contract and the allowed values', () => {
    for (const tableFormat of ['Iceberg', 'delta', true, ['iceberg']]) {
      expect(() => parseContract({ tableFormat }, '_contracts/orders.json'), JSON.stringify(tableFormat)).toThrow(
        new ContractInvalidError(`contract _contracts/orders.json: tableFormat: must be "hive" or "iceberg", not ${JSON.stringify(tableFormat)}`),
      )
    }
  })

  it('suggests tableFormat for a misspelt tableFormat key', () => {
    expect(() => parseContract({ tableFromat: 'iceberg' }, 'orders.json')).toThrow('contract orders.json: tableFromat: unknown key (did you mean "tableFormat"?)')
    expect(() => parseContract({ table_format: 'iceberg' }, 'orders.json')).toThrow('table_format: unknown key (did you mean "tableFormat"?)')
  })

  it('refuses extraColumns drop or fail and partitionBy without columns, which would drop, fail or partition by nothing', () => {
    expect(() => parseContract({ extraColumns: 'drop' })).toThrow('extraColumns: "drop" needs "columns"')
    expect(() => parseContract({ extraColumns: 'fail' })).toThrow('extraColumns: "fail" needs "columns"')
    expect(parseContract({ extraColumns: 'keep' }).extraColumns).toBe('keep')
    expect(() => parseContract({ partitionBy: 'region' })).toThrow('partitionBy: needs "columns" declaring the partition column and its type')
  })

  it('requires partitionBy to name a contract column', () => {
    expect(() => parseContract({ partitionBy: 'region', columns: [{ name: 'a', type: 'string' }] })).toThrow(/partitionBy/)
    expect(parseContract({ partitionBy: 'Region', columns: [{ name: 'region', type: 'string' }] }).partitionBy).toBe('region')
  })
})
