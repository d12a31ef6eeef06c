import { Command } from 'commander'
import { formatTable } from './format-table'
import { assertLakeFolder } from './lake-checks'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { openLakeQuery } from './query/lake-query'

interface QueryFlags extends LakeFlags {
  json?: boolean
}

/** `sluice query`: SQL over the catalog's tables with DuckDB. */
export function queryCommand(): Command {
  return withLakeOptions(
    new Command('query')
      .description('Run SQL over the curated tables with DuckDB, standing in for Athena. Every table, and its <table>__rejects table, is a view named <table> and <database>.<table>, with ingest_date from its partitions.')
      .argument('<sql>', 'the query, e.g. "SELECT status, count(*) FROM orders GROUP BY 1"')
      .option('--json', 'print the rows as a JSON array of objects')
      .addHelpText('after', `
A --lake that holds neither raw/ nor curated/ is an error, and so is a table the catalog
does not have (the message lists the tables that exist).

Examples:
  npx sluice query "SELECT status, count(*) AS orders FROM orders GROUP BY 1"
  npx sluice query "SELECT source, line, error_code FROM orders__rejects" --lake ~/lakes/sales
  npx sluice query "SELECT * FROM sluice.customers LIMIT 5" --json`),
  ).action(async (sql: string, flags: QueryFlags) => {
    const { deps, files, root } = lakeFromFlags(flags)
    await assertLakeFolder(root)
    const lake = await openLakeQuery(deps.catalog, deps.database, files)
    try {
      const result = await lake.query(sql)
      process.stdout.write(flags.json ? `${JSON.stringify(result.rows)}\n` : formatTable(result.columns, result.rows))
    } finally {
      lake.close()
    }
  })
}

/** `sluice tables`: the catalog's tables with their row counts. */
export function tablesCommand(): Command {
  return withLakeOptions(
    new Command('tables')
      .description('List the curated tables with their row counts, partitions and columns.')
      .option('--json', 'print the list as JSON')
      .addHelpText('after', `
Examples:
  npx sluice tables
  npx sluice tables --lake ~/lakes/sales --json`),
  ).action(async (flags: QueryFlags) => {
    const { deps, files, root } = lakeFromFlags(flags)
    await assertLakeFolder(root)
    const tables = await deps.catalog.listTables(deps.database)
    const lake = await openLakeQuery(deps.catalog, deps.database, files)
    try {
      const rows = []
      for (const t of tables) {
        const [{ n }] = (await lake.query(`SELECT count(*) AS n FROM "${deps.database}"."${t.Name.replace(/"/g, '""')}"`)).rows as { n: number }[]
        const partitions = (await deps.catalog.listPartitions(deps.database, t.Name)).length
        rows.push({ table: `${deps.database}.${t.Name}`, rows: n, partitions, columns: t.StorageDescriptor.Columns.map((c) => `${c.Name} ${c.Type}`).join(', ') })
      }
      process.stdout.write(flags.json ? `${JSON.stringify(rows)}\n` : rows.length > 0 ? formatTable(['table', 'rows', 'partitions', 'columns'], rows) : 'no tables yet: run `sluice run` after dropping CSV files into <lake>/raw/\n')
    } finally {
      lake.close()
    }
  })
}
