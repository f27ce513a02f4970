/**
 * Poll rate and regularity as the plugins saw them, from the fleet's request logs: the host's own
 * counters are not trusted for the headline numbers.
 *
 * Rate. Counting arrivals in a window of W seconds is off by ±1 per plugin (a poll just inside or
 * just outside an edge), which at W = 30 s is ±3%: too coarse for a 0.99/s target. So the rate is
 * taken between a plugin's first and last arrival in the window, (n − 1) / (last − first), and
 * silence at the edges longer than one interval is added to that span, so a plugin that stops
 * being polled halfway still shows about half the rate.
 *
 * Lateness. For each pair of consecutive `/report` arrivals: gap − interval. A perfect 1 s poller
 * has lateness 0; a serial poller whose cycle takes 2 s has lateness +1 s for every plugin.
 */
import type { RequestLogEntry } from '../fleet/request-log.js';
import { dist, mean, type Dist } from './stats.js';

export interface PollWindow {
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
}

/** `/report` arrival times (epoch ms) inside the window, ascending. */
export function reportArrivals(log: readonly RequestLogEntry[], w: Pick<PollWindow, 'start' | 'end'>): number[] {
  const out: number[] = [];
  for (const e of log) if (e.path === '/report' && e.arrive >= w.start && e.arrive < w.end) out.push(e.arrive);
  return out.sort((a, b) => a - b);
}

/** Polls per second of one plugin over the window (see the module note for the estimator). */
export function pollRate(arrivals: readonly number[], w: PollWindow): number {
  const n = arrivals.length;
  const seconds = (w.end - w.start) / 1000;
  if (n < 2) return n / seconds;
  const first = arrivals[0]!;
  const last = arrivals[n - 1]!;
  const silence = Math.max(0, first - w.start - w.intervalMs) + Math.max(0, w.end - last - w.intervalMs);
  return ((n - 1) / (last - first + silence)) * 1000;
}

/** Gap between consecutive arrivals minus the interval, in ms. */
export function lateness(arrivals: readonly number[], intervalMs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < arrivals.length; i++) out.push(arrivals[i]! - arrivals[i - 1]! - intervalMs);
  return out;
}

export interface GroupPolls {
  readonly plugins: number;
  /** `/report` requests that arrived in the window, all plugins of the group. */
  readonly requests: number;
  readonly rateMean: number;
  readonly rateWorst: number;
  readonly worstPlugin: string | null;
  /** Plugins below 0.99/s and below 0.95/s. */
  readonly below099: number;
  readonly below095: number;
  /** gap − interval over every consecutive pair, ms. */
  readonly latenessMs: Dist;
}

/**
 * Rate and lateness per group of plugins (`groupOf` says e.g. "healthy", "hung", "slow"); plugins
 * that `groupOf` maps to null are left out (e.g. probes added during the run).
 */
export function analysePolls(
  logs: ReadonlyMap<string, readonly RequestLogEntry[]>,
  w: PollWindow,
  groupOf: (id: string) => string | null,
): Record<string, GroupPolls> {
  const acc = new Map<string, { ids: string[]; rates: number[]; late: number[]; requests: number }>();
  for (const [id, log] of logs) {
    const group = groupOf(id);
    if (group === null) continue;
    let g = acc.get(group);
    if (!g) acc.set(group, (g = { ids: [], rates: [], late: [], requests: 0 }));
    const arrivals = reportArrivals(log, w);
    g.ids.push(id);
    g.rates.push(pollRate(arrivals, w));
    g.requests += arrivals.length;
    for (const l of lateness(arrivals, w.intervalMs)) g.late.push(l);
  }
  const out: Record<string, GroupPolls> = {};
  for (const [group, g] of acc) {
    let worst = 0;
    for (let i = 1; i < g.rates.length; i++) if (g.rates[i]! < g.rates[worst]!) worst = i;
    out[group] = {
      plugins: g.ids.length,
      requests: g.requests,
      rateMean: mean(g.rates),
      rateWorst: g.rates.length ? g.rates[worst]! : Number.NaN,
      worstPlugin: g.ids[worst] ?? null,
      below099: g.rates.filter((r) => r < 0.99).length,
      below095: g.rates.filter((r) => r < 0.95).length,
      latenessMs: dist(g.late),
    };
  }
  return out;
}
