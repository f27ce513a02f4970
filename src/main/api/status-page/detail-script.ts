/**
 * The detail view of one plugin (`api/plugins/<socket>`, fetched on click and with every refresh
 * while open): status in full, facts, last error with its time, the history chart, and what its
 * report contributes: topologies with node counts, metrics with their newest value, and its
 * controls as buttons that click them through the host (`POST api/control`).
 */
export const DETAIL_SCRIPT = `
var detail = { socket: null, data: null, results: {}, confirming: null, loads: 0, openedAt: 0 };
function openDetail(socket) {
  detail.openedAt = performance.now();
  detail.socket = socket;
  detail.data = null;
  detail.confirming = null;
  $('detail').hidden = false;
  $('detail-body').textContent = 'loading\\u2026';
  writeHash();
  markSelected();
  return loadDetail();
}
function closeDetail() {
  detail.socket = null;
  detail.data = null;
  $('detail').hidden = true;
  $('detail-body').textContent = '';
  writeHash();
  markSelected();
}
function loadDetail() {
  var socket = detail.socket;
  if (socket === null) return Promise.resolve();
  return getJson('api/plugins/' + encodeURIComponent(socket)).then(function (r) {
    if (detail.socket !== socket) return;
    detail.loads++;
    if (r.status !== 200) { detail.data = null; renderDetailError(str(r.body && r.body.error) || ('HTTP ' + r.status)); return; }
    detail.data = r.body;
    renderDetail();
  }, function (err) {
    if (detail.socket === socket) renderDetailError('cannot load: ' + str(err && err.message));
  });
}
function renderDetailError(text) {
  var body = $('detail-body');
  body.textContent = '';
  body.appendChild(el('h2', '', str(detail.socket)));
  body.appendChild(el('p', 'err', text));
  $('detail').setAttribute('data-loads', String(detail.loads));
}
function fact(dl, name, value, title) {
  dl.appendChild(el('dt', '', name));
  var dd = el('dd', '');
  if (name === 'socket') setPath(dd, value); else dd.textContent = value;
  if (title) dd.setAttribute('title', title);
  dl.appendChild(dd);
}
function formatValue(v, format) {
  if (typeof v !== 'number') return '\\u2014';
  if (format === 'percent') return v.toFixed(2) + ' %';
  if (format === 'filesize') {
    var units = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0, x = v;
    while (Math.abs(x) >= 1024 && i < units.length - 1) { x /= 1024; i++; }
    return x.toFixed(i ? 1 : 0) + ' ' + units[i];
  }
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toPrecision(4);
}
function renderDetail() {
  var d = detail.data, now = Date.now(), t0 = performance.now();
  var body = $('detail-body');
  body.textContent = '';
  var title = el('h2', '', str(d.id));
  if (d.label && d.label !== d.id) title.appendChild(el('span', 'muted', ' \\u2014 ' + clip(d.label)));
  body.appendChild(title);
  var k = kindOf(d.status);
  body.appendChild(el('div', 'status ' + k, d.status === undefined || d.status === null ? '(' + str(d.phase) + ')' : str(d.status)));
  if (d.description) body.appendChild(el('p', 'muted', clip(d.description)));
  var dl = el('dl');
  fact(dl, 'socket', str(d.socket));
  fact(dl, 'era', str(d.era || 'undecided') + ' \\u00b7 ' + str(d.phase) + (d.serving ? '' : ' (not polled: another socket serves this ID)'));
  fact(dl, 'interfaces', Array.isArray(d.interfaces) && d.interfaces.length ? d.interfaces.join(', ') : 'none');
  fact(dl, 'api_version', str(d.api_version) || '\\u2014');
  fact(dl, 'polls', str(d.polls) + (d.consecutiveFailures ? ' \\u00b7 ' + d.consecutiveFailures + ' failing in a row' : ''));
  fact(dl, 'last ok', ago(d.lastOkAt, now), str(d.lastOkAt));
  fact(dl, 'last latency', ms(d.lastLatencyMs));
  body.appendChild(dl);

  body.appendChild(el('h3', '', 'Last error'));
  var le = el('div', 'last-error');
  if (d.lastError) {
    le.appendChild(el('div', 'err', str(d.lastError.message)));
    le.appendChild(el('div', 'muted', str(d.lastError.code) + ' \\u00b7 ' + (d.lastError.at ? new Date(d.lastError.at).toLocaleString() + ' (' + ago(d.lastError.at, now) + ')' : 'time unknown')));
  } else le.appendChild(el('div', 'muted', 'none since the host started'));
  body.appendChild(le);

  body.appendChild(el('h3', '', 'Recent exchanges'));
  body.appendChild(historyChart(d.history, now));
  if (d.unavailable) body.appendChild(el('p', 'err', str(d.unavailable.message)));

  body.appendChild(el('h3', '', 'Contributes'));
  var c = d.contribution;
  if (!c) body.appendChild(el('p', 'muted', 'nothing: no good report ' + (k === 'error' ? 'while it fails' : 'yet')));
  else if (!c.topologies.length) body.appendChild(el('p', 'muted', 'a report that adds nothing to any topology (' + c.bytes + ' bytes)'));
  else {
    body.appendChild(el('p', 'muted', c.topologies.length + (c.topologies.length === 1 ? ' topology' : ' topologies') + ' from a report of ' + c.bytes + ' bytes'));
    for (var i = 0; i < c.topologies.length; i++) body.appendChild(topologyView(c.topologies[i], now));
  }
  $('detail').setAttribute('data-loads', String(detail.loads));
  var done = performance.now();
  $('detail').setAttribute('data-render-ms', (done - t0).toFixed(1));
  // From the click to the drawn detail, the fetch included: what a person waits.
  if (detail.openedAt) { $('detail').setAttribute('data-open-ms', (done - detail.openedAt).toFixed(1)); detail.openedAt = 0; }
}
function topologyView(t, now) {
  var box = el('section', 'topology');
  box.setAttribute('data-topology', str(t.key));
  box.appendChild(el('h3', '', str(t.key) + ' \\u00b7 ' + t.nodes + (t.nodes === 1 ? ' node' : ' nodes')));
  if (t.metrics.length) {
    var table = el('table', 'metrics');
    var head = el('tr');
    ['metric', 'nodes', 'latest', 'on node', 'at'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(head);
    t.metrics.forEach(function (m) {
      var tr = el('tr');
      tr.appendChild(el('td', 'metric-id', str(m.id) + (m.label ? ' (' + clip(m.label) + ')' : '')));
      tr.appendChild(el('td', 'num', str(m.nodes)));
      tr.appendChild(el('td', 'num metric-value', m.latest ? formatValue(m.latest.value, m.format) : '\\u2014'));
      tr.appendChild(el('td', '', m.latest ? clip(m.latest.node) : ''));
      tr.appendChild(el('td', '', m.latest ? ago(m.latest.date, now) : ''));
      table.appendChild(tr);
    });
    box.appendChild(table);
    if (t.metricsOmitted) box.appendChild(el('p', 'muted', '\\u2026 and ' + t.metricsOmitted + ' more metrics'));
  }
  if (t.controls.length) {
    var list = el('div', 'control-list');
    t.controls.forEach(function (ctl) { list.appendChild(controlView(ctl)); });
    box.appendChild(list);
    if (t.controlsOmitted) box.appendChild(el('p', 'muted', '\\u2026 and ' + t.controlsOmitted + ' more controls'));
  }
  return box;
}
function controlView(ctl) {
  var row = el('div', 'control');
  row.setAttribute('data-control', str(ctl.id));
  row.appendChild(el('span', '', clip(ctl.human || ctl.id) + ' '));
  row.appendChild(el('span', 'muted', str(ctl.id) + ' \\u00b7 active on ' + ctl.activeOn + (ctl.activeOn === 1 ? ' node ' : ' nodes ')));
  if (!ctl.nodes.length) {
    var off = el('button', 'ctl', 'not active on any node');
    off.type = 'button';
    off.disabled = true;
    row.appendChild(off);
  }
  ctl.nodes.forEach(function (node) {
    var key = ctl.id + '\\u0000' + node;
    var confirming = detail.confirming === key;
    var b = el('button', 'ctl', confirming ? 'confirm: ' + clip(ctl.confirmation) : clip(ctl.human || ctl.id) + ' on ' + clip(node));
    b.type = 'button';
    b.setAttribute('data-node', str(node));
    b.addEventListener('click', function () { clickControl(ctl, node, key); });
    row.appendChild(b);
    var res = detail.results[key];
    if (res) row.appendChild(el('span', 'ctl-result ' + res.cls, res.text));
  });
  // A click's result stays in view when the click moved the control off its node: a plugin that
  // swaps its controls answers with a report where this one is no longer active there.
  Object.keys(detail.results).forEach(function (key) {
    var cut = key.indexOf('\\u0000');
    var node = key.slice(cut + 1);
    if (key.slice(0, cut) !== ctl.id || ctl.nodes.indexOf(node) !== -1) return;
    var res = detail.results[key];
    row.appendChild(el('span', 'ctl-result ' + res.cls, clip(node) + ': ' + res.text));
  });
  return row;
}
function clickControl(ctl, node, key) {
  if (ctl.confirmation && detail.confirming !== key) { detail.confirming = key; renderDetail(); return; }
  detail.confirming = null;
  detail.results[key] = { cls: '', text: 'sending\\u2026' };
  renderDetail();
  postJson('api/control', { NodeID: node, Control: ctl.id }).then(function (r) {
    var b = r.body && typeof r.body === 'object' ? r.body : {};
    detail.results[key] = r.status === 200
      ? { cls: 'ok', text: 'done' + (b.value !== undefined ? ': ' + clip(JSON.stringify(b.value)) : '') }
      : { cls: 'error', text: 'HTTP ' + r.status + ': ' + clip(b.error || r.body) };
  }, function (err) {
    detail.results[key] = { cls: 'error', text: 'failed: ' + str(err && err.message) };
  }).then(function () { if (detail.socket !== null) return loadDetail(); });
}
$('detail-close').addEventListener('click', closeDetail);
document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape' && detail.socket !== null) closeDetail(); });
`;
