/**
 * The header: the pill (starting, no plugins root, or how many plugins fail: amber below half,
 * red from half up), and the host's root, probe ID, version, uptime and each app's publishing and
 * control connection from `api/host`.
 */
export const HEADER_SCRIPT = `
function showPill(text, cls) {
  var h = $('health');
  h.textContent = text;
  h.className = 'pill ' + cls;
}
/** health: the /healthz answer (null when unreachable); counts from api/plugins (null before the first). */
function renderPill(health, counts) {
  if (health === null) return showPill('unreachable', 'down');
  var b = health.body || {};
  if (b.status === 'no-plugins-root') return showPill(str(b.summary) || 'no plugins root', 'down');
  if (health.status !== 200 || b.status === 'starting') return showPill(str(b.summary || b.status) || ('HTTP ' + health.status), 'starting');
  if (counts && counts.error > 0) {
    return showPill(counts.error + ' of ' + counts.total + ' plugins failing', counts.error * 2 >= counts.total ? 'down' : 'warn');
  }
  showPill('healthy', 'ok');
}
function stateSpan(text, cls) { return el('span', 'state ' + cls, text); }
function renderHost(info, health) {
  var root = info.pluginsRoot === '' ? 'plugins disabled' : info.pluginsRoot;
  var rootState = health && health.body && health.body.root && health.body.root.state;
  if (rootState && rootState !== 'present' && rootState !== 'disabled') root += ' (' + rootState + ')';
  $('host-root').textContent = root;
  $('host-probe').textContent = str(info.probeId);
  $('host-version').textContent = str(info.version);
  $('host-uptime').textContent = agoMs(info.uptimeSeconds * 1000);
  $('host-uptime').setAttribute('title', 'since ' + str(info.startedAt));
  $('host-workers').textContent = str(info.workers);
  var list = $('apps');
  list.textContent = '';
  var apps = Array.isArray(info.apps) ? info.apps : [];
  if (apps.length === 0) { list.appendChild(el('li', 'muted', 'Scope apps: none configured (publish.apps, --app)')); return; }
  for (var i = 0; i < apps.length; i++) {
    var a = apps[i], li = el('li', 'app');
    li.appendChild(el('span', 'k', 'app '));
    li.appendChild(el('span', 'v', str(a.url)));
    if (a.appId) li.appendChild(el('span', 'muted', ' (app ' + clip(a.appId) + ')'));
    if (a.sameAppAs) { li.appendChild(el('span', 'muted', ' \u00b7 same app as ' + str(a.sameAppAs) + ': published to once')); list.appendChild(li); continue; }
    var p = a.publish || {};
    li.appendChild(document.createTextNode(' \\u00b7 publish '));
    li.appendChild(stateSpan(str(p.state), p.state === 'ok' ? 'ok' : p.state === 'failing' ? 'bad' : 'wait'));
    li.appendChild(document.createTextNode(' (' + str(p.sent) + ' sent' + (p.lastOkAt ? ', last ' + ago(p.lastOkAt, Date.now()) : '') + ')'));
    if (p.state === 'failing' && p.lastError) li.appendChild(el('span', 'err', ': ' + str(p.lastError)));
    li.appendChild(document.createTextNode(' \\u00b7 control '));
    var c = a.control;
    if (c === null || c === undefined) {
      var none = stateSpan('none yet', 'wait');
      none.setAttribute('title', 'the control websocket opens once the app has said who it is (GET /api)');
      li.appendChild(none);
    }
    else {
      li.appendChild(stateSpan(c.connected ? 'connected' : 'disconnected', c.connected ? 'ok' : 'bad'));
      if (c.connected && c.since) li.appendChild(document.createTextNode(' for ' + ago(c.since, Date.now()).replace(' ago', '')));
      if (!c.connected && c.lastError) li.appendChild(el('span', 'err', ': ' + str(c.lastError)));
    }
    list.appendChild(li);
  }
}
`;
