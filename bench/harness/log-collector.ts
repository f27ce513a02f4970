/**
 * Drains the fleet's per-plugin request logs every couple of seconds (collect with reset) and
 * keeps what arrived since `mark()`. Draining often keeps the fleet's ring buffers far from their
 * cap and gives the progress line a live "polls seen" count.
 */
import type { RequestLogEntry } from '../fleet/client.js';
import type { FleetLike } from './fleet-group.js';
import { epochNow } from '../measure/http.js';

const EVERY_MS = 2000;

export class LogCollector {
  readonly #fleet: FleetLike;
  readonly #logs = new Map<string, RequestLogEntry[]>();
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #keep = false;
  /** `/report` requests seen since the collector started (warm-up included). */
  reportsSeen = 0;

  constructor(fleet: FleetLike) {
    this.#fleet = fleet;
  }

  /** Starts draining; entries are counted but not kept until `mark()`. */
  start(): void {
    this.#timer ??= setInterval(() => void this.drain().catch(() => undefined), EVERY_MS);
  }

  /**
   * Throws away everything collected so far and starts keeping entries. Returns the window's
   * start: every entry that arrives after it is in a later drain.
   */
  async mark(): Promise<number> {
    await this.drain();
    this.#logs.clear();
    this.#keep = true;
    return epochNow();
  }

  /** One drain now (concurrent callers share it). */
  drain(): Promise<void> {
    this.#draining ??= (async () => {
      try {
        const batch = await this.#fleet.collectLogs({ reset: true });
        for (const [id, entries] of batch) {
          for (const e of entries) if (e.path === '/report') this.reportsSeen++;
          if (!this.#keep || entries.length === 0) continue;
          const list = this.#logs.get(id);
          if (list) for (const e of entries) list.push(e);
          else this.#logs.set(id, entries);
        }
      } finally {
        this.#draining = null;
      }
    })();
    return this.#draining;
  }

  /** Stops the timer, drains once more and returns the kept logs. */
  async finish(): Promise<Map<string, RequestLogEntry[]>> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.drain();
    return this.#logs;
  }

  /** The kept log of one plugin so far (call `drain()` first for the latest entries). */
  log(id: string): readonly RequestLogEntry[] {
    return this.#logs.get(id) ?? [];
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
