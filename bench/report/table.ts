/**
 * Human-readable tables for one scenario: the measures side by side (host, upstream's probe, the
 * serial baseline, and host ÷ upstream), the targets with pass/miss, and for the config sweep one
 * row per point. The same rows feed the console (aligned text) and the Markdown summary.
 */
import type { GroupPolls } from '../measure/polls.js';
import type { ScenarioResult, SideResult, TargetCheck } from './result.js';

export type Row = readonly string[];

/** Number formatting that never prints "NaN" or "null". */
export function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toFixed(digits);
}

const pair = (a: number | undefined, b: number | undefined, d = 1): string => `${fmt(a, d)} / ${fmt(b, d)}`;

/** host ÷ other, NaN when either is missing or the divisor is 0. */
export function hostRatio(host: number | null | undefined, other: number | null | undefined): number {
  if (host === null || host === undefined || other === null || other === undefined) return Number.NaN;
  if (!Number.isFinite(host) || !Number.isFinite(other) || other === 0) return Number.NaN;
  return host / other;
}

/** A ratio as text: two significant digits below 10 (0.25×, 1.0×), whole numbers above. */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '';
  if (r >= 10) return `${r.toFixed(0)}×`;
  if (r >= 1) return `${r.toFixed(1)}×`;
  return `${r.toPrecision(2)}×`;
}

interface Measure {
  readonly label: string;
  readonly get: (r: SideResult) => string;
  /** A single number for the host ÷ upstream column. */
  readonly num?: (r: SideResult) => number;
}

const g = (r: SideResult, group: string): GroupPolls | undefined => r.polls[group];

function measures(result: ScenarioResult): Measure[] {
  const groups = new Set(result.sides.flatMap((r) => Object.keys(r.polls)));
  const out: Measure[] = [];
  for (const group of ['healthy', 'slow', 'hung']) {
    if (!groups.has(group)) continue;
    out.push({
      label: `${group} polls/s mean / worst`,
      get: (r) => pair(g(r, group)?.rateMean, g(r, group)?.rateWorst, 3),
      num: (r) => g(r, group)?.rateWorst ?? Number.NaN,
    });
  }
  out.push(
    {
      label: 'healthy lateness p50 / p99, ms',
      get: (r) => pair(g(r, 'healthy')?.latenessMs.p50, g(r, 'healthy')?.latenessMs.p99),
      num: (r) => Math.abs(g(r, 'healthy')?.latenessMs.p99 ?? Number.NaN),
    },
    { label: 'CPU, % of one core', get: (r) => fmt(r.cpu.cpuPct), num: (r) => r.cpu.cpuPct },
    { label: 'main-thread ELU mean / max, %', get: (r) => pair(r.metrics.mainEluMean * 100, r.metrics.mainEluMax * 100) },
    { label: 'RSS mean / peak, MB', get: (r) => pair(r.cpu.rssMeanMB, r.cpu.rssPeakMB, 0), num: (r) => r.cpu.rssPeakMB },
    { label: 'VmHWM, MB', get: (r) => fmt(r.cpu.hwmMB, 0) },
    { label: 'deadline misses (non-hung)', get: (r) => `${r.deadlineMisses} (${r.abortedAtNonHung} seen by plugins)` },
    {
      label: 'report age p50 / p99 (healthy), s',
      get: (r) => pair((r.reportAge.ageMs['healthy']?.p50 ?? Number.NaN) / 1000, (r.reportAge.ageMs['healthy']?.p99 ?? Number.NaN) / 1000, 2),
      num: (r) => r.reportAge.ageMs['healthy']?.p99 ?? Number.NaN,
    },
    { label: 'report fetches / KB', get: (r) => `${r.reportAge.fetches} / ${fmt(r.reportAge.bytes / 1024, 0)}${r.reportAgeFrom === 'app' ? ' (app)' : ''}` },
  );
  if (result.sides.some((r) => r.discovery)) {
    out.push(
      {
        label: 'new socket → first poll p50 / p99, ms',
        get: (r) => pair(r.discovery?.toFirstPollMs.p50, r.discovery?.toFirstPollMs.p99, 0),
      },
      {
        label: 'new socket → status ok p50 / p99, ms',
        get: (r) => `${pair(r.discovery?.toOkMs.p50, r.discovery?.toOkMs.p99, 0)}${r.discovery?.neverOk ? ` (${r.discovery.neverOk} never)` : ''}`,
        num: (r) => r.discovery?.toOkMs.p99 ?? Number.NaN,
      },
    );
  }
  if (result.sides.some((r) => r.control)) {
    out.push(
      {
        label: 'control round trip p50 / p99, ms',
        get: (r) => pair(r.control?.roundTripMs.p50, r.control?.roundTripMs.p99),
        num: (r) => r.control?.roundTripMs.p99 ?? Number.NaN,
      },
      {
        label: 'control overhead p50 / p99, ms',
        get: (r) => pair(r.control?.overheadMs.p50, r.control?.overheadMs.p99),
        num: (r) => r.control?.overheadMs.p99 ?? Number.NaN,
      },
    );
  }
  out.push(
    { label: 'fleet CPU, % of one core', get: (r) => fmt(r.fleet.cpuPct) },
    { label: 'its Scope app CPU %, RSS peak MB', get: (r) => (r.app ? `${fmt(r.app.cpuPct)}, ${fmt(r.app.rssPeakMB, 0)}` : 'n/a') },
    { label: 'machine busy / others, % of one core', get: (r) => pair(r.machineBusyPct, r.othersPct, 0) },
  );
  return out;
}

/** Header + rows of the side-by-side table: host, upstream, serial baseline, host ÷ upstream. */
export function sideBySide(result: ScenarioResult): Row[] {
  const host = result.sides.find((r) => r.kind === 'host');
  const upstream = result.sides.find((r) => r.kind === 'upstream');
  const baseline = result.sides.find((r) => r.kind === 'baseline');
  const head = ['measure', 'host'];
  if (upstream) head.push('upstream (Go)');
  if (baseline) head.push('serial (Node)');
  if (upstream) head.push('host ÷ upstream');
  const rows: Row[] = [head];
  if (!host) return rows;
  for (const m of measures(result)) {
    const row = [m.label, m.get(host)];
    if (upstream) row.push(m.get(upstream));
    if (baseline) row.push(m.get(baseline));
    if (upstream) row.push(m.num ? fmtRatio(hostRatio(m.num(host), m.num(upstream))) : '');
    rows.push(row);
  }
  return rows;
}

/** `<= 0.25 × upstream` or `>= 0.99`. */
export function goalText(t: TargetCheck): string {
  return t.vsUpstream ? `${t.op} ${t.target} × upstream` : `${t.op} ${t.target}`;
}

/** The host's figure; for a goal relative to upstream, the ratio too. */
export function hostText(t: TargetCheck): string {
  const d = t.unit === '/s' ? 3 : t.unit === 's' ? 2 : 1;
  return t.vsUpstream ? `${fmt(t.host, d)} (${fmtRatio(hostRatio(t.host, t.upstreamMeasured))})` : fmt(t.host, d);
}

export function passText(t: TargetCheck): string {
  return t.pass === null ? 'n/a (no upstream)' : t.pass ? 'met' : 'MISSED';
}

export function targetRows(result: ScenarioResult): Row[] {
  const rows: Row[] = [['target', 'goal', 'host', 'upstream (same run)', 'serial', 'upstream (elsewhere)', '']];
  for (const t of result.targets) {
    const d = t.unit === '/s' ? 3 : t.unit === 's' ? 2 : 1;
    rows.push([t.label, goalText(t), hostText(t), fmt(t.upstreamMeasured, d), fmt(t.baseline, d), t.upstream ?? '', passText(t)]);
  }
  return rows;
}

export function sweepRows(result: ScenarioResult): Row[] {
  const rows: Row[] = [
    ['workers', 'in-flight/worker', 'CPU %', 'main ELU %', 'worker ELU %', 'lateness p50 / p99 ms', 'worst polls/s', 'RSS peak MB', 'misses'],
  ];
  for (const r of result.sides) {
    const welu = Object.values(r.metrics.workerElu);
    rows.push([
      String(r.settings['workers']),
      String(r.settings['maxConcurrentPollsPerWorker']),
      fmt(r.cpu.cpuPct),
      fmt(r.metrics.mainEluMean * 100),
      welu.length ? welu.map((x) => fmt(x * 100, 0)).join(' / ') : 'n/a',
      pair(r.polls['healthy']?.latenessMs.p50, r.polls['healthy']?.latenessMs.p99),
      fmt(r.polls['healthy']?.rateWorst, 3),
      fmt(r.cpu.rssPeakMB, 0),
      String(r.deadlineMisses),
    ]);
  }
  return rows;
}

/** Aligned plain-text table. */
export function textTable(rows: readonly Row[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r, k) => {
      const line = r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
      return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** `leftColumns` text columns on the left, numbers right-aligned after them. */
export function markdownTable(rows: readonly Row[], leftColumns = 1): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Everything printed for one scenario on the console. */
export function consoleReport(result: ScenarioResult): string {
  const parts = [`\n== ${result.scenario}: ${result.title} ==`];
  parts.push(textTable(result.scenario === 'sweep' || result.sides.every((r) => r.label.startsWith('host w=')) ? sweepRows(result) : sideBySide(result)));
  if (result.targets.length > 0) parts.push('', textTable(targetRows(result)));
  for (const note of result.notes) parts.push(`note: ${note}`);
  return parts.join('\n');
}
