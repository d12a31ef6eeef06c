/**
 * The site's own stylesheet and script. The script draws each `<div class="chart" data-chart=id>`
 * with uPlot from the JSON in `<script type="application/json" id=id>`: no inline script runs,
 * so the site works under a CSP of `script-src 'self'` and from `file://` (no fetch).
 */

export const SITE_CSS = `:root { --fg: #1d2430; --muted: #5b6575; --line: #d9dee7; --bg: #f7f8fa; --accent: #2458b3; --ok: #1f7a3a; --bad: #b42318; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.25rem; align-items: baseline; padding: .7rem 1.5rem; background: #14213d; color: #fff; }
header a.brand { color: #fff; font-weight: 700; font-size: 1.15rem; text-decoration: none; }
header .db, header .generated { color: #c6cfdf; font-size: .85rem; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td code { word-break: break-all; }
pre { background: #fff; border: 1px solid var(--line); padding: .6rem .8rem; overflow-x: auto; }
code { font: .85rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.note, .empty { color: var(--muted); font-size: .88rem; }
.warn { color: var(--warn); font-weight: 600; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; background: #e6e9ef; }
.badge.loaded, .badge.committed, .badge.succeeded { background: #dcf3e2; color: var(--ok); }
.badge.failed, .badge.quarantined { background: #fde4e1; color: var(--bad); }
.badge.pending, .badge.superseded { background: #fff1cc; color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; background: #fff; border: 1px solid var(--line); padding: .7rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.chart { background: #fff; border: 1px solid var(--line); padding: .5rem; min-height: 300px; }
.count { color: var(--muted); font-weight: 400; }
`

export const SITE_SCRIPT = `(function () {
  'use strict';
  var palette = ['#2458b3', '#1f7a3a', '#b42318', '#9a6700', '#6941c6', '#0e7490', '#c11574', '#475467'];
  var outcomeColors = { loaded: '#1f7a3a', empty: '#475467', failed: '#b42318', superseded: '#9a6700', retracted: '#6941c6' };
  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source || typeof uPlot === 'undefined') return;
    var data = JSON.parse(source.textContent);
    var points = el.getAttribute('data-kind') === 'points';
    var times = data.times;
    if (times.length === 0) { el.textContent = 'No runs yet.'; return; }
    var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
    // One run, or runs close together, still get a readable span around them.
    var pad = Math.max(1800, (hi - lo) * 0.05);
    var series = [{}].concat(data.series.map(function (s, i) {
      var color = (points && outcomeColors[s.name]) || palette[i % palette.length];
      return points
        ? { label: s.name, stroke: color, fill: color, width: 0, paths: function () { return null; }, points: { show: true, size: 9, stroke: color, fill: color } }
        : { label: s.name, stroke: color, width: 2, points: { show: true, size: 6 } };
    }));
    var opts = {
      width: Math.max(320, el.clientWidth - 16),
      height: 280,
      series: series,
      scales: { x: { time: true, range: [lo - pad, hi + pad] },
                y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      axes: [{}, { label: el.getAttribute('data-y') || '' }],
      legend: { show: true }
    };
    new uPlot(opts, [times].concat(data.series.map(function (s) { return s.values; })), el);
  }
  var charts = document.querySelectorAll('.chart[data-chart]');
  for (var i = 0; i < charts.length; i++) draw(charts[i]);
})();
`

/** The site's Content-Security-Policy, sent by CloudFront and by `sluice site --serve`: its own files only. */
export const SITE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
