import { describe, expect, it } from 'vitest'
import { parseContract } from '../../functions/core/schema/contract'
import { datasetTableFormat, DEFAULT_TABLE_FORMAT, establishedTableFormat, isTableFormatName } from '../../functions/core/table-format/table-format-setting'

describe('datasetTableFormat', () => {
  it('takes the contract\'s tableFormat over the lake\'s', () => {
    expect(datasetTableFormat(parseContract({ tableFormat: 'iceberg' }), 'hive')).toBe('iceberg')
    expect(datasetTableFormat(parseContract({ tableFormat: 'hive' }), 'iceberg')).toBe('hive')
  })

  it('takes the lake\'s format for a dataset with no contract, or a contract that names none', () => {
    expect(datasetTableFormat(undefined, 'iceberg')).toBe('iceberg')
    expect(datasetTableFormat(undefined, 'hive')).toBe('hive')
    expect(datasetTableFormat(parseContract({ columns: [{ name: 'a', type: 'int' }] }), 'iceberg')).toBe('iceberg')
  })
})

describe('establishedTableFormat', () => {
  it('makes a new lake\'s tables Iceberg tables, and keeps a lake with a Hive table making Hive tables', () => {
    expect(DEFAULT_TABLE_FORMAT).toBe('iceberg')
    expect(establishedTableFormat([])).toBe('iceberg')
    expect(establishedTableFormat([{ iceberg: true }, { iceberg: true }])).toBe('iceberg')
    expect(establishedTableFormat([{ iceberg: false }])).toBe('hive')
    expect(establishedTableFormat([{ iceberg: true }, { iceberg: false }])).toBe('hive')
  })
})

describe('isTableFormatName', () => {
  it('knows hive and iceberg, in lower case, and nothing else', () => {
    expect(['hive', 'iceberg', 'Hive', 'ICEBERG', 'delta', '', undefined, 1].map(isTableFormatName)).toEqual([true, true, false, false, false, false, false, false])
  })
})
