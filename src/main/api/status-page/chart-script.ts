/**
 * The detail view's history chart, drawn as inline SVG by the page itself: one bar per exchange
 * over the last minutes, its height the latency, green when ok and red when it failed (a failure
 * is never shorter than a few pixels, so a fast refusal still shows).
 */
export const CHART_SCRIPT = `
var SVG = 'http://www.w3.org/2000/svg', CHART_W = 600, CHART_H = 120, PAD_L = 44, PAD_B = 16, PAD_T = 6;
function svgEl(tag, attrs, text) {
  var e = document.createElementNS(SVG, tag);
  for (var k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function niceMax(v) {
  if (!(v > 0)) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(v))), steps = [1, 2, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
  return 10 * p;
}
function median(values) {
  if (values.length === 0) return null;
  var s = values.slice().sort(function (a, b) { return a - b; });
  var m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
/** Draws the history into a fresh <svg id="chart"> and says what it shows in one line. */
function historyChart(h, now) {
  var n = h && Array.isArray(h.atMs) ? h.atMs.length : 0;
  var wrap = el('div', 'history');
  var svg = svgEl('svg', { id: 'chart', viewBox: '0 0 ' + CHART_W + ' ' + CHART_H, preserveAspectRatio: 'none', role: 'img' });
  svg.setAttribute('data-points', String(n));
  var plotW = CHART_W - PAD_L - 4, plotH = CHART_H - PAD_B - PAD_T;
  var start = n ? Math.min(h.atMs[0], now - 10000) : now - 60000, span = Math.max(1000, now - start);
  var maxLat = 0, okLat = [], failed = 0;
  for (var i = 0; i < n; i++) {
    if (h.latencyMs[i] > maxLat) maxLat = h.latencyMs[i];
    if (h.outcome[i] === 'ok') okLat.push(h.latencyMs[i]); else failed++;
  }
  var top = niceMax(maxLat);
  svg.appendChild(svgEl('line', { 'class': 'axis', x1: PAD_L, y1: PAD_T + plotH, x2: CHART_W, y2: PAD_T + plotH }));
  svg.appendChild(svgEl('line', { 'class': 'axis', x1: PAD_L, y1: PAD_T, x2: PAD_L, y2: PAD_T + plotH }));
  svg.appendChild(svgEl('text', { x: 2, y: PAD_T + 8 }, top + ' ms'));
  svg.appendChild(svgEl('text', { x: 2, y: PAD_T + plotH }, '0'));
  svg.appendChild(svgEl('text', { x: PAD_L, y: CHART_H - 3 }, '\\u2212' + agoMs(span)));
  svg.appendChild(svgEl('text', { x: CHART_W - 24, y: CHART_H - 3 }, 'now'));
  var barW = Math.max(1.5, Math.min(8, plotW / Math.max(n, 1) * 0.7));
  for (var j = 0; j < n; j++) {
    var ok = h.outcome[j] === 'ok';
    var hgt = Math.max(ok ? 1 : 6, Math.min(plotH, h.latencyMs[j] / top * plotH));
    var x = PAD_L + 2 + (h.atMs[j] - start) / span * (plotW - barW - 2);
    var bar = svgEl('rect', { 'class': ok ? 'ok' : 'error', x: x.toFixed(1), y: (PAD_T + plotH - hgt).toFixed(1), width: barW.toFixed(1), height: hgt.toFixed(1) });
    bar.appendChild(svgEl('title', {}, new Date(h.atMs[j]).toLocaleTimeString() + ' \\u00b7 ' + h.latencyMs[j].toFixed(1) + ' ms \\u00b7 ' + str(h.outcome[j])));
    svg.appendChild(bar);
  }
  var med = median(okLat);
  var line = n === 0 ? 'no exchanges yet'
    : n + ' exchanges over the last ' + agoMs(span) + ': ' + (n - failed) + ' ok, ' + failed + ' failed' +
      (med === null ? '' : '; ok latency median ' + med.toFixed(1) + ' ms') + ', max ' + maxLat.toFixed(1) + ' ms';
  wrap.appendChild(el('div', 'muted', line));
  wrap.appendChild(svg);
  return wrap;
}
`;
