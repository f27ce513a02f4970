/**
 * `bench/results/chart.svg`, hand-written SVG (no chart library): two panels against the number
 * of plugins (2 KB reports, 1 s interval), log-scaled x:
 *   left  — polls per second per plugin (worst plugin solid, mean dashed), target line at 0.99;
 *   right — CPU of the poller process, % of one core.
 * Series: the host, the serial baseline (same harness), and upstream's Go probe from
 * upstream-baseline.md (measured elsewhere, same 2-core class of machine).
 */
import { writeFileSync } from 'node:fs';
import type { ScenarioResult, SideResult } from './result.js';

interface Point {
  readonly n: number;
  readonly y: number;
}
interface Series {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: readonly Point[];
}

/** upstream-baseline.md: n1000-base and n3000-base (spy cycles/s is the per-plugin poll rate). */
const UPSTREAM_RATE: Point[] = [
  { n: 1000, y: 1.013 },
  { n: 3000, y: 0.516 },
];
const UPSTREAM_CPU: Point[] = [
  { n: 1000, y: 35.1 },
  { n: 3000, y: 121.5 },
];

const HOST = '#1f77b4';
const BASE = '#d62728';
const UP = '#7f7f7f';

const W = 460;
const H = 300;
const M = { l: 56, r: 16, t: 34, b: 44 };

function steady(results: readonly ScenarioResult[]): ScenarioResult[] {
  return results.filter((r) => r.reportBytes === 2048 && r.sides.length > 0 && /^n\d+$/.test(r.scenario)).sort((a, b) => a.plugins - b.plugins);
}

function series(rs: readonly ScenarioResult[], kind: 'host' | 'baseline', get: (s: SideResult) => number | undefined): Point[] {
  const out: Point[] = [];
  for (const r of rs) {
    const side = r.sides.find((s) => s.kind === kind);
    const y = side ? get(side) : undefined;
    if (y !== undefined && Number.isFinite(y)) out.push({ n: r.plugins, y });
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** 1, 2, 2.5 or 5 × 10^k, the smallest at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw - 1e-12)!;
}

function panel(x0: number, title: string, yLabel: string, all: readonly Series[], opts: { yMax: number; hline?: number }): string {
  const yTop = Math.ceil(opts.yMax / niceStep(opts.yMax / 5) - 1e-9) * niceStep(opts.yMax / 5);
  const ns = all.flatMap((s) => s.points.map((p) => p.n));
  const lo = Math.min(1000, ...ns);
  const hi = Math.max(10000, ...ns);
  const px = (n: number): number => x0 + M.l + ((Math.log10(n) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - M.l - M.r);
  const py = (y: number): number => M.t + (1 - Math.min(y, yTop) / yTop) * (H - M.t - M.b);
  const parts: string[] = [];
  parts.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  // axes and grid
  const step = niceStep(opts.yMax / 5);
  const yMax = Math.ceil(opts.yMax / step - 1e-9) * step;
  for (let k = 0; k * step <= yMax + 1e-9; k++) {
    const y = k * step;
    parts.push(`<line x1="${x0 + M.l}" x2="${x0 + W - M.r}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 + M.l - 6}" y="${py(y) + 4}" text-anchor="end">${Number(y.toPrecision(4))}</text>`);
  }
  for (const n of [1000, 2000, 3000, 5000, 10000].filter((n) => n >= lo && n <= hi)) {
    parts.push(`<line x1="${px(n)}" x2="${px(n)}" y1="${M.t}" y2="${H - M.b}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${px(n)}" y="${H - M.b + 16}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<text x="${x0 + (W + M.l) / 2}" y="${H - 8}" text-anchor="middle">plugins (log scale)</text>`);
  parts.push(`<text transform="translate(${x0 + 14},${(H + M.t - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  parts.push(`<rect x="${x0 + M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>`);
  if (opts.hline !== undefined) {
    parts.push(`<line x1="${x0 + M.l}" x2="${x0 + W - M.r}" y1="${py(opts.hline)}" y2="${py(opts.hline)}" stroke="#2ca02c" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${x0 + W - M.r - 4}" y="${py(opts.hline) - 4}" text-anchor="end" fill="#2ca02c">target ${opts.hline}</text>`);
  }
  for (const s of all) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.n).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const p of s.points) {
      parts.push(`<circle cx="${px(p.n).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${p.n} plugins → ${p.y.toFixed(3)}</title></circle>`);
    }
  }
  return parts.join('\n');
}

export function renderChart(results: readonly ScenarioResult[]): string {
  const rs = steady(results);
  const rate: Series[] = [
    { name: 'host, worst plugin', color: HOST, points: series(rs, 'host', (s) => s.polls['healthy']?.rateWorst) },
    { name: 'host, mean', color: HOST, dashed: true, points: series(rs, 'host', (s) => s.polls['healthy']?.rateMean) },
    { name: 'serial baseline, worst plugin', color: BASE, points: series(rs, 'baseline', (s) => s.polls['healthy']?.rateWorst) },
    { name: 'serial baseline, mean', color: BASE, dashed: true, points: series(rs, 'baseline', (s) => s.polls['healthy']?.rateMean) },
    { name: 'upstream Go probe (doc)', color: UP, dashed: true, points: UPSTREAM_RATE },
  ];
  const cpu: Series[] = [
    { name: 'host', color: HOST, points: series(rs, 'host', (s) => s.cpu.cpuPct) },
    { name: 'serial baseline', color: BASE, points: series(rs, 'baseline', (s) => s.cpu.cpuPct) },
    { name: 'upstream Go probe (doc)', color: UP, dashed: true, points: UPSTREAM_CPU },
  ];
  const cpuMax = Math.max(50, ...cpu.flatMap((s) => s.points.map((p) => p.y)));
  const legend = [
    { name: 'host (scope-plugin-host)', color: HOST },
    { name: 'serial baseline (this harness)', color: BASE },
    { name: 'upstream Go probe (upstream-baseline.md)', color: UP },
  ];
  const legendSvg = legend
    .map((l, i) => `<rect x="${M.l + i * 300}" y="${H + 8}" width="14" height="4" fill="${l.color}"/><text x="${M.l + i * 300 + 20}" y="${H + 14}">${esc(l.name)}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 44}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Polls per second per plugin (2 KB, 1 s)', 'polls/s (solid: worst plugin, dashed: mean)', rate, { yMax: 1.1, hline: 0.99 }),
    panel(W, 'Poller CPU', '% of one core', cpu, { yMax: cpuMax }),
    legendSvg,
    `<text x="${M.l}" y="${H + 34}" fill="#555">Measured on ${rs[0]?.cpus ?? '?'} CPUs; fleet in its own process on the same machine.</text>`,
    '</svg>',
    '',
  ].join('\n');
}

export function writeChart(path: string, results: readonly ScenarioResult[]): void {
  writeFileSync(path, renderChart(results));
}
