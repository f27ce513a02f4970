/**
 * `bench/results/summary.md`: every target with pass/miss, then each scenario's side-by-side table
 * and the config sweep. Written by `--all` (and `--summary`) from the result files, so it always
 * matches them; docs/benchmarks.md and the README quote its first table.
 */
import { writeFileSync } from 'node:fs';
import type { ScenarioResult } from './result.js';
import { fmt, markdownTable, sideBySide, sweepRows, type Row } from './table.js';

export function targetsTable(results: readonly ScenarioResult[]): string {
  const rows: Row[] = [['scenario', 'target', 'goal', 'host', 'baseline (serial, Node)', 'upstream (Go)', '']];
  for (const r of results) {
    for (const t of r.targets) {
      const d = t.unit === '/s' ? 3 : t.unit === 's' ? 2 : 1;
      rows.push([r.title, t.label, `${t.op} ${t.target}`, fmt(t.host, d), fmt(t.baseline, d), t.upstream ?? '', t.pass ? 'met' : '**missed**']);
    }
  }
  return markdownTable(rows, 2);
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
