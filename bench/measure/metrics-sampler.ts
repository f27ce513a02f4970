/**
 * Scrapes the target's `GET /metrics` during the window. The host's
 * `scope_plugin_host_event_loop_utilization{worker="main"}` is the main thread's ELU *since the
 * previous scrape*, so scraping at a steady pace gives one ELU value per period; the first scrape
 * at `mark()` only resets it. Poll outcomes are counters: the window's figures are end − start.
 * The baseline serves the same series names, so both are measured by this one class.
 */
import { http } from './http.js';
import { parsePromText, pick, type Sample } from './prom-text.js';
import { max, mean } from './stats.js';

const P = 'scope_plugin_host_';
export const SCRAPE_EVERY_MS = 2000;

export interface MetricsWindow {
  /** Main-thread event-loop utilisation, mean and worst scrape period, 0–1. */
  readonly mainEluMean: number;
  readonly mainEluMax: number;
  /** Shard workers' ELU, mean over the window per worker label. */
  readonly workerElu: Readonly<Record<string, number>>;
  /** Polls in the window by outcome (`ok` or an error code). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly scrapes: number;
}

export class MetricsSampler {
  readonly #url: string;
  #timer: NodeJS.Timeout | null = null;
  #main: number[] = [];
  #workers = new Map<string, number[]>();
  #start: Sample[] = [];
  #last: Sample[] = [];
  #scrapes = 0;
  #busy = false;

  constructor(baseUrl: string) {
    this.#url = `${baseUrl}/metrics`;
  }

  /** Starts the window: resets the ELU period and remembers the counters. */
  async mark(): Promise<void> {
    this.#start = await this.#scrape(false);
    this.#main = [];
    this.#workers.clear();
    this.#scrapes = 0;
    this.#timer ??= setInterval(() => void this.#tick(), SCRAPE_EVERY_MS);
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await this.#scrape(true);
    } catch {
      // one lost scrape only widens the next ELU period
    } finally {
      this.#busy = false;
    }
  }

  async #scrape(record: boolean): Promise<Sample[]> {
    const r = await http(this.#url, { timeoutMs: 10_000 });
    if (r.status !== 200) throw new Error(`GET ${this.#url}: HTTP ${r.status}`);
    const samples = parsePromText(r.body);
    this.#last = samples;
    if (record) {
      this.#scrapes++;
      for (const s of samples) {
        if (s.name !== `${P}event_loop_utilization`) continue;
        const w = s.labels['worker'] ?? '?';
        if (w === 'main') this.#main.push(s.value);
        else {
          let list = this.#workers.get(w);
          if (!list) this.#workers.set(w, (list = []));
          list.push(s.value);
        }
      }
    }
    return samples;
  }

  /** Ends the window with one last scrape. */
  async finish(): Promise<MetricsWindow> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    while (this.#busy) await new Promise((r) => setTimeout(r, 20));
    await this.#scrape(true).catch(() => undefined);
    const outcomes: Record<string, number> = {};
    for (const s of this.#last) {
      if (s.name !== `${P}polls_total`) continue;
      const outcome = s.labels['outcome'] ?? '?';
      const before = pick(this.#start, `${P}polls_total`, { outcome });
      outcomes[outcome] = s.value - (Number.isNaN(before) ? 0 : before);
    }
    const workerElu: Record<string, number> = {};
    for (const [w, list] of this.#workers) workerElu[w] = mean(list);
    return { mainEluMean: mean(this.#main), mainEluMax: max(this.#main), workerElu, outcomes, scrapes: this.#scrapes };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
