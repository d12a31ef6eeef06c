/** Decimal text with no exponent, as a canonical string: no leading or trailing zeros. */
export function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-')
  const [whole, fraction = ''] = text.replace(/^[+-]/, '').split('.')
  const w = whole.replace(/^0+(?=\d)/, '') || '0'
  const f = fraction.replace(/0+$/, '')
  const body = f ? `${w}.${f}` : w
  return negative && body !== '0' ? `-${body}` : body
}

/** The exact sum of decimal texts (the oracle a query's sum is compared with). */
export function exactSum(values: string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0))
  let total = 0n
  for (const v of values) {
    const [whole, fraction = ''] = v.replace(/^[+-]/, '').split('.')
    const unscaled = BigInt(whole + fraction.padEnd(scale, '0'))
    total += v.startsWith('-') ? -unscaled : unscaled
  }
  const negative = total < 0n
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0')
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits
  return canonicalDecimal(negative ? `-${text}` : text)
}

/** The values of one column of CSV texts (header first, no quoting), empty fields left out. */
export function csvColumn(csvs: string[], column: string): string[] {
  return csvs.flatMap((csv) => {
    const [header, ...lines] = csv.trim().split('\n')
    const at = header.split(',').indexOf(column)
    return lines.map((l) => l.split(',')).filter((f) => f.length === header.split(',').length).map((f) => f[at]).filter((v) => v !== '')
  })
}
