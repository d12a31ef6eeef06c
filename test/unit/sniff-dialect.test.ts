import { describe, expect, it } from 'vitest'
import { sniffDialect } from '../../functions/core/csv/sniff-dialect'

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
})
