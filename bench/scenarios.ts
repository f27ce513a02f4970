/**
 * The benchmark's scenarios and targets (issues #5 and #18), as data. Each scenario starts one fake
 * plugin fleet, then measures against the same fleet, one after the other: the host, upstream's
 * real probe (`upstream: true`, when the scope binary is there) and the upstream-like serial
 * poller in Node (`baseline: true`, a reference). The host and upstream's probe both publish to a
 * Scope app every 3 s.
 *
 * Plugin groups: every fake plugin is `healthy`, `slow` (answers after `slowMs`) or `hung` (never
 * answers); controllers are healthy plugins that also expose a control. Rates, lateness and report
 * age are reported per group, and the targets say which group they are about.
 */
import type { PluginSpec } from './fleet/scenario.js';
import { fakeId } from './fleet/scenario.js';
import type { HostSettings } from './harness/targets.js';
import type { SideResult } from './report/result.js';

export type Phase = 'steady' | 'discovery' | 'control' | 'sweep';

export interface Target {
  /** What is compared, in words, e.g. "worst healthy plugin polls/s". */
  readonly label: string;
  readonly op: '>=' | '<=';
  readonly value: number;
  readonly unit: string;
  /** Upstream's figure as measured outside this bench (for the table only). */
  readonly upstream?: string;
  /** `value` is a factor of upstream's probe's figure in the same run (e.g. CPU <= 0.25 × upstream). */
  readonly vsUpstream?: boolean;
  /** The measured value on one side; NaN when it was not measured. */
  readonly get: (r: SideResult) => number;
}

export interface SweepPoint {
  readonly workers: number;
  readonly maxConcurrentPollsPerWorker: number;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly plugins: number;
  readonly reportBytes: number;
  /** Fractions of the fleet that hang / answer slowly (at least one plugin each when > 0). */
  readonly hungFraction?: number;
  readonly slowFraction?: number;
  readonly slowMs?: number;
  /** Healthy plugins that are also controllers. */
  readonly controllers?: number;
  readonly phase: Phase;
  readonly warmupSeconds: number;
  /** Measured window; `--seconds` overrides it (the sweep uses half of it per point). */
  readonly seconds: number;
  /** How often `/api/report` is fetched for the report age (a cost to the target; see report-age.ts). */
  readonly reportAgeEveryMs: number;
  /** Run upstream's real probe too. */
  readonly upstream: boolean;
  readonly baseline: boolean;
  readonly settings?: Partial<HostSettings>;
  readonly sweep?: readonly SweepPoint[];
  readonly targets: readonly Target[];
}

export const DEFAULT_SETTINGS: HostSettings = { pollIntervalMs: 1000, timeoutMs: 500 };

const healthyRate = (r: SideResult): number => r.polls['healthy']?.rateWorst ?? Number.NaN;
const cpu = (r: SideResult): number => r.cpu.cpuPct;

const rateTarget = (value: number, upstream?: string): Target => ({
  label: 'worst healthy plugin, polls/s',
  op: '>=',
  value,
  unit: '/s',
  upstream,
  get: healthyRate,
});
const cpuTarget = (value: number, upstream?: string): Target => ({ label: 'CPU, % of one core', op: '<=', value, unit: '%', upstream, get: cpu });
const rssTarget = (value: number): Target => ({ label: 'RSS peak, MB', op: '<=', value, unit: 'MB', get: (r) => r.cpu.rssPeakMB });
const cpuVsUpstream = (factor: number): Target => ({ label: 'CPU, % of one core', op: '<=', value: factor, vsUpstream: true, unit: '%', get: cpu });
const rssVsUpstream: Target = { label: 'RSS peak, MB', op: '<=', value: 1, vsUpstream: true, unit: 'MB', get: (r) => r.cpu.rssPeakMB };

const LOADED = { plugins: 1000, reportBytes: 2048, hungFraction: 0.01, slowFraction: 0.01, slowMs: 450, controllers: 10 } as const;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'n10',
    title: '10 plugins × 2 KB, 1 s',
    plugins: 10,
    reportBytes: 2048,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 3000,
    upstream: true,
    baseline: true,
    targets: [rateTarget(0.99), cpuVsUpstream(1), rssVsUpstream],
  },
  {
    name: 'n200',
    title: '200 plugins × 2 KB, 1 s',
    plugins: 200,
    reportBytes: 2048,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 3000,
    upstream: true,
    baseline: true,
    targets: [rateTarget(0.99), cpuVsUpstream(1), rssVsUpstream],
  },
  {
    name: 'n1000',
    title: '1000 plugins × 2 KB, 1 s',
    plugins: 1000,
    reportBytes: 2048,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 3000,
    baseline: true,
    upstream: true,
    targets: [rateTarget(0.99), cpuTarget(10, '35%'), cpuVsUpstream(0.25), rssVsUpstream],
  },
  {
    name: 'n3000',
    title: '3000 plugins × 2 KB, 1 s',
    plugins: 3000,
    reportBytes: 2048,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 3000,
    baseline: true,
    upstream: true,
    targets: [rateTarget(0.99, '0.52/s'), cpuTarget(30, '121%'), rssTarget(200), cpuVsUpstream(0.25), rssVsUpstream],
  },
  {
    name: 'n10000',
    title: '10000 plugins × 2 KB, 1 s',
    plugins: 10000,
    reportBytes: 2048,
    phase: 'steady',
    warmupSeconds: 15,
    seconds: 30,
    reportAgeEveryMs: 3000,
    baseline: true,
    upstream: true,
    targets: [rateTarget(0.95), rssTarget(500), cpuVsUpstream(0.25)],
  },
  {
    name: 'big200',
    title: '200 plugins × 200 KB, 1 s',
    plugins: 200,
    reportBytes: 200 * 1024,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 3000,
    baseline: true,
    upstream: true,
    targets: [rateTarget(0.99), { label: 'main-thread ELU, %', op: '<=', value: 20, unit: '%', get: (r) => r.metrics.mainEluMean * 100 }],
  },
  {
    name: 'hung',
    title: '1000 plugins, 1% hung + 1% slow (450 ms)',
    ...LOADED,
    phase: 'steady',
    warmupSeconds: 10,
    seconds: 30,
    reportAgeEveryMs: 250,
    upstream: true,
    baseline: true,
    targets: [
      rateTarget(0.99, '0.1/s'),
      {
        label: 'report age p99 (healthy), s',
        op: '<=',
        value: 1,
        vsUpstream: true,
        unit: 's',
        get: (r) => (r.reportAge.ageMs['healthy']?.p99 ?? Number.NaN) / 1000,
      },
    ],
  },
  {
    name: 'discovery',
    title: 'discovery under the hung/slow load: new socket → status ok',
    ...LOADED,
    phase: 'discovery',
    warmupSeconds: 10,
    seconds: 20,
    reportAgeEveryMs: 3000,
    upstream: true,
    baseline: true,
    targets: [
      {
        label: 'new socket → status ok p99, ms',
        op: '<=',
        value: 250,
        unit: 'ms',
        upstream: '2.3 s; 16.9 s with hung plugins',
        get: (r) => r.discovery?.toOkMs.p99 ?? Number.NaN,
      },
    ],
  },
  {
    name: 'control',
    title: 'control round trip under the hung/slow load',
    ...LOADED,
    phase: 'control',
    warmupSeconds: 10,
    seconds: 20,
    reportAgeEveryMs: 3000,
    upstream: true,
    baseline: true,
    targets: [
      {
        label: 'control round trip minus plugin time p99, ms',
        op: '<=',
        value: 20,
        unit: 'ms',
        upstream: 'up to 4.8 s',
        get: (r) => r.control?.overheadMs.p99 ?? Number.NaN,
      },
    ],
  },
  {
    name: 'sweep',
    title: 'config sweep at 3000 × 2 KB: workers × maxConcurrentPollsPerWorker',
    plugins: 3000,
    reportBytes: 2048,
    phase: 'sweep',
    warmupSeconds: 8,
    seconds: 30,
    reportAgeEveryMs: 3000,
    upstream: false,
    baseline: false,
    sweep: [
      { workers: 1, maxConcurrentPollsPerWorker: 128 },
      { workers: 2, maxConcurrentPollsPerWorker: 128 },
      { workers: 4, maxConcurrentPollsPerWorker: 128 },
      { workers: 1, maxConcurrentPollsPerWorker: 8 },
      { workers: 2, maxConcurrentPollsPerWorker: 4 },
      { workers: 2, maxConcurrentPollsPerWorker: 32 },
      { workers: 2, maxConcurrentPollsPerWorker: 1024 },
    ],
    targets: [],
  },
];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/**
 * The fleet for a scenario: `plugins` fakes, with the hung and slow ones spread evenly through
 * the sorted order (never first or last, as in upstream's runs) and controllers among the healthy.
 */
export function fleetPlugins(s: Scenario): PluginSpec[] {
  const n = s.plugins;
  const count = (f: number | undefined): number => (f && f > 0 ? Math.max(1, Math.round(n * f)) : 0);
  const hung = spread(n, count(s.hungFraction), 0);
  const slow = spread(n, count(s.slowFraction), 1);
  const specs: PluginSpec[] = [];
  let controllers = s.controllers ?? 0;
  for (let i = 0; i < n; i++) {
    const id = fakeId(i);
    if (hung.has(i)) specs.push({ id, reportBytes: s.reportBytes, hang: true });
    else if (slow.has(i)) specs.push({ id, reportBytes: s.reportBytes, latencyMs: s.slowMs ?? 450 });
    else if (controllers > 0 && i % 97 === 3) {
      controllers--;
      specs.push({ id, reportBytes: s.reportBytes, controller: true });
    } else specs.push({ id, reportBytes: s.reportBytes });
  }
  return specs;
}

/** `k` indexes spread evenly over 1..n-2, shifted by `shift` so two spreads do not collide. */
function spread(n: number, k: number, shift: number): Set<number> {
  const out = new Set<number>();
  for (let j = 0; j < k; j++) out.add(Math.min(n - 2, Math.max(1, Math.floor(((j + 0.5) * n) / k) + shift)));
  return out;
}

/** healthy / slow / hung / controller for the fleet's own plugins; null for anything else. */
export function grouper(specs: readonly PluginSpec[]): (id: string) => string | null {
  const groups = new Map<string, string>();
  for (const p of specs) groups.set(p.id, p.hang ? 'hung' : (p.latencyMs ?? 0) > 0 ? 'slow' : 'healthy');
  return (id) => groups.get(id) ?? null;
}
