/** The status page's markup: empty containers the script fills; no plugin data is ever part of it. */
export const BODY = `
<header>
  <h1>scope-plugin-host</h1>
  <span id="health" class="pill">\u2026</span>
  <span id="updated"></span>
</header>
<div id="host" aria-label="host">
  <span><span class="k">root</span><span class="v" id="host-root">\u2026</span></span>
  <span><span class="k">probe ID</span><span class="v" id="host-probe">\u2026</span></span>
  <span><span class="k">version</span><span class="v" id="host-version">\u2026</span></span>
  <span><span class="k">up</span><span class="v" id="host-uptime">\u2026</span></span>
  <span><span class="k">workers</span><span class="v" id="host-workers">\u2026</span></span>
</div>
<ul id="apps" aria-label="Scope apps"></ul>
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
<footer>Refreshes every 2 s from <a href="api/plugins">api/plugins</a>, <a href="api/host">api/host</a> and <a href="healthz">healthz</a>; click a plugin for its detail \u00b7 <span id="render"></span></footer>
<aside id="detail" hidden aria-label="plugin detail">
  <button id="detail-close" type="button" aria-label="close">\u2715 close</button>
  <div id="detail-body"></div>
</aside>
`;
