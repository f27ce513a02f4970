/**
 * Helpers every part of the page's script uses. Plugin data reaches the DOM only through
 * `textContent` and `setAttribute` (via `el`, `setText`), never as markup.
 */
export const COMMON_SCRIPT = `
'use strict';
var REFRESH_MS = 2000, PAGE = 500, MAX_LABEL = 1000;
var $ = function (id) { return document.getElementById(id); };
function str(v) { return v === null || v === undefined ? '' : String(v); }
/** Labels and descriptions are the plugin's own and unbounded; statuses and paths are shown whole. */
function clip(v) { var s = str(v); return s.length > MAX_LABEL ? s.slice(0, MAX_LABEL) + '\\u2026' : s; }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
/** A path as text with a line-break opportunity after each '/', so it wraps between directories. */
function setPath(node, path) {
  if (node._t === path) return;
  node._t = path;
  node.textContent = '';
  var parts = path.split('/');
  for (var i = 0; i < parts.length; i++) {
    node.appendChild(document.createTextNode(i < parts.length - 1 ? parts[i] + '/' : parts[i]));
    if (i < parts.length - 1) node.appendChild(document.createElement('wbr'));
  }
}
function kindOf(status) {
  if (status === 'ok') return 'ok';
  if (typeof status === 'string' && status.indexOf('error') === 0) return 'error';
  return 'pending';
}
function agoMs(ms) {
  var s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}
function ago(iso, now) {
  if (!iso) return '\\u2014';
  var t = Date.parse(iso);
  return isNaN(t) ? '\\u2014' : agoMs(now - t) + ' ago';
}
function ms(v) { return typeof v === 'number' ? v.toFixed(1) + ' ms' : '\\u2014'; }
function getJson(path) {
  return fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (res) {
    return res.json().then(function (body) { return { status: res.status, body: body }; });
  });
}
function postJson(path, value) {
  return fetch(path, { method: 'POST', cache: 'no-store', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(value) })
    .then(function (res) { return res.text().then(function (t) { var b = null; try { b = JSON.parse(t); } catch (e) { b = t; } return { status: res.status, body: b }; }); });
}
`;
