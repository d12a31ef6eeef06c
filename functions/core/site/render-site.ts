import type { DatasetView, FileView, SiteModel } from './site-model'
import { SITE_CSS, SITE_SCRIPT } from './site-assets'

/** One file of the site: a path relative to the site's root, and its text. */
export interface SitePage {
  path: string
  content: string
}

/** The chart library's files, copied into the site as they are (see `CHART_LIBRARY`). */
export const CHART_LIBRARY = { script: 'assets/uPlot.iife.min.js', style: 'assets/uPlot.min.css' }

const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
const num = (n: number) => n.toLocaleString('en-US')
const when = (iso?: string) => (iso ? escape(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')) : '—')
/** JSON inside a `<script type="application/json">`: `<` escaped so no text closes the element. */
const jsonData = (id: string, data: unknown) => `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`

export const datasetPath = (name: string) => `datasets/${encodeURIComponent(name)}.html`
export const rejectsPath = (name: string) => `rejects/${encodeURIComponent(name)}.html`
export const filePath = (f: Pick<FileView, 'fileId'>) => `files/${f.fileId}.html`
export const runPagePath = (page: number) => `runs/${page}.html`

function table(headers: string[], rows: string[][], numeric: number[] = []): string {
  if (rows.length === 0) return '<p class="empty">None.</p>'
  const cell = (tag: string, i: number, c: string) => `<${tag}${numeric.includes(i) ? ' class="num"' : ''}>${c}</${tag}>`
  return `<table><thead><tr>${headers.map((h, i) => cell('th', i, escape(h))).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', i, c)).join('')}</tr>`)
    .join('')}</tbody></table>`
}

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

const statusBadge = (status: string) => `<span class="badge ${escape(status)}">${escape(status)}</span>`

function indexPage(model: SiteModel): string {
  const datasets = table(
    ['dataset', 'rows', 'files', 'last load', 'pending', 'quarantined', 'rejected rows'],
    model.datasets.map((d) => [
      `<a href="${datasetPath(d.name)}">${escape(d.name)}</a>`,
      num(d.rows),
      num(d.files),
      when(d.lastLoad),
      d.pending.length > 0 ? `<span class="warn">${num(d.pending.length)}</span>` : '0',
      d.quarantined.length > 0 ? `<span class="warn">${num(d.quarantined.length)}</span>` : '0',
      d.rowsRejected > 0 ? `<a href="${rejectsPath(d.name)}">${num(d.rowsRejected)}</a>` : '0',
    ]),
    [1, 2, 4, 5, 6],
  )
  const runs = runsTable(model.runs)
  const older = model.runPages > 0 ? `<p class="note">Older runs: ${Array.from({ length: model.runPages }, (_, i) => model.runPages - i).map((n) => `<a href="${runPagePath(n)}">${n}</a>`).join(' ')}</p>` : ''
  const rowsChart = { times: model.rowsOverTime.times, series: Object.entries(model.rowsOverTime.datasets).map(([name, values]) => ({ name, values })) }
  const outcomes = ['loaded', 'empty', 'failed', 'superseded', 'retracted'] as const
  const runsChart = {
    times: model.runs.map((r) => Math.floor(Date.parse(r.startedAt) / 1000)),
    series: outcomes.map((o) => ({ name: o, values: model.runs.map((r) => r.totals[o]) })),
  }
  return `<section><h2>Datasets</h2>${datasets}</section>
<section><h2>Rows over time</h2><p class="note">Rows per dataset after each of the latest runs.</p>
<div class="chart" data-chart="rows-chart" data-kind="line" data-y="rows"></div>${jsonData('rows-chart', rowsChart)}</section>
<section><h2>Runs</h2><p class="note">Files per run by outcome.</p>
<div class="chart" data-chart="runs-chart" data-kind="points" data-y="files"></div>${jsonData('runs-chart', runsChart)}
${runs}${older}</section>`
}

function runsTable(runs: SiteModel['runs']): string {
  return table(
    ['run', 'trigger', 'started', 'status', 'files', 'loaded', 'failed', 'rows loaded', 'rejected'],
    [...runs].reverse().map((r) => [
      escape(r.runId),
      escape(r.trigger),
      when(r.startedAt),
      statusBadge(r.status),
      num(r.totals.files),
      num(r.totals.loaded),
      num(r.totals.failed),
      num(r.totals.rowsOut),
      num(r.totals.rowsRejected),
    ]),
    [4, 5, 6, 7, 8],
  )
}

function datasetPage(d: DatasetView): string {
  const columns = table(
    ['column', 'type', 'note'],
    d.columns.map((c) => [
      `<code>${escape(c.name)}</code>`,
      `<code>${escape(c.type)}</code>`,
      c.partition ? 'partition key' : c.variantOf ? `variant of <code>${escape(c.variantOf)}</code>: values that did not fit its type` : '',
    ]),
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
    [2, 3],
  )
  const quarantined = table(
    ['file', 'reason', 'when'],
    d.quarantined.map((q) => [escape(q.key ?? '—'), escape(q.reason ?? '—'), when(q.at)]),
  )
  const warnings = table(
    ['run', 'file', 'warning'],
    d.warnings.map((w) => [escape(w.runId), escape(w.key), escape(w.text)]),
  )
  return `<p>${d.description ? escape(d.description) : ''}</p>
<dl class="facts">
<dt>rows</dt><dd id="dataset-rows">${num(d.rows)}</dd>
<dt>files loaded</dt><dd>${num(d.files)}</dd>
<dt>last load</dt><dd>${when(d.lastLoad)}</dd>
<dt>files pending</dt><dd>${num(d.pending.length)}</dd>
<dt>quarantined</dt><dd>${num(d.quarantined.length)}</dd>
<dt>rejected rows</dt><dd id="dataset-rejected">${d.rowsRejected > 0 ? `<a href="../${rejectsPath(d.name)}">${num(d.rowsRejected)}</a>` : '0'}</dd>
</dl>
<section><h2>Schema</h2>${columns}
<p class="note">The current definition from the catalog. Columns are only ever added and types never change; a variant column
<code>&lt;column&gt;__string</code> holds, as text, the values that fit neither the column's type nor a widening of it. On AWS, Glue keeps earlier table versions
(<code>aws glue get-table-versions</code>); the local catalog keeps only the current one, so the history below is what the run reports recorded.</p></section>
<section><h2>Schema changes and warnings</h2>${warnings}</section>
<section><h2>Files</h2>${d.recent.length < d.files ? `<p class="note">The ${num(d.recent.length)} files changed last; each file has its page under <code>files/</code>.</p>` : ''}${fileRows}</section>
<section><h2>Quarantined</h2>${quarantined}</section>`
}

function rejectsPage(d: DatasetView): string {
  const total = d.rejectCodes.reduce((n, c) => n + c.count, 0)
  const codes = table(['error code', 'rows'], d.rejectCodes.map((c) => [`<a href="#${escape(c.code)}">${escape(c.code)}</a>`, num(c.count)]), [1])
  // A record's text is in a sample only where the deployment and the dataset's contract opt in.
  const samples = d.rejectCodes
    .map((c) => {
      const records = c.samples.some((s) => s.record !== undefined)
      return `<section id="${escape(c.code)}"><h2>${escape(c.code)} <span class="count">${num(c.count)}</span></h2>${table(
        ['file', 'line', 'column', 'message', ...(records ? ['record'] : [])],
        c.samples.map((s) => [escape(s.source), num(s.line), escape(s.column ?? ''), escape(s.errorMessage), ...(records ? [`<code>${escape(s.record ?? '')}</code>`] : [])]),
        [1],
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
    [4, 5, 6],
  )
  const h = f.head
  const queries = [
    f.athenaQuery ? `<h3>Athena</h3><pre><code>${escape(f.athenaQuery)}</code></pre>` : '',
    f.localQuery ? `<h3>Local lake (<code>npx sluice query</code>)</h3><pre><code>${escape(f.localQuery)}</code></pre>` : '',
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
${h && h.outputs.length > 0 ? `<p class="note">Its parts:</p><ul>${h.outputs.map((o) => `<li><code>${escape(o)}</code></li>`).join('')}</ul>` : ''}</section>`
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
    pages.push({ path: datasetPath(d.name), content: layout(`Dataset ${d.name}`, 1, datasetPage(d), model) })
    pages.push({ path: rejectsPath(d.name), content: layout(`Rejects of ${d.name}`, 1, rejectsPage(d), model) })
  }
  for (const f of model.files) pages.push({ path: filePath(f), content: layout(f.key, 1, filePage(f), model) })
  for (const p of model.archived) pages.push({ path: runPagePath(p.page), content: layout(`Runs, page ${p.page}`, 1, `<p class="note">Older runs, newest first; the latest are on the <a href="../index.html">index</a>.</p>${runsTable(p.runs)}`, model) })
  return pages
}
