import { describe, expect, it } from 'vitest'
import { sniffCsv, sniffDialect } from '../../functions/core/csv/sniff-dialect'
import { detectHeader, headerEvidence } from '../../functions/core/schema/detect-header'

describe('sniffDialect', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['a;b;c\n1;2,5;3\n4;5,5;6\n', ';'],
    ['a\tb\n1\t2\n', '\t'],
    ['a|b|c\n1|2|3\n', '|'],
    ['name;note\n"Smith, J";"a,b,c"\n"Doe, A";"x,y"\n', ';'],
    ['single\n1\n2\n', ','],
  ])('finds the delimiter of %j', (sample, delimiter) => {
    expect(sniffDialect(sample, true).delimiter).toBe(delimiter)
  })

  it.each([
    ['a,b\n1,2\n', 'LF'],
    ['a,b\r\n1,2\r\n', 'CRLF'],
    ['a,b\r1,2\r', 'CR'],
    ['a,b', 'none'],
    ['"multi\nline",b\r\n1,2\r\n', 'CRLF'],
  ])('finds the line break of %j', (sample, lineBreak) => {
    expect(sniffDialect(sample, true).lineBreak).toBe(lineBreak)
  })

  it('uses a declared delimiter as given', () => {
    expect(sniffDialect('a,b;c\n', true, ';').delimiter).toBe(';')
  })

  it('ignores a cut-off last record of an incomplete sample', () => {
    expect(sniffDialect('a;b\n1;2\n3;4\n5,6,7,8,9,10', false).delimiter).toBe(';')
  })

  it('reads a TSV whose fields start with a bare quote without quoting, since quoting would merge its rows', () => {
    expect(sniffCsv('id\tv\n1\t"\n2\t"!"\n3\tok\n', true).dialect).toMatchObject({ delimiter: '\t', quote: null })
  })

  it('keeps quoting for quoted fields that hold line breaks and delimiters', () => {
    expect(sniffCsv('id,v\n1,"a\nb"\n2,"c,d"\n3,e\n', true).dialect).toMatchObject({ delimiter: ',', quote: '"' })
  })

  it('keeps quoting when a quote never closes: the engines reject that record', () => {
    expect(sniffCsv('id,text\n1,ok\n2,"fine"\n3,"never closed\n4,swallowed\n', true).dialect.quote).toBe('"')
  })

  it('detects backslash escapes used consistently, and not where quotes are doubled', () => {
    expect(sniffCsv('id,t\n1,"Say \\"hi\\", then go"\n2,"x"\n', true).dialect.escape).toBe('\\')
    expect(sniffCsv('id,t\n1,"Say ""hi"", then go"\n2,"a\\b"\n', true).dialect.escape).toBe('"')
  })

  it('detects spaces around quoted fields', () => {
    expect(sniffCsv('id,g,n\n1, "Hi, Mom!", 3\n2,"onions"  ,4\n', true).dialect).toMatchObject({ delimiter: ',', trimSpaces: true })
    expect(sniffCsv('id,g\n1,12" pipe\n2,x\n', true).dialect.trimSpaces).toBe(false)
  })

  it('detects a delimiter that ends every data row but not the header', () => {
    expect(sniffCsv('a,b\n1,2,\n3,4,\n', true).dialect.trailingDelimiter).toBe(true)
    // An empty last column under a header that names it is data, not a trailing delimiter.
    expect(sniffCsv('a,b,note\n1,2,\n3,4,\n', true).dialect.trailingDelimiter).toBe(false)
  })

  it('finds a preamble before the header, counting its lines, and the records from the header on', () => {
    const sniffed = sniffCsv('Exported from ERP on 2024-01-01\r\n\r\nid;amount\r\n1;2.5\r\n2;3.5\r\n', true, { headerEvidence })
    expect(sniffed.dialect).toMatchObject({ delimiter: ';', skipLines: 2 })
    expect(sniffed.records[0]).toEqual(['id', 'amount'])
  })

  it('finds no preamble when the narrower first line is followed by too few records', () => {
    expect(sniffCsv('title\nid,n\n1,2\n', true, { headerEvidence }).dialect.skipLines).toBe(0)
  })

  it('never takes a one-column header for a preamble when the record after it is not surely a header', () => {
    // Unquoted commas in a one-column file: skipping "name" would make the first row the header.
    const sniffed = sniffCsv('name\nSmith, John\nDoe, Jane\nRoe, Rick\n', true, { headerEvidence })
    expect(sniffed.dialect).toMatchObject({ skipLines: 0, delimiter: ',' })
    expect(sniffed.records[0]).toEqual(['name'])
  })

  it('takes the declared skipLines, quote and escape as given', () => {
    expect(sniffCsv('x\ny\na,b\n1,"2"\n', true, { skipLines: 2, quote: null }).dialect).toMatchObject({ skipLines: 2, quote: null })
    expect(sniffCsv('a,b\n1,2\n', true, { escape: '\\' }).dialect.escape).toBe('\\')
  })
})

describe('detectHeader', () => {
  it.each([
    [[['id', 'amount'], ['1', '2.5'], ['2', '3']], true],
    [[['1', 'AAAAAAAABAAAAAAA', '1997-09-03'], ['2', 'AAAAAAAACAAAAAAA', '1997-09-04']], false],
    [[['name', 'city'], ['ann', 'Paris']], true],
    [[['a', 'b']], true],
    [[['2019', 'x'], ['5', 'y']], false],
    [[['year', '2019'], ['5', 'y']], true],
  ])('reads %j as having a header: %s', (records, header) => {
    expect(detectHeader(records)).toBe(header)
  })
})
