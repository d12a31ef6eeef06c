import { Command, InvalidArgumentError } from 'commander'
import { terminalWidth } from './format-table'
import { assertLakeFolder } from './lake-checks'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { writeRows } from './output/write-rows'
import { readSql } from './query/sql-source'
import { metadataLocationOf } from '../functions/core/table-format/iceberg/iceberg-table-input'
import { icebergTableFormat } from '../functions/adapters/iceberg-table-format'

interface QueryFlags extends LakeFlags, OutputFlags {
  file?: string
  maxRows: number
  asOf?: Date | number
}

/** An --as-of value: a snapshot id (digits only), else an ISO time. */
export const asOfArgument = (value: string): Date | number => {
  if (/^\d+$/.test(value)) return Number(value)
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN)
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError('must be an ISO time, such as 2024-07-01T12:00:00Z, or a snapshot id from `sluice history`')
  return at
}

/** The default of --max-rows: a screenful or two of a table. */
export const DEFAULT_MAX_ROWS = 100

/** A whole number of at least 1 (for --max-rows and --limit). */
export const wholeNumber = (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1')
  return n
}

/** `--file` and `--max-rows`, shared by `query` and `aws query`. */
export function withQueryInputOptions(command: Command): Command {
  return command
    .option('-f, --file <file.sql>', 'read the SQL from this file (- for stdin)')
    .option('--max-rows <n>', `rows a table shows; it says how many there were (default ${DEFAULT_MAX_ROWS})`, wholeNumber, DEFAULT_MAX_ROWS)
}

/** `sluice query`: SQL over the catalog's tables with DuckDB. */
export function queryCommand(): Command {
  return withOutputOption(withQueryInputOptions(withLakeOptions(
    new Command('query')
      .description('Run SQL over the curated tables with DuckDB, standing in for Athena. Every table, and its <table>__rejects table, is a view named <table> and <database>.<table>, with ingest_date from its partitions.')
      .argument('[sql]', 'the query, e.g. "SELECT status, count(*) FROM orders GROUP BY 1"; - or none with a pipe: read it from stdin')
      .option('--as-of <time|snapshot>', 'read every Iceberg table as it was at this ISO time, or as of this snapshot id (see `sluice history`); Hive tables are then not defined', asOfArgument),
  )), ['table', 'csv', 'json', 'jsonl'], 'the rows')
    .addHelpText('after', `
csv, json and jsonl stream every row in constant memory, whatever the size of the result.
A --lake that holds neither raw/ nor curated/ is an error, and so is a table the catalog
does not have (the message lists the tables that exist). An Iceberg table reads its current
snapshot, or with --as-of the snapshot current at that time; a time before its earliest
retained snapshot is an error that names it.

Examples:
  npx sluice query "SELECT status, count(*) AS orders FROM orders GROUP BY 1"
  npx sluice query "SELECT source, line, error_code FROM orders__rejects" --lake ./lake
  npx sluice query "SELECT * FROM sluice.customers LIMIT 5" --output json
  npx sluice query "SELECT * FROM orders" --output csv > orders.csv
  echo "SELECT count(*) FROM orders" | npx sluice query
  npx sluice query "SELECT count(*) FROM orders" --as-of 2024-07-01T12:00:00Z`)
    .action(async (argument: string | undefined, flags: QueryFlags) => {
      const format = outputFormat(flags)
      const sql = await readSql(argument, flags.file)
      const { deps, files, root } = await lakeFromFlags(flags)
      await assertLakeFolder(root)
      const { openLakeQuery } = await import('./query/lake-query')
      const lake = await openLakeQuery(deps.catalog, deps.database, files, flags.asOf === undefined ? {} : { asOf: flags.asOf })
      try {
        await writeRows(process.stdout, await lake.stream(sql), format, { maxRows: flags.maxRows, width: terminalWidth() })
      } finally {
        lake.close()
      }
    })
}

/** `sluice tables`: the catalog's tables with their row counts. */
export function tablesCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('tables')
      .description('List the curated tables with their row counts, partitions and columns.'),
  ), ['table', 'csv', 'json'], 'the list')
    .addHelpText('after', `
In JSON each table's columns are an array of {name, type}; in a table and in CSV, one text.

Examples:
  npx sluice tables
  npx sluice tables --lake ./lake --output json`)
    .action(async (flags: QueryFlags) => {
      const format = outputFormat(flags)
      const { deps, files, root } = await lakeFromFlags(flags)
      await assertLakeFolder(root)
      const tables = await deps.catalog.listTables(deps.database)
      const { openLakeQuery } = await import('./query/lake-query')
      const lake = await openLakeQuery(deps.catalog, deps.database, files)
      try {
        const rows = []
        for (const t of tables) {
          const [{ n }] = (await lake.query(`SELECT count(*) AS n FROM "${deps.database}"."${t.Name.replace(/"/g, '""')}"`)).rows as { n: number }[]
          // An Iceberg table registers no partitions: its data files carry their values.
          const partitions = metadataLocationOf(t)
            ? new Set(((await icebergTableFormat({ store: deps.curated, catalog: deps.catalog, database: deps.database }).readTable(t.Name))?.files ?? []).map((f) => JSON.stringify(f.partition))).size
            : (await deps.catalog.listPartitions(deps.database, t.Name)).length
          rows.push({ table: `${deps.database}.${t.Name}`, rows: n, partitions, columns: t.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type })) })
        }
        if (format === 'table' && rows.length === 0) {
          process.stdout.write('no tables yet: run `sluice run` after dropping CSV files into <lake>/raw/\n')
          return
        }
        const flat = format === 'json' ? rows : rows.map((r) => ({ ...r, columns: r.columns.map((c) => `${c.name} ${c.type}`).join(', ') }))
        printRecords(format, ['table', 'rows', 'partitions', 'columns'], flat)
      } finally {
        lake.close()
      }
    })
}
