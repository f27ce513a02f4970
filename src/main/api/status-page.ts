/**
 * `GET /`: a status page for people. One self-contained HTML document (inline CSS and JS, no
 * external assets, no framework) that polls `api/plugins` and `healthz` every 2 s (the pill shows
 * the health's `summary` unless it is `ok`) and shows every
 * plugin with its status, era, latency, last ok and last error: errors first, then by id, with a
 * filter box.
 *
 * Why it looks the way it does:
 * - Labels, descriptions, statuses and socket paths come from untrusted plugins, so plugin data only
 *   ever reaches the DOM through `textContent` and `setAttribute('title', …)`, never `innerHTML`.
 *   A Content-Security-Policy pinned to the hash of the one inline script backs that up: even a
 *   markup injection could not run code or load anything from elsewhere.
 * - It must stay usable with 10 000 plugins. Filtering and sorting 10 000 rows in JS takes a few
 *   ms; building 10 000 table rows does not, so at most `PAGE` rows are rendered (more on request,
 *   with a "showing N of M" note), and row elements are reused between refreshes, touching only
 *   the cells whose text changed.
 * - Refreshes never overlap (the next one is scheduled when the last settled) and pause while the
 *   tab is hidden. URLs are relative, so the page works behind a reverse proxy under a prefix.
 * - The page reports its own render time (footer and `data-render-ms`), which is how the browser
 *   test measures the 10 000-row case without a timed assertion.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --bad: #c62828; --bad-bg: rgba(198,40,40,.10); --ok: #2e7d32; --wait: #8d6e00; --muted: #777; }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; padding: 12px 16px; }
header { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 18px; margin: 0; }
.pill { padding: 1px 8px; border-radius: 9px; font-weight: 600; color: #fff; background: var(--muted); }
.pill.ok { background: var(--ok); } .pill.starting { background: var(--wait); } .pill.down { background: var(--bad); }
#updated, footer, #note { color: var(--muted); }
#banner { color: var(--bad); font-weight: 600; margin: 6px 0; }
.counts { display: flex; gap: 16px; margin: 8px 0; font-size: 14px; }
.counts b { font-variant-numeric: tabular-nums; }
.counts .error b { color: var(--bad); } .counts .ok b { color: var(--ok); } .counts .pending b { color: var(--wait); }
.controls { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
#filter { width: min(36em, 100%); padding: 4px 8px; font: inherit; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid rgba(127,127,127,.25);
         white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
th { position: sticky; top: 0; background: Canvas; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.error td { background: var(--bad-bg); } tr.error td.status { color: var(--bad); font-weight: 600; }
tr.pending td.status { color: var(--wait); } tr.ok td.status { color: var(--ok); }
col.id { width: 11%; } col.label { width: 10%; } col.status { width: 27%; } col.code { width: 12%; }
col.era { width: 5%; } col.lat { width: 6%; } col.when { width: 6.5%; } col.n { width: 3.5%; } col.socket { width: 9%; }
td.code { font-size: 12px; }
button { font: inherit; margin: 8px 0; }
footer { margin-top: 8px; }
`;

const SCRIPT = `
'use strict';
var REFRESH_MS = 2000, PAGE = 500, MAX_TEXT = 1000;
var $ = function (id) { return document.getElementById(id); };
var state = { rows: [], fetchedAt: 0, limit: PAGE, refreshes: 0, timer: 0, busy: false };
var pool = [];
var COLS = ['id', 'label', 'status', 'code', 'era', 'lat', 'lastOk', 'lastErr', 'fails', 'polls', 'socket'];

function kind(row) {
  var s = row.status;
  if (s === 'ok') return 'ok';
  if (typeof s === 'string' && s.indexOf('error') === 0) return 'error';
  return 'pending';
}
function clip(v) {
  var s = v === null || v === undefined ? '' : String(v);
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '\\u2026' : s;
}
function ago(iso, now) {
  if (!iso) return '\\u2014';
  var s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return Math.floor(s / 86400) + ' d ago';
}
function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function sortRows(rows) {
  for (var i = 0; i < rows.length; i++) rows[i]._k = kind(rows[i]);
  rows.sort(function (a, b) {
    var ea = a._k === 'error' ? 0 : 1, eb = b._k === 'error' ? 0 : 1;
    return ea - eb || compare(a.id, b.id) || compare(a.socket, b.socket);
  });
  return rows;
}
function matches(row, q) {
  if (!q) return true;
  var fields = [row.id, row.label, row.status, row.socket];
  for (var i = 0; i < fields.length; i++) {
    if (typeof fields[i] === 'string' && fields[i].toLowerCase().indexOf(q) !== -1) return true;
  }
  return false;
}
function setText(td, text, title) {
  if (td._t !== text) { td.textContent = text; td._t = text; }
  var t = title === undefined ? text : title;
  if (td._title !== t) { if (t) td.setAttribute('title', t); else td.removeAttribute('title'); td._title = t; }
}
function makeRow() {
  var tr = document.createElement('tr');
  tr._cells = {};
  for (var i = 0; i < COLS.length; i++) {
    var td = document.createElement('td');
    td.className = COLS[i];
    if (COLS[i] === 'lat' || COLS[i] === 'fails' || COLS[i] === 'polls') td.className += ' num';
    tr._cells[COLS[i]] = td;
    tr.appendChild(td);
  }
  return tr;
}
function fillRow(tr, row, now) {
  var c = tr._cells;
  if (tr.className !== row._k) tr.className = row._k;
  setText(c.id, clip(row.id), clip(row.description ? row.id + ' \\u2014 ' + row.description : row.id));
  setText(c.label, clip(row.label));
  if (row.status === undefined || row.status === null) setText(c.status, '(' + clip(row.phase) + ')');
  // Transport errors start with Go's 'Get "http://plugin/report?…": ' (upstream's text); the cell
  // shows the reason after it, the tooltip the whole status.
  else setText(c.status, clip(String(row.status).replace(/^error: (Get|Post) "[^"]*": /, 'error: ')), clip(row.status));
  setText(c.code, clip(row.errorCode || ''));
  setText(c.era, clip(row.era || '\\u2014'));
  setText(c.lat, row.lastLatencyMs === null || row.lastLatencyMs === undefined ? '\\u2014' : row.lastLatencyMs.toFixed(1) + ' ms');
  setText(c.lastOk, ago(row.lastOkAt, now), row.lastOkAt || '');
  setText(c.lastErr, ago(row.lastErrorAt, now), row.lastErrorAt || '');
  setText(c.fails, String(row.consecutiveFailures));
  setText(c.polls, String(row.polls));
  setText(c.socket, clip(row.socket));
}
function render(since) {
  var t0 = since === undefined ? performance.now() : since;
  var q = $('filter').value.trim().toLowerCase();
  var rows = state.rows, now = Date.now();
  var counts = { total: rows.length, ok: 0, error: 0, pending: 0 };
  var shown = [], matched = 0;
  for (var i = 0; i < rows.length; i++) {
    counts[rows[i]._k]++;
    if (matches(rows[i], q)) { matched++; if (shown.length < state.limit) shown.push(rows[i]); }
  }
  for (var k in counts) $('count-' + k).textContent = String(counts[k]);
  var tbody = $('rows');
  for (var j = 0; j < shown.length; j++) {
    var tr = pool[j] || (pool[j] = makeRow());
    fillRow(tr, shown[j], now);
    if (tr.parentNode !== tbody) tbody.appendChild(tr);
  }
  for (var r = shown.length; r < pool.length && pool[r].parentNode; r++) tbody.removeChild(pool[r]);
  var note = '';
  if (matched === 0 && rows.length > 0) note = 'no plugin matches the filter';
  else if (rows.length === 0) note = state.fetchedAt ? 'no plugins discovered yet' : 'loading\\u2026';
  else if (shown.length < matched) note = 'showing ' + shown.length + ' of ' + matched + ' \\u2014 refine the filter';
  $('note').textContent = note;
  $('more').hidden = shown.length >= matched;
  var ms = performance.now() - t0;
  var main = $('main');
  main.setAttribute('data-render-ms', ms.toFixed(1));
  main.setAttribute('data-rows', String(shown.length));
  main.setAttribute('data-matched', String(matched));
  main.setAttribute('data-refreshes', String(state.refreshes));
  $('render').textContent = 'rendered ' + shown.length + ' of ' + rows.length + ' rows in ' + ms.toFixed(1) + ' ms';
}
function showHealth(text, cls) {
  var h = $('health');
  h.textContent = text;
  h.className = 'pill ' + cls;
}
function getJson(path) {
  return fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (res) {
    return res.json().then(function (body) { return { status: res.status, body: body }; });
  });
}
function refresh() {
  if (state.busy) return;
  state.busy = true;
  clearTimeout(state.timer);
  var health = getJson('healthz').then(function (h) {
    var b = h.body || {};
    if (h.status === 200 && b.status === 'ok') showHealth('healthy', 'ok');
    else showHealth(clip(b.summary || b.status) || ('HTTP ' + h.status), b.status === 'no-plugins-root' ? 'down' : 'starting');
  }, function () { showHealth('unreachable', 'down'); });
  var plugins = getJson('api/plugins').then(function (p) {
    if (p.status !== 200 || !Array.isArray(p.body)) throw new Error('api/plugins answered HTTP ' + p.status);
    var t0 = performance.now();
    state.rows = sortRows(p.body);
    state.fetchedAt = Date.now();
    state.refreshes++;
    $('banner').textContent = '';
    $('updated').textContent = 'updated ' + new Date(state.fetchedAt).toLocaleTimeString();
    render(t0);
  }).catch(function (err) {
    $('banner').textContent = 'cannot refresh: ' + clip(err && err.message) +
      (state.fetchedAt ? ' (showing data from ' + new Date(state.fetchedAt).toLocaleTimeString() + ')' : '');
  });
  Promise.all([health, plugins]).then(function () {
    state.busy = false;
    if (!document.hidden) state.timer = setTimeout(refresh, REFRESH_MS);
  });
}
function readHash() {
  var m = /^#q=(.*)$/.exec(location.hash);
  if (m) { try { $('filter').value = decodeURIComponent(m[1]); } catch (e) { /* a hand-edited hash */ } }
}
var debounce = 0;
$('filter').addEventListener('input', function () {
  clearTimeout(debounce);
  debounce = setTimeout(function () {
    state.limit = PAGE;
    var q = $('filter').value;
    history.replaceState(null, '', q ? '#q=' + encodeURIComponent(q) : location.pathname + location.search);
    render();
  }, 80);
});
$('more').addEventListener('click', function () { state.limit += PAGE; render(); });
document.addEventListener('visibilitychange', function () {
  if (document.hidden || state.busy) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, Math.max(0, REFRESH_MS - (Date.now() - state.fetchedAt)));
});
readHash();
render();
refresh();
`;

const BODY = `
<header>
  <h1>scope-plugin-host</h1>
  <span id="health" class="pill">\u2026</span>
  <span id="updated"></span>
</header>
<div id="banner" role="alert"></div>
<div class="counts" aria-live="polite">
  <span class="total">total <b id="count-total">0</b></span>
  <span class="ok">ok <b id="count-ok">0</b></span>
  <span class="error">error <b id="count-error">0</b></span>
  <span class="pending">pending <b id="count-pending">0</b></span>
</div>
<div class="controls">
  <input id="filter" type="search" placeholder="filter by id, label, status or socket" aria-label="filter plugins" autocomplete="off">
  <span id="note"></span>
</div>
<main id="main">
<table id="plugins">
  <colgroup><col class="id"><col class="label"><col class="status"><col class="code"><col class="era"><col class="lat">
  <col class="when"><col class="when"><col class="n"><col class="n"><col class="socket"></colgroup>
  <thead><tr><th>id</th><th>label</th><th>status</th><th>code</th><th>era</th><th>latency</th>
  <th>last ok</th><th>last error</th><th title="consecutive failures">fails</th><th>polls</th><th>socket</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
</main>
<button id="more" type="button" hidden>show 500 more</button>
<footer>Refreshes every 2 s from <a href="api/plugins">api/plugins</a> and <a href="healthz">healthz</a> \u00b7 <span id="render"></span></footer>
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Built once: the page is static, all data arrives through `api/plugins`. */
const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'">
<link rel="icon" href="data:,">
<title>scope-plugin-host \u00b7 plugins</title>
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

/** The status page served at `GET /`. */
export function statusPageHtml(): string {
  return HTML;
}
