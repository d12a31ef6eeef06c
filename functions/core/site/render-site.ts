import { fileId } from '../lake/lake-layout'
import { runOutcome, type DatasetView, type FileView, type SiteModel } from './site-model'
import { SITE_CSS, SITE_SCRIPT } from './site-assets'
import { bytesText, escape, filterBox, freshness, jsonData, num, snippet, statText, statusBadge, table, when } from './site-html'

/** One file of the site: a path relative to the site's root, and its text. */
export interface SitePage {
  path: string
  content: string
}

/** The chart library's files, copied into the site as they are (see `CHART_LIBRARY`). */
export const CHART_LIBRARY = { script: 'assets/uPlot.iife.min.js', style: 'assets/uPlot.min.css' }

export const datasetPath = (name: string) => `datasets/${encodeURIComponent(name)}.html`
export const rejectsPath = (name: string) => `rejects/${encodeURIComponent(name)}.html`
export const filePath = (f: Pick<FileView, 'fileId'>) => `files/${f.fileId}.html`
export const runPagePath = (page: number) => `runs/${page}.html`

function layout(title: string, depth: number, body: string, model: SiteModel): string {
  const up = '../'.repeat(depth)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · sluice</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${up}${CHART_LIBRARY.style}">
<link rel="stylesheet" href="${up}assets/site.css">
</head>
<body>
<header><a class="brand" href="${up}index.html">sluice</a> <span class="db">database ${escape(model.database)}</span> <span class="generated">generated ${when(model.generatedAt)}</span></header>
<main>
<h1>${escape(title)}</h1>
${body}
</main>
<script src="${up}${CHART_LIBRARY.script}"></script>
<script src="${up}assets/site.js"></script>
</body>
</html>
`
}


const warnCount = (n: number, href?: string) => (n === 0 ? '0' : `<span class="warn">${href ? `<a href="${href}">${num(n)}</a>` : num(n)}</span>`)
const fileLink = (key: string, up = '') => `<a href="${up}${filePath({ fileId: fileId(key) })}">${escape(key)}</a>`

function indexPage(model: SiteModel): string {
  const datasets = table(
    ['dataset', 'rows', 'size', 'files', 'last load', 'failed', 'quarantined', 'pending', 'warnings', 'rejected rows'],
    model.datasets.map((d) => [
      `<a href="${datasetPath(d.name)}">${escape(d.name)}</a>`,
      num(d.rows),
      bytesText(d.bytes),
      num(d.files),
      freshness(d.lastLoad, d.stale, model.staleAfterHours),
      warnCount(d.failed.length),
      warnCount(d.quarantined.length),
      d.pending.length > 0 ? `<span class="warn">${num(d.pending.length)}</span>` : '0',
      warnCount(d.warnings.length, `${datasetPath(d.name)}#warnings`),
      d.rowsRejected > 0 ? `<a href="${rejectsPath(d.name)}">${num(d.rowsRejected)}</a>` : '0',
    ]),
    { label: 'Datasets', numeric: [1, 2, 3, 5, 6, 7, 8, 9], id: 'datasets-table' },
  )
  const attention = table(
    ['file', 'dataset', 'status', 'reason', 'when'],
    model.datasets.flatMap((d) => [
      ...d.failed.map((key) => [fileLink(key), escape(d.name), statusBadge('failed'), '', '—']),
      ...d.quarantined.map((q) => [q.key ? fileLink(q.key) : '—', escape(d.name), statusBadge('quarantined'), escape(q.reason ?? '—'), when(q.at)]),
    ]),
    { label: 'Failed and quarantined files', id: 'attention-table' },
  )
  const warnings = table(
    ['dataset', 'run', 'file', 'warning'],
    model.datasets.flatMap((d) => d.warnings.slice(0, WARNINGS_ON_INDEX).map((w) => [`<a href="${datasetPath(d.name)}#warnings">${escape(d.name)}</a>`, escape(w.runId), fileLink(w.key), escape(w.text)])),
    { label: 'Latest warnings', id: 'warnings-table' },
  )
  const runs = runsTable(model.runs)
  const older = model.runPages > 0 ? `<p class="note">Older runs: ${Array.from({ length: model.runPages }, (_, i) => model.runPages - i).map((n) => `<a href="${runPagePath(n)}">${n}</a>`).join(' ')}</p>` : ''
  const rowsSeries = Object.entries(model.rowsOverTime.datasets).map(([name, values]) => ({ name, values }))
  const rowsChart = { times: model.rowsOverTime.times, series: rowsSeries }
  const outcomes = ['loaded', 'empty', 'failed', 'quarantined', 'superseded', 'retracted'] as const
  const runsSeries = outcomes.map((o) => ({ name: o, values: model.runs.map((r) => r.totals[o] ?? 0) }))
  const runsChart = { times: model.runs.map((r) => Math.floor(Date.parse(r.startedAt) / 1000)), series: runsSeries }
  const runStarts = model.runs.map((r) => when(r.startedAt))
  return `<section><h2>Datasets</h2><p class="note">A dataset is flagged <span class="badge stale">stale</span> when its last load is more than ${num(model.staleAfterHours)} hours old.</p>${datasets}</section>
<section><h2>Failed and quarantined files</h2>${filterBox('attention-table', 'Filter files')}${attention}</section>
<section><h2>Latest warnings</h2>${warnings}</section>
<section><h2>Rows over time</h2><p class="note" id="rows-chart-note">Rows per dataset after each of the latest runs, on a logarithmic scale, so that a small dataset stays visible beside a large one.</p>
<div class="chart" data-chart="rows-chart" data-kind="line" data-y="rows" data-log="true" role="img" aria-label="Line chart: rows per dataset after each of the latest ${num(model.runs.length)} runs, logarithmic scale. Its data are in the table that follows." aria-describedby="rows-chart-note"></div>${jsonData('rows-chart', rowsChart)}
${chartTable('The rows chart as a table', 'rows-chart-table', runStarts, rowsSeries)}</section>
<section><h2>Runs</h2><p class="note" id="runs-chart-note">Files per run by outcome.</p>
<div class="chart" data-chart="runs-chart" data-kind="points" data-y="files" role="img" aria-label="Point chart: files per run by outcome, for the latest ${num(model.runs.length)} runs. The runs table below gives the same numbers." aria-describedby="runs-chart-note"></div>${jsonData('runs-chart', runsChart)}
${runs}${older}</section>`
}

/** How many of a dataset's warnings the index shows; its page shows them all. */
const WARNINGS_ON_INDEX = 5

/** A chart's data as a table, folded under a summary: the chart's text alternative. */
function chartTable(summary: string, id: string, times: string[], series: { name: string; values: number[] }[]): string {
  if (times.length === 0) return ''
  const rows = times.map((t, i) => [t, ...series.map((s) => num(s.values[i] ?? 0))])
  return `<details class="chart-data"><summary>${escape(summary)}</summary>${table(['run started', ...series.map((s) => s.name)], rows, { label: summary, numeric: series.map((_, i) => i + 1), id })}</details>`
}

function runsTable(runs: SiteModel['runs']): string {
  return table(
    ['run', 'trigger', 'started', 'outcome', 'files', 'loaded', 'failed', 'quarantined', 'rows loaded', 'rejected'],
    [...runs].reverse().map((r) => {
      const outcome = runOutcome(r)
      return [
        escape(r.runId),
        escape(r.trigger),
        when(r.startedAt),
        statusBadge(outcome.kind, outcome.text),
        num(r.totals.files),
        num(r.totals.loaded),
        num(r.totals.failed),
        num(r.totals.quarantined ?? 0),
        num(r.totals.rowsOut),
        num(r.totals.rowsRejected),
      ]
    }),
    { label: 'Runs', numeric: [4, 5, 6, 7, 8, 9], id: 'runs-table' },
  )
}

function datasetPage(d: DatasetView, model: SiteModel): string {
  const columns = table(
    ['column', 'type', 'nulls', 'min', 'max', 'note'],
    d.columns.map((c) => [
      `<code>${escape(c.name)}</code>`,
      `<code>${escape(c.type)}</code>`,
      c.stats ? num(c.stats.nulls) : '—',
      statText(c.stats?.min),
      statText(c.stats?.max),
      c.partition ? 'partition key' : c.variantOf ? `variant of <code>${escape(c.variantOf)}</code>: values that did not fit its type` : '',
    ]),
    { label: 'Schema', numeric: [2, 3, 4], id: 'schema-table' },
  )
  const fileRows = table(
    ['file', 'status', 'rows', 'rejected', 'committed'],
    d.recent.map((f) => [
      `<a href="../${filePath(f)}">${escape(f.key)}</a>`,
      statusBadge(f.status),
      f.rowsOut !== undefined ? num(f.rowsOut) : '—',
      f.rowsRejected !== undefined ? num(f.rowsRejected) : '—',
      when(f.committedAt),
    ]),
    { label: 'Files', numeric: [2, 3], id: 'files-table' },
  )
  const unloaded = table(
    ['file', 'status', 'reason', 'when'],
    [
      ...d.failed.map((key) => [fileLink(key, '../'), statusBadge('failed'), '', '—']),
      ...d.quarantined.map((q) => [q.key ? fileLink(q.key, '../') : '—', statusBadge('quarantined'), escape(q.reason ?? '—'), when(q.at)]),
    ],
    { label: 'Failed and quarantined files', id: 'unloaded-table' },
  )
  const warnings = table(
    ['run', 'file', 'warning'],
    d.warnings.map((w) => [escape(w.runId), escape(w.key), escape(w.text)]),
    { label: 'Schema changes and warnings', id: 'warnings-table' },
  )
  const name = `"${d.name.replace(/"/g, '""')}"`
  const history = d.snapshots
    ? `<section id="history"><h2>History</h2><p class="note">The table is an Iceberg table: each load commits one snapshot, and a query reads one whole snapshot. Its latest ${num(d.snapshots.length)} retained snapshots, newest first; <code>npx sluice history ${escape(d.name)}</code> lists every one, and <code>npx sluice query --as-of &lt;time|snapshot&gt;</code> reads an earlier one.</p>${table(
      ['committed', 'snapshot', 'operation', 'run', 'rows added', 'rows removed', 'rows'],
      d.snapshots.map((s) => [when(s.committedAt), `<code>${s.snapshotId}</code>${s.current ? ' (current)' : ''}`, escape(s.operation), escape(s.runId ?? '—'), num(s.addedRows), num(s.deletedRows), num(s.totalRows)]),
      { label: 'Snapshots', numeric: [4, 5, 6], id: 'history-table' },
    )}</section>\n`
    : ''
  const queries = `<h3>Athena</h3>${snippet('dataset-athena-query', `SELECT * FROM "${model.database.replace(/"/g, '""')}".${name} LIMIT 100`)}
<h3>Local lake (<code>npx sluice query</code>)</h3>${snippet('dataset-local-query', `npx sluice query 'SELECT * FROM ${name} LIMIT 100'`)}`
  return `<p>${d.description ? escape(d.description) : ''}</p>
<dl class="facts">
<dt>rows</dt><dd id="dataset-rows">${num(d.rows)}</dd>
<dt>size</dt><dd id="dataset-size">${bytesText(d.bytes)}</dd>
<dt>files loaded</dt><dd>${num(d.files)}</dd>
<dt>last load</dt><dd id="dataset-last-load">${freshness(d.lastLoad, d.stale, model.staleAfterHours)}</dd>
<dt>files pending</dt><dd>${num(d.pending.length)}</dd>
<dt>files failed</dt><dd id="dataset-failed">${num(d.failed.length)}</dd>
<dt>quarantined</dt><dd id="dataset-quarantined">${num(d.quarantined.length)}</dd>
<dt>rejected rows</dt><dd id="dataset-rejected">${d.rowsRejected > 0 ? `<a href="../${rejectsPath(d.name)}">${num(d.rowsRejected)}</a>` : '0'}</dd>
</dl>
<section><h2>Schema</h2>${columns}
<p class="note">The current definition from the catalog. Nulls, min and max come from the Parquet statistics of the committed files, as their loads wrote them; text columns show no min or max, since their values are raw data.
Columns are only ever added and types never change; a variant column
<code>&lt;column&gt;__string</code> holds, as text, the values that fit neither the column's type nor a widening of it. On AWS, Glue keeps earlier table versions
(<code>aws glue get-table-versions</code>); the local catalog keeps only the current one, so the history below is what the run reports recorded.</p></section>
<section id="warnings"><h2>Schema changes and warnings</h2>${warnings}</section>
${history}<section><h2>Files</h2>${d.recent.length < d.files ? `<p class="note">The ${num(d.recent.length)} files changed last; each file has its page under <code>files/</code>.</p>` : ''}${filterBox('files-table', 'Filter files')}${fileRows}</section>
<section><h2>Failed and quarantined</h2>${filterBox('unloaded-table', 'Filter files')}${unloaded}</section>
<section><h2>Query it</h2>${queries}</section>`
}

function rejectsPage(d: DatasetView): string {
  const total = d.rejectCodes.reduce((n, c) => n + c.count, 0)
  const codes = table(['error code', 'rows'], d.rejectCodes.map((c) => [`<a href="#${escape(c.code)}">${escape(c.code)}</a>`, num(c.count)]), { label: 'Rejected rows by error code', numeric: [1] })
  // A record's text is in a sample only where the deployment and the dataset's contract opt in.
  const samples = d.rejectCodes
    .map((c) => {
      const records = c.samples.some((s) => s.record !== undefined)
      return `<section id="${escape(c.code)}"><h2>${escape(c.code)} <span class="count">${num(c.count)}</span></h2>${table(
        ['file', 'line', 'column', 'message', ...(records ? ['record'] : [])],
        c.samples.map((s) => [escape(s.source), num(s.line), escape(s.column ?? ''), escape(s.errorMessage), ...(records ? [`<code class="record">${escape(s.record ?? '')}</code>`] : [])]),
        { label: `Sample rows rejected with ${c.code}`, numeric: [1] },
      )}</section>`
    })
    .join('\n')
  return `<p>Rows of <a href="../${datasetPath(d.name)}">${escape(d.name)}</a> that could not be loaded, from the table <code>${escape(d.name)}__rejects</code>: <strong id="rejects-total">${num(total)}</strong> rows.
Up to five sample lines per code, with their line numbers in the source file.</p>
${codes}
${samples}`
}

function filePage(f: FileView): string {
  const versions = table(
    ['run', 'when', 'version', 'outcome', 'rows in', 'loaded', 'rejected', 'note'],
    f.versions.map((v) => [escape(v.runId), when(v.at), `<code>${escape(v.etag)}</code>`, statusBadge(v.outcome), num(v.rowsIn), num(v.rowsOut), num(v.rowsRejected), escape(v.detail ?? '')]),
    { label: 'Versions and outcomes', numeric: [4, 5, 6], id: 'versions-table' },
  )
  const h = f.head
  const queries = [
    f.athenaQuery ? `<h3>Athena</h3>${snippet('athena-query', f.athenaQuery)}` : '',
    f.localQuery ? `<h3>Local lake (<code>npx sluice query</code>)</h3>${snippet('local-query', f.localQuery)}` : '',
  ].join('')
  return `<p>Dataset <a href="../${datasetPath(f.dataset)}">${escape(f.dataset)}</a> · file id <code>${escape(f.fileId)}</code> · ${statusBadge(f.status)}</p>
<dl class="facts">
<dt>rows loaded</dt><dd id="file-rows">${h ? num(h.rowsOut) : '—'}</dd>
<dt>rows rejected</dt><dd id="file-rejected">${h ? num(h.rowsRejected) : '—'}</dd>
<dt>rows in</dt><dd>${h ? num(h.rowsIn) : '—'}</dd>
<dt>committed version</dt><dd><code>${escape(h?.etag || '—')}</code></dd>
<dt>raw version now</dt><dd><code>${escape(f.rawEtag ?? 'gone from the raw zone')}</code></dd>
<dt>committed</dt><dd>${when(h?.committedAt)}</dd>
<dt>receipt</dt><dd><code>npx sluice receipt ${escape(f.key)}</code> (the raw object's <code>sluice-*</code> tags on S3)</dd>
</dl>
<section><h2>Versions and outcomes</h2>${versions}</section>
<section><h2>Query its rows</h2>${queries || '<p class="empty">No committed rows.</p>'}
${h && h.outputs.length > 0 ? `<p class="note">Its parts:</p><ul class="parts">${h.outputs.map((o) => `<li><code>${escape(o)}</code></li>`).join('')}</ul>` : ''}</section>`
}

/**
 * The pages of the model's changed datasets and files, the pages of runs just cut from the
 * index, the index, and the site's own stylesheet and script; the chart library is copied by
 * the caller.
 */
export function renderSite(model: SiteModel): SitePage[] {
  const pages: SitePage[] = [
    { path: 'index.html', content: layout('Lake status', 0, indexPage(model), model) },
    { path: 'assets/site.css', content: SITE_CSS },
    { path: 'assets/site.js', content: SITE_SCRIPT },
  ]
  for (const d of model.datasets.filter((x) => model.changed.includes(x.name))) {
    pages.push({ path: datasetPath(d.name), content: layout(`Dataset ${d.name}`, 1, datasetPage(d, model), model) })
    pages.push({ path: rejectsPath(d.name), content: layout(`Rejects of ${d.name}`, 1, rejectsPage(d), model) })
  }
  for (const f of model.files) pages.push({ path: filePath(f), content: layout(f.key, 1, filePage(f), model) })
  for (const p of model.archived) pages.push({ path: runPagePath(p.page), content: layout(`Runs, page ${p.page}`, 1, `<p class="note">Older runs, newest first; the latest are on the <a href="../index.html">index</a>.</p>${runsTable(p.runs)}`, model) })
  return pages
}
