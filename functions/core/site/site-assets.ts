/**
 * The site's own stylesheet and script. The script draws each `<div class="chart" data-chart=id>`
 * with uPlot from the JSON in `<script type="application/json" id=id>`, turns last-load times into
 * ages with their stale flag, and wires the file-list filters and the copy buttons. No inline script runs,
 * so the site works under a CSP of `script-src 'self'` and from `file://` (no fetch).
 */

export const SITE_CSS = `:root { --fg: #1d2430; --muted: #4f5968; --line: #d9dee7; --bg: #f7f8fa; --accent: #1f4f9e; --ok: #17632f; --bad: #a31d12; --warn: #7a5200; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .2rem 1.25rem; align-items: baseline; padding: .7rem 1.5rem; background: #14213d; color: #fff; }
header a.brand { color: #fff; font-weight: 700; font-size: 1.15rem; text-decoration: none; }
header .db, header .generated { color: #d5dced; font-size: .85rem; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main > * { min-width: 0; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
p, li, dd { overflow-wrap: anywhere; }
a { color: var(--accent); }
.table-scroll { max-width: 100%; overflow-x: auto; background: #fff; border: 1px solid var(--line); }
.table-scroll:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code { overflow-wrap: break-word; }
td code.record { word-break: break-all; display: inline-block; min-width: 12rem; }
pre { background: #fff; border: 1px solid var(--line); padding: .6rem .8rem; margin: 0; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font: .85rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.note, .empty { color: var(--muted); font-size: .88rem; }
.warn { color: var(--warn); font-weight: 600; }
.warn a { color: inherit; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; background: #e6e9ef; white-space: nowrap; }
.badge.loaded, .badge.committed, .badge.succeeded { background: #dcf3e2; color: var(--ok); }
.badge.failed, .badge.quarantined, .badge.stale { background: #fde4e1; color: var(--bad); }
.badge.pending, .badge.superseded { background: #fff1cc; color: var(--warn); }
.freshness { white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; background: #fff; border: 1px solid var(--line); padding: .7rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; }
dl.facts dd code { word-break: break-all; }
.chart { background: #fff; border: 1px solid var(--line); padding: .5rem; min-height: 300px; overflow: hidden; }
.chart .u-legend { font-size: .85rem; }
.chart .u-legend tr { display: inline-block; }
details.chart-data { margin: .5rem 0 1rem; }
details.chart-data summary { cursor: pointer; color: var(--accent); }
.count { color: var(--muted); font-weight: 400; }
.filter { margin: .3rem 0 .5rem; display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.filter[hidden], button.copy[hidden], .badge[hidden] { display: none; }
.filter input { font: inherit; padding: .25rem .5rem; border: 1px solid #8a94a6; border-radius: .3rem; min-width: 0; width: 16rem; max-width: 100%; }
.filter-count { color: var(--muted); font-size: .85rem; }
.snippet { display: flex; gap: .5rem; align-items: flex-start; }
.snippet pre { flex: 1; min-width: 0; }
button.copy { font: inherit; font-size: .85rem; padding: .3rem .7rem; border: 1px solid var(--accent); border-radius: .3rem; background: #fff; color: var(--accent); cursor: pointer; }
button.copy:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
ul.parts { padding-left: 1.2rem; }
@media (max-width: 600px) {
  header { padding: .6rem 1rem; }
  main { padding: .8rem 1rem 2rem; }
  dl.facts { grid-template-columns: minmax(0, 1fr); }
  dl.facts dd { margin-bottom: .3rem; }
  .snippet { flex-direction: column; }
  .snippet pre { width: 100%; }
}
`

export const SITE_SCRIPT = `(function () {
  'use strict';
  var palette = ['#2458b3', '#1f7a3a', '#b42318', '#9a6700', '#6941c6', '#0e7490', '#c11574', '#475467'];
  var outcomeColors = { loaded: '#1f7a3a', empty: '#475467', failed: '#b42318', quarantined: '#c11574', superseded: '#9a6700', retracted: '#6941c6' };
  var compact = typeof Intl !== 'undefined' ? new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }) : null;
  function short(n) { return n == null ? '' : compact ? compact.format(n) : String(n); }
  var drawn = [];
  function width(el) { return Math.max(200, el.clientWidth - 16); }
  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source || typeof uPlot === 'undefined') return;
    var data = JSON.parse(source.textContent);
    var points = el.getAttribute('data-kind') === 'points';
    var log = el.getAttribute('data-log') === 'true';
    var times = data.times;
    if (times.length === 0) { el.textContent = 'No runs yet.'; return; }
    var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
    // The x-axis spans the runs and no more; a single run gets half an hour on each side.
    var range = lo === hi ? [lo - 1800, hi + 1800] : [lo, hi];
    var series = [{}].concat(data.series.map(function (s, i) {
      var color = (points && outcomeColors[s.name]) || palette[i % palette.length];
      return points
        ? { label: s.name, stroke: color, fill: color, width: 0, paths: function () { return null; }, points: { show: true, size: 9, stroke: color, fill: color } }
        : { label: s.name, stroke: color, width: 2, spanGaps: true, points: { show: true, size: 6 } };
    }));
    // A logarithmic scale has no zero: a dataset with no rows yet leaves a gap.
    var values = data.series.map(function (s) { return log ? s.values.map(function (v) { return v > 0 ? v : null; }) : s.values; });
    // Whole decades, with room below the smallest value so that it never lies on the x-axis.
    var y = log
      ? { distr: 3, log: 10, range: function (u, min, max) {
          var lo = Math.pow(10, Math.floor(Math.log10(Math.max(1, min)) - 0.3));
          var hi = Math.pow(10, Math.ceil(Math.log10(Math.max(1, max)) + 0.1));
          return [lo, Math.max(hi, lo * 10)];
        } }
      : { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } };
    var opts = {
      width: width(el),
      height: 280,
      series: series,
      scales: { x: { time: true, range: range }, y: y },
      axes: [{}, { label: el.getAttribute('data-y') || '', size: 60, values: function (u, splits) { return splits.map(short); } }],
      legend: { show: true }
    };
    drawn.push({ el: el, plot: new uPlot(opts, [times].concat(values), el) });
  }
  var charts = document.querySelectorAll('.chart[data-chart]');
  for (var i = 0; i < charts.length; i++) draw(charts[i]);
  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      drawn.forEach(function (d) { d.plot.setSize({ width: width(d.el), height: 280 }); });
    }, 100);
  });

  function ago(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) return 'just now';
    if (minutes < 60) return minutes + ' min ago';
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + ' h ago';
    return Math.floor(hours / 24) + ' d ago';
  }
  function freshen() {
    var now = Date.now();
    var spans = document.querySelectorAll('.freshness[data-stale-after-hours]');
    for (var i = 0; i < spans.length; i++) {
      var time = spans[i].querySelector('time');
      var flag = spans[i].querySelector('.stale');
      var at = Date.parse(time.getAttribute('datetime'));
      if (isNaN(at)) continue;
      time.textContent = ago(now - at);
      if (flag) flag.hidden = now - at <= Number(spans[i].getAttribute('data-stale-after-hours')) * 3600000;
    }
  }
  freshen();
  setInterval(freshen, 60000);

  var filters = document.querySelectorAll('input[data-filter]');
  for (var f = 0; f < filters.length; f++) (function (input) {
    var rows = document.querySelectorAll('#' + input.getAttribute('data-filter') + ' tbody tr');
    var count = input.parentNode.querySelector('.filter-count');
    if (rows.length === 0) return;
    input.parentNode.hidden = false;
    input.addEventListener('input', function () {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      for (var r = 0; r < rows.length; r++) {
        var text = rows[r].textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) >= 0; });
        rows[r].hidden = !match;
        if (match) shown++;
      }
      count.textContent = words.length > 0 ? shown + ' of ' + rows.length + ' shown' : '';
    });
  })(filters[f]);

  function copied(button, ok) {
    button.textContent = ok ? 'Copied' : 'Select and copy';
    setTimeout(function () { button.textContent = 'Copy'; }, 2000);
  }
  function fallbackCopy(code, button) {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    copied(button, ok);
  }
  var buttons = document.querySelectorAll('button.copy[data-copy]');
  for (var b = 0; b < buttons.length; b++) (function (button) {
    var code = document.getElementById(button.getAttribute('data-copy'));
    if (!code) return;
    button.hidden = false;
    button.setAttribute('aria-label', 'Copy the query');
    button.addEventListener('click', function () {
      var text = code.textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button, true); }, function () { fallbackCopy(code, button); });
      } else fallbackCopy(code, button);
    });
  })(buttons[b]);
})();
`

/** The site's Content-Security-Policy, sent by CloudFront and by `sluice site --serve`: its own files only. */
export const SITE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
