/**
 * `bench/results/summary.md`: every target with pass/miss, then each scenario's side-by-side table
 * and the config sweep. Written by `--all` (and `--summary`) from the result files, so it always
 * matches them; docs/benchmarks.md and the README quote its first table.
 */
import { writeFileSync } from 'node:fs';
import type { ScenarioResult, SideResult } from './result.js';
import { fmt, fmtRatio, goalText, hostRatio, hostText, markdownTable, sideBySide, sweepRows, type Row } from './table.js';

export function targetsTable(results: readonly ScenarioResult[]): string {
  const rows: Row[] = [['scenario', 'target', 'goal', 'host', 'upstream (same run)', 'serial (Node)', '']];
  for (const r of results) {
    for (const t of r.targets) {
      const d = t.unit === '/s' ? 3 : t.unit === 's' ? 2 : 1;
      const pass = t.pass === null ? 'n/a' : t.pass ? 'met' : '**missed**';
      rows.push([r.scenario, t.label, goalText(t), hostText(t), fmt(t.upstreamMeasured, d), fmt(t.baseline, d), pass]);
    }
  }
  return markdownTable(rows, 2);
}

/** host ÷ upstream per measure; each is "lower is better" except the worst plugin's rate. */
export const RATIO_COLUMNS: readonly { readonly label: string; readonly get: (r: SideResult) => number | undefined }[] = [
  { label: 'CPU', get: (r) => r.cpu.cpuPct },
  { label: 'RSS peak', get: (r) => r.cpu.rssPeakMB },
  { label: 'worst plugin rate', get: (r) => r.polls['healthy']?.rateWorst },
  { label: 'lateness p99', get: (r) => r.polls['healthy']?.latenessMs.p99 },
  { label: 'report age p99', get: (r) => r.reportAge.ageMs['healthy']?.p99 },
  { label: 'discovery p99', get: (r) => r.discovery?.toOkMs.p99 },
  { label: 'control round trip p99', get: (r) => r.control?.roundTripMs.p99 },
];

/** One row per scenario with an upstream side: host ÷ upstream for each ratio column. */
export function ratiosTable(results: readonly ScenarioResult[]): string {
  const rows: Row[] = [['scenario', ...RATIO_COLUMNS.map((c) => c.label)]];
  for (const r of results) {
    const host = r.sides.find((x) => x.kind === 'host');
    const up = r.sides.find((x) => x.kind === 'upstream');
    if (!host || !up) continue;
    rows.push([r.scenario, ...RATIO_COLUMNS.map((c) => fmtRatio(hostRatio(c.get(host), c.get(up))) || 'n/a')]);
  }
  return markdownTable(rows);
}

/** host / upstream figures behind the ratios: CPU %, RSS peak MB, worst rate. */
export function figuresTable(results: readonly ScenarioResult[]): string {
  const rows: Row[] = [['scenario', 'CPU % host / upstream', 'RSS peak MB host / upstream', 'worst plugin polls/s host / upstream', 'machine busy %']];
  for (const r of results) {
    const host = r.sides.find((x) => x.kind === 'host');
    const up = r.sides.find((x) => x.kind === 'upstream');
    if (!host || !up) continue;
    rows.push([
      r.scenario,
      `${fmt(host.cpu.cpuPct)} / ${fmt(up.cpu.cpuPct)}`,
      `${fmt(host.cpu.rssPeakMB, 0)} / ${fmt(up.cpu.rssPeakMB, 0)}`,
      `${fmt(host.polls['healthy']?.rateWorst, 3)} / ${fmt(up.polls['healthy']?.rateWorst, 3)}`,
      `${fmt(host.machineBusyPct, 0)} / ${fmt(up.machineBusyPct, 0)}`,
    ]);
  }
  return markdownTable(rows);
}

export function renderSummary(results: readonly ScenarioResult[]): string {
  const out: string[] = ['# Benchmark results', ''];
  const first = results[0];
  if (first) {
    const dates = results.map((r) => r.startedAt).sort();
    const heads = [...new Set(results.map((r) => r.gitHead).filter(Boolean))].join(', ');
    out.push(`Node ${first.node}, ${first.cpus} CPUs; runs from ${dates[0]} to ${dates[dates.length - 1]}${heads ? ` (git ${heads})` : ''}. ` +
      'Host, baseline, fleet and the measuring process share the machine; see docs/benchmarks.md for what each measure means.', '');
  }
  out.push('## Host ÷ upstream (same run)', '', ratiosTable(results), '', figuresTable(results), '');
  out.push('## Targets', '', targetsTable(results), '');
  for (const r of results) {
    out.push(`## ${r.scenario}: ${r.title}`, '');
    out.push(`Fleet: ${r.plugins} plugins × ${fmt(r.reportBytes / 1024, 0)} KB; load average at start ${r.loadAvgAtStart.join(', ')}.`, '');
    out.push(markdownTable(r.scenario === 'sweep' ? sweepRows(r) : sideBySide(r)), '');
    for (const note of r.notes) out.push(`- note: ${note}`);
    if (r.notes.length) out.push('');
  }
  return `${out.join('\n')}\n`;
}

export function writeSummary(path: string, results: readonly ScenarioResult[]): void {
  writeFileSync(path, renderSummary(results));
}
