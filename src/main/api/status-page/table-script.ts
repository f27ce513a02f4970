/**
 * The plugin table: errors first, then by id; a filter box kept in the URL; at most `PAGE` rows
 * built (more on request) and row elements reused between refreshes, touching only cells whose
 * text changed, so 10 000 plugins stay fast. Status and socket are shown whole, wrapped.
 */
export const TABLE_SCRIPT = `
var state = { rows: [], counts: null, fetchedAt: 0, limit: PAGE, refreshes: 0, timer: 0, busy: false, health: null };
var pool = [];
var COLS = ['id', 'label', 'status', 'code', 'era', 'lat', 'lastOk', 'lastErr', 'fails', 'polls', 'socket'];
var ONE_LINE = { code: 1, era: 1, lat: 1, lastOk: 1, lastErr: 1, fails: 1, polls: 1 };

function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function sortRows(rows) {
  for (var i = 0; i < rows.length; i++) rows[i]._k = kindOf(rows[i].status);
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
  var t = title === undefined ? '' : title;
  if (td._title !== t) { if (t) td.setAttribute('title', t); else td.removeAttribute('title'); td._title = t; }
}
function makeRow() {
  var tr = document.createElement('tr');
  tr._cells = {};
  for (var i = 0; i < COLS.length; i++) {
    var td = document.createElement('td');
    td.className = COLS[i] + (ONE_LINE[COLS[i]] ? ' one' : '');
    if (COLS[i] === 'lat' || COLS[i] === 'fails' || COLS[i] === 'polls') td.className += ' num';
    tr._cells[COLS[i]] = td;
    tr.appendChild(td);
  }
  return tr;
}
function markRow(tr) {
  var cls = tr._row._k + (tr._row.socket === detail.socket ? ' selected' : '');
  if (tr.className !== cls) tr.className = cls;
}
/** The open plugin's row marked, without a whole render. */
function markSelected() {
  for (var i = 0; i < pool.length && pool[i].parentNode; i++) markRow(pool[i]);
}
function fillRow(tr, row, now) {
  var c = tr._cells;
  tr._row = row;
  markRow(tr);
  setText(c.id, clip(row.id), row.description ? clip(row.description) : undefined);
  setText(c.label, clip(row.label));
  setText(c.status, row.status === undefined || row.status === null ? '(' + str(row.phase) + ')' : str(row.status));
  setText(c.code, str(row.errorCode), str(row.errorCode));
  setText(c.era, str(row.era || '\\u2014'));
  setText(c.lat, ms(row.lastLatencyMs));
  setText(c.lastOk, ago(row.lastOkAt, now), str(row.lastOkAt));
  setText(c.lastErr, ago(row.lastErrorAt, now), str(row.lastErrorAt));
  setText(c.fails, str(row.consecutiveFailures));
  setText(c.polls, str(row.polls));
  setPath(c.socket, str(row.socket));
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
  state.counts = counts;
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
  var took = performance.now() - t0;
  var main = $('main');
  main.setAttribute('data-render-ms', took.toFixed(1));
  main.setAttribute('data-rows', String(shown.length));
  main.setAttribute('data-matched', String(matched));
  main.setAttribute('data-refreshes', String(state.refreshes));
  $('render').textContent = 'rendered ' + shown.length + ' of ' + rows.length + ' rows in ' + took.toFixed(1) + ' ms';
}
$('rows').addEventListener('click', function (ev) {
  var tr = ev.target && ev.target.closest ? ev.target.closest('tr') : null;
  if (tr && tr._row) openDetail(tr._row.socket);
});
var debounce = 0;
$('filter').addEventListener('input', function () {
  clearTimeout(debounce);
  debounce = setTimeout(function () { state.limit = PAGE; writeHash(); render(); }, 80);
});
$('more').addEventListener('click', function () { state.limit += PAGE; render(); });
`;
