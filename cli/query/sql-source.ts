import { readFile } from 'node:fs/promises'
import { SluiceError } from '../../functions/core/errors'
import { UsageError } from '../usage-error'

/**
 * The SQL of a query command: the argument, the file of `-f`, or stdin (an argument of `-`,
 * or no argument when stdin is not a terminal).
 */
export async function readSql(argument: string | undefined, file: string | undefined, stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<string> {
  if (argument !== undefined && file !== undefined) throw new UsageError('give the SQL as an argument or with -f, not both')
  let sql: string
  if (file !== undefined && file !== '-') {
    sql = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new SluiceError(`query: cannot read ${file} (${e.code ?? e.message})`, { cause: e })
    })
  } else if (file === '-' || argument === '-' || (argument === undefined && !stdin.isTTY)) {
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer))
    sql = Buffer.concat(chunks).toString('utf8')
  } else if (argument === undefined) {
    throw new UsageError('no SQL: give it as an argument, with -f <file.sql>, or on stdin')
  } else {
    sql = argument
  }
  if (sql.trim() === '') throw new UsageError(`the SQL ${file !== undefined && file !== '-' ? `in ${file} ` : ''}is empty`)
  return sql
}
