/**
 * `GET /`: a status page for people. One self-contained HTML document (inline CSS and JS, no
 * external assets, no framework) built from the parts in this folder: a header with the health
 * pill and the host's identity and apps, the plugin table, and a plugin's detail view with its
 * contribution, controls and a history chart.
 *
 * Labels, descriptions, statuses and socket paths come from untrusted plugins, so plugin data only
 * ever reaches the DOM through `textContent` and `setAttribute`, never `innerHTML`. A
 * Content-Security-Policy pinned to the hashes of the one inline script and style backs that up:
 * even a markup injection could not run code or load anything from elsewhere. The page reports
 * its own render time (footer and `data-render-ms`), which is how the browser test measures the
 * 10 000-row case without a timed assertion.
 */
import { createHash } from 'node:crypto';
import { BODY } from './body.js';
import { CHART_SCRIPT } from './chart-script.js';
import { COMMON_SCRIPT } from './common-script.js';
import { DETAIL_SCRIPT } from './detail-script.js';
import { HEADER_SCRIPT } from './header-script.js';
import { LOOP_SCRIPT } from './loop-script.js';
import { STYLE } from './style.js';
import { TABLE_SCRIPT } from './table-script.js';

/** One script, in this order: later parts call functions of earlier ones only at run time. */
const SCRIPT = [COMMON_SCRIPT, HEADER_SCRIPT, CHART_SCRIPT, TABLE_SCRIPT, DETAIL_SCRIPT, LOOP_SCRIPT].join('\n');

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Built once: the page is static, all data arrives through the API. */
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
