/** The status page's CSS (one inline `<style>`, pinned by its hash in the page's CSP). */
export const STYLE = `
:root { color-scheme: light dark; --bad: #c62828; --bad-bg: rgba(198,40,40,.10); --ok: #2e7d32; --wait: #8d6e00; --warn: #e65100; --muted: #777; --line: rgba(127,127,127,.25); }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; padding: 12px 16px; }
header { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 16px; margin: 0 0 4px; overflow-wrap: anywhere; }
h3 { font-size: 13px; margin: 14px 0 4px; }
.pill { padding: 1px 8px; border-radius: 9px; font-weight: 600; color: #fff; background: var(--muted); }
.pill.ok { background: var(--ok); } .pill.starting, .pill.warn { background: var(--warn); } .pill.down { background: var(--bad); }
.pill.starting { background: var(--wait); }
#updated, footer, #note, .muted { color: var(--muted); }
#banner { color: var(--bad); font-weight: 600; margin: 6px 0; }
#host { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0; }
#host .k { color: var(--muted); margin-right: 4px; }
#host .v { overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
#apps { margin: 2px 0 6px; padding: 0; list-style: none; }
#apps li { margin: 1px 0; overflow-wrap: anywhere; }
.state { font-weight: 600; } .state.ok { color: var(--ok); } .state.bad { color: var(--bad); } .state.wait { color: var(--wait); }
.counts { display: flex; gap: 16px; margin: 8px 0; font-size: 14px; }
.counts b { font-variant-numeric: tabular-nums; }
.counts .error b { color: var(--bad); } .counts .ok b { color: var(--ok); } .counts .pending b { color: var(--wait); }
.controls { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
#filter { width: min(36em, 100%); padding: 4px 8px; font: inherit; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
#plugins td { white-space: normal; }
#plugins td.one { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#rows tr { cursor: pointer; } #rows tr:hover td { background: rgba(127,127,127,.12); }
#rows tr.selected td { box-shadow: inset 0 2px 0 Highlight, inset 0 -2px 0 Highlight; }
#rows tr.selected td:first-child { box-shadow: inset 0 2px 0 Highlight, inset 0 -2px 0 Highlight, inset 3px 0 0 Highlight; }
th { position: sticky; top: 0; background: Canvas; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.error td { background: var(--bad-bg); } tr.error td.status { color: var(--bad); font-weight: 600; }
tr.pending td.status { color: var(--wait); } tr.ok td.status { color: var(--ok); }
col.id { width: 10%; } col.label { width: 8%; } col.status { width: 26.5%; } col.code { width: 12%; }
col.era { width: 5%; } col.lat { width: 6%; } col.when { width: 6%; } col.n { width: 3.5%; } col.socket { width: 13.5%; }
td.code { font-size: 12px; }
button { font: inherit; }
#more { margin: 8px 0; }
footer { margin-top: 8px; }
#detail { position: fixed; top: 0; right: 0; bottom: 0; width: min(620px, 100%); overflow-y: auto; background: Canvas;
          border-left: 1px solid var(--line); box-shadow: -4px 0 16px rgba(0,0,0,.18); padding: 12px 16px; }
#detail[hidden] { display: none; }
#detail-close { float: right; }
#detail .status { font-weight: 600; overflow-wrap: anywhere; } #detail .status.ok { color: var(--ok); } #detail .status.error { color: var(--bad); }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
#detail dt { color: var(--muted); } #detail dd { margin: 0; overflow-wrap: anywhere; }
#detail table { margin: 2px 0 6px; } #detail td, #detail th { font-size: 12px; }
#detail .err { color: var(--bad); overflow-wrap: anywhere; }
#chart { display: block; width: 100%; height: 120px; border: 1px solid var(--line); }
#chart .ok { fill: var(--ok); } #chart .error { fill: var(--bad); } #chart .axis { stroke: var(--line); } #chart text { fill: var(--muted); font-size: 10px; }
.ctl { margin: 2px 4px 2px 0; }
.ctl-result { margin-left: 6px; } .ctl-result.ok { color: var(--ok); } .ctl-result.error { color: var(--bad); }
`;
