/**
 * The refresh loop: every 2 s `healthz`, `api/host`, `api/plugins` and the open plugin's detail;
 * refreshes never overlap (the next is scheduled when the last settled) and pause while the tab
 * is hidden. The filter and the open plugin live in the URL's hash. URLs are relative, so the
 * page works behind a reverse proxy under a prefix.
 */
export const LOOP_SCRIPT = `
function refresh() {
  if (state.busy) return;
  state.busy = true;
  clearTimeout(state.timer);
  var health = getJson('healthz').then(function (h) { state.health = h; }, function () { state.health = null; });
  var host = getJson('api/host').then(function (r) {
    if (r.status === 200 && r.body) state.host = r.body;
  }, function () { /* the banner below says the host is unreachable */ });
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
  Promise.all([health, host, plugins, loadDetail()]).then(function () {
    renderPill(state.health, state.fetchedAt ? state.counts : null);
    if (state.host) renderHost(state.host, state.health);
    state.busy = false;
    if (!document.hidden) state.timer = setTimeout(refresh, REFRESH_MS);
  });
}
function writeHash() {
  var q = $('filter').value, parts = [];
  if (q) parts.push('q=' + encodeURIComponent(q));
  if (detail.socket !== null) parts.push('plugin=' + encodeURIComponent(detail.socket));
  history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search);
}
function readHash() {
  var parts = location.hash.replace(/^#/, '').split('&');
  for (var i = 0; i < parts.length; i++) {
    var m = /^(q|plugin)=(.*)$/.exec(parts[i]);
    if (!m) continue;
    var v;
    try { v = decodeURIComponent(m[2]); } catch (e) { continue; /* a hand-edited hash */ }
    if (m[1] === 'q') $('filter').value = v;
    else { detail.socket = v; $('detail').hidden = false; }
  }
}
document.addEventListener('visibilitychange', function () {
  if (document.hidden || state.busy) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, Math.max(0, REFRESH_MS - (Date.now() - state.fetchedAt)));
});
readHash();
render();
refresh();
`;
