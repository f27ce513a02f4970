/**
 * `bench/results/chart.svg`, hand-written SVG (no chart library), against the number of plugins
 * (2 KB reports, 1 s interval, both publishing every 3 s), log-scaled x, from one run:
 *   left  — host ÷ upstream's probe for CPU, RSS peak and the worst plugin's poll rate (log y;
 *           lines at 1 and at the 0.25 CPU goal);
 *   right — the worst plugin's polls per second, host and upstream, target line at 0.99.
 */
import { writeFileSync } from 'node:fs';
import type { ScenarioResult, SideResult } from './result.js';
import { hostRatio } from './table.js';

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

const HOST = '#1f77b4';
const UP = '#7f7f7f';
const RSS = '#ff7f0e';
const RATE = '#2ca02c';

const W = 460;
const H = 300;
const M = { l: 56, r: 16, t: 34, b: 44 };

function steady(results: readonly ScenarioResult[]): ScenarioResult[] {
  return results.filter((r) => r.reportBytes === 2048 && r.sides.length > 0 && /^n\d+$/.test(r.scenario)).sort((a, b) => a.plugins - b.plugins);
}

function series(rs: readonly ScenarioResult[], kind: SideResult['kind'], get: (s: SideResult) => number | undefined): Point[] {
  const out: Point[] = [];
  for (const r of rs) {
    const side = r.sides.find((s) => s.kind === kind);
    const y = side ? get(side) : undefined;
    if (y !== undefined && Number.isFinite(y)) out.push({ n: r.plugins, y });
  }
  return out;
}

/** host ÷ upstream per scenario that ran both. */
function ratioSeries(rs: readonly ScenarioResult[], get: (s: SideResult) => number | undefined): Point[] {
  const out: Point[] = [];
  for (const r of rs) {
    const host = r.sides.find((s) => s.kind === 'host');
    const up = r.sides.find((s) => s.kind === 'upstream');
    const y = host && up ? hostRatio(get(host), get(up)) : Number.NaN;
    if (Number.isFinite(y) && y > 0) out.push({ n: r.plugins, y });
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** 1, 2, 2.5 or 5 × 10^k, the smallest at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw - 1e-12)!;
}

function panel(
  x0: number,
  title: string,
  yLabel: string,
  all: readonly Series[],
  opts: { yMax: number; hlines?: readonly { y: number; label: string }[]; logY?: { min: number; max: number } },
): string {
  const yTop = Math.ceil(opts.yMax / niceStep(opts.yMax / 5) - 1e-9) * niceStep(opts.yMax / 5);
  const ns = all.flatMap((s) => s.points.map((p) => p.n));
  const lo = Math.min(10, ...ns);
  const hi = Math.max(10000, ...ns);
  const px = (n: number): number => x0 + M.l + ((Math.log10(n) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - M.l - M.r);
  const log = opts.logY;
  const py = (y: number): number => {
    const f = log
      ? (Math.log10(Math.min(Math.max(y, log.min), log.max)) - Math.log10(log.min)) / (Math.log10(log.max) - Math.log10(log.min))
      : Math.min(y, yTop) / yTop;
    return M.t + (1 - f) * (H - M.t - M.b);
  };
  const parts: string[] = [];
  parts.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  // axes and grid
  const step = niceStep(opts.yMax / 5);
  const yMax = Math.ceil(opts.yMax / step - 1e-9) * step;
  const ticks: number[] = [];
  if (log) for (let y = log.min; y <= log.max * 1.0001; y *= 10) ticks.push(y);
  else for (let k = 0; k * step <= yMax + 1e-9; k++) ticks.push(k * step);
  for (const y of ticks) {
    parts.push(`<line x1="${x0 + M.l}" x2="${x0 + W - M.r}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 + M.l - 6}" y="${py(y) + 4}" text-anchor="end">${Number(y.toPrecision(4))}</text>`);
  }
  for (const n of [10, 100, 200, 1000, 3000, 10000].filter((n) => n >= lo && n <= hi)) {
    parts.push(`<line x1="${px(n)}" x2="${px(n)}" y1="${M.t}" y2="${H - M.b}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${px(n)}" y="${H - M.b + 16}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<text x="${x0 + (W + M.l) / 2}" y="${H - 8}" text-anchor="middle">plugins (log scale)</text>`);
  parts.push(`<text transform="translate(${x0 + 14},${(H + M.t - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  parts.push(`<rect x="${x0 + M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>`);
  for (const h of opts.hlines ?? []) {
    parts.push(`<line x1="${x0 + M.l}" x2="${x0 + W - M.r}" y1="${py(h.y)}" y2="${py(h.y)}" stroke="#555" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${x0 + W - M.r - 4}" y="${py(h.y) - 4}" text-anchor="end" fill="#555">${esc(h.label)}</text>`);
  }
  for (const s of all) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.n).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const p of s.points) {
      parts.push(
        `<circle cx="${px(p.n).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${p.n} plugins → ${p.y.toFixed(3)}</title></circle>`,
      );
    }
  }
  return parts.join('\n');
}

export function renderChart(results: readonly ScenarioResult[]): string {
  const rs = steady(results);
  const ratios: Series[] = [
    { name: 'CPU', color: HOST, points: ratioSeries(rs, (s) => s.cpu.cpuPct) },
    { name: 'RSS peak', color: RSS, points: ratioSeries(rs, (s) => s.cpu.rssPeakMB) },
    { name: 'worst plugin polls/s', color: RATE, points: ratioSeries(rs, (s) => s.polls['healthy']?.rateWorst) },
  ];
  const rate: Series[] = [
    { name: 'host, worst plugin', color: HOST, points: series(rs, 'host', (s) => s.polls['healthy']?.rateWorst) },
    { name: 'upstream probe, worst plugin', color: UP, points: series(rs, 'upstream', (s) => s.polls['healthy']?.rateWorst) },
  ];
  const legend = [
    { name: 'CPU (left) / host (right)', color: HOST },
    { name: 'RSS peak (left)', color: RSS },
    { name: 'worst plugin polls/s (left)', color: RATE },
    { name: 'upstream probe (right)', color: UP },
  ];
  const legendSvg = legend
    .map(
      (l, i) =>
        `<rect x="${M.l + i * 220}" y="${H + 8}" width="14" height="4" fill="${l.color}"/><text x="${M.l + i * 220 + 20}" y="${H + 14}">${esc(l.name)}</text>`,
    )
    .join('\n');
  const runs = [...new Set(rs.map((r) => r.startedAt.slice(0, 16).replace('T', ' ')))].sort();
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 44}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Host ÷ upstream probe, same run', 'ratio (log scale)', ratios, {
      yMax: 10,
      logY: { min: 0.01, max: 10 },
      hlines: [
        { y: 1, label: '1' },
        { y: 0.25, label: 'CPU goal 0.25 at 1000+' },
      ],
    }),
    panel(W, 'Worst plugin, polls per second (2 KB, 1 s)', 'polls/s', rate, { yMax: 1.1, hlines: [{ y: 0.99, label: 'target 0.99' }] }),
    legendSvg,
    `<text x="${M.l}" y="${H + 34}" fill="#555">${rs[0]?.cpus ?? '?'} CPUs shared with the fleet, the apps and other work; runs started ${esc(runs[0] ?? '?')}${runs.length > 1 ? ` to ${esc(runs[runs.length - 1]!)}` : ''} UTC.</text>`,
    '</svg>',
    '',
  ].join('\n');
}

export function writeChart(path: string, results: readonly ScenarioResult[]): void {
  writeFileSync(path, renderChart(results));
}
