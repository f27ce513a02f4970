/**
 * Age of the merged report as a consumer sees it: fetch `GET /api/report` on a steady cadence and,
 * for every fake plugin whose data is in it, take (time the answer arrived) − (newest sample date
 * of that plugin's metric). Every fake puts one metric `fake_metric_NNNN` on the shared Host node
 * and stamps its sample with the time it answered, so this is exactly how old each plugin's data
 * is when someone reads the report.
 *
 * Fetching is not free for the target (it builds the report, 2 MB at 1000 × 2 KB, 20 MB at
 * 10000 × 2 KB), so the cadence is per scenario: every 250 ms where the age is the target, every
 * 3 s (upstream's publish interval) elsewhere.
 */
import { epochNow, http } from './http.js';
import { dist, type Dist } from './stats.js';

export interface ReportAgeWindow {
  readonly fetches: number;
  readonly failures: number;
  /** Per group of plugins: ages in ms over every (fetch, plugin) pair. */
  readonly ageMs: Readonly<Record<string, Dist>>;
  /** Fake plugins missing from the last report (failed or never polled), per group. */
  readonly missingLast: Readonly<Record<string, number>>;
  /** Size of the last report body, bytes. */
  readonly bytes: number;
  /** Time to fetch the report (request sent → body read), ms. */
  readonly fetchMs: Dist;
}

interface WireReport {
  readonly Host?: { readonly nodes?: Record<string, { readonly metrics?: Record<string, { readonly samples?: readonly { date: string }[] | null }> }> };
}

const METRIC = /^fake_metric_(.+)$/;

/** Newest sample date (epoch ms) per fake plugin id (`fake-NNNN`) in a report body. */
export function newestSamples(body: string): Map<string, number> {
  const report = JSON.parse(body) as WireReport;
  const out = new Map<string, number>();
  for (const node of Object.values(report.Host?.nodes ?? {})) {
    for (const [name, metric] of Object.entries(node.metrics ?? {})) {
      const m = METRIC.exec(name);
      if (!m) continue;
      const id = `fake-${m[1]!}`;
      for (const s of metric.samples ?? []) {
        const t = Date.parse(s.date);
        if (t > (out.get(id) ?? Number.NEGATIVE_INFINITY)) out.set(id, t);
      }
    }
  }
  return out;
}

export class ReportAgeSampler {
  readonly #url: string;
  readonly #everyMs: number;
  readonly #groupOf: (id: string) => string | null;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #ages = new Map<string, number[]>();
  #fetchMs: number[] = [];
  #fetches = 0;
  #failures = 0;
  #lastSeen = new Map<string, number>();
  #bytes = 0;
  /** Epoch ms of `mark()`: a fetch sent before it belongs to the warm-up. */
  #since = 0;

  constructor(baseUrl: string, everyMs: number, groupOf: (id: string) => string | null) {
    this.#url = `${baseUrl}/api/report`;
    this.#everyMs = everyMs;
    this.#groupOf = groupOf;
  }

  /**
   * Starts fetching. Call it before the warm-up: the first builds start the target's builder
   * thread and compile its code, a one-off cost that does not belong in a steady-state window.
   */
  start(): void {
    if (this.#everyMs > 0) this.#timer ??= setInterval(() => void this.#tick(), this.#everyMs);
  }

  /** Starts the window: what was fetched so far (the warm-up) is forgotten. */
  mark(): void {
    this.#ages.clear();
    this.#fetchMs = [];
    this.#fetches = 0;
    this.#failures = 0;
    this.#since = epochNow();
    this.start();
  }

  async #tick(): Promise<void> {
    if (this.#busy) return; // a slow fetch skips ticks instead of piling up requests
    this.#busy = true;
    const sentAt = epochNow();
    // Read after the fetch: a fetch sent before a mark() that happens while it is in flight is warm-up.
    const warmup = (): boolean => sentAt < this.#since;
    try {
      const r = await http(this.#url, { timeoutMs: 30_000 });
      if (warmup()) return;
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      this.#fetches++;
      this.#fetchMs.push(r.doneAt - r.sentAt);
      this.#bytes = r.body.length;
      this.#lastSeen = newestSamples(r.body);
      for (const [id, t] of this.#lastSeen) {
        const group = this.#groupOf(id);
        if (group === null) continue;
        let list = this.#ages.get(group);
        if (!list) this.#ages.set(group, (list = []));
        list.push(r.headersAt - t);
      }
    } catch {
      if (!warmup()) this.#failures++;
    } finally {
      this.#busy = false;
    }
  }

  /** Ends the window; `allIds` are the fleet's plugins, to count who is missing from the report. */
  async finish(allIds: readonly string[]): Promise<ReportAgeWindow> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    while (this.#busy) await new Promise((r) => setTimeout(r, 20));
    const ageMs: Record<string, Dist> = {};
    for (const [group, list] of this.#ages) ageMs[group] = dist(list);
    const missingLast: Record<string, number> = {};
    for (const id of allIds) {
      const group = this.#groupOf(id);
      if (group !== null && !this.#lastSeen.has(id)) missingLast[group] = (missingLast[group] ?? 0) + 1;
    }
    return { fetches: this.#fetches, failures: this.#failures, ageMs, missingLast, bytes: this.#bytes, fetchMs: dist(this.#fetchMs) };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
