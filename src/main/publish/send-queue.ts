/**
 * The bounded per-app queue of bodies waiting to be sent
 * (docs/publishing.md#per-app-queue-and-retries: upstream keeps a 2-slot channel per app and drops
 * when it is full). The body being sent right now is not in the queue. Pure data structure: no
 * timers, no I/O, so its rules are unit-tested exactly.
 *
 * Order: shortcut bodies go before periodic ones (a shortcut exists to reach the UI at once),
 * first-in first-out within each kind.
 *
 * When full, exactly one body is dropped per push:
 * - a periodic push evicts the oldest queued periodic body; if the queue holds only shortcuts,
 *   it evicts the oldest shortcut (a periodic report is a full report and carries the metric
 *   samples; whatever a shortcut told the UI is also in the next periodic report);
 * - a shortcut push evicts the oldest queued periodic body; if the queue holds only shortcuts,
 *   the incoming shortcut itself is dropped (upstream drops shortcuts rather than evicting).
 */
export interface Queueable {
  readonly shortcut: boolean;
}

export class SendQueue<T extends Queueable> {
  readonly #capacity: number;
  // Invariant: #shortcuts.length + #periodic.length <= #capacity.
  readonly #shortcuts: T[] = [];
  readonly #periodic: T[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be an integer >= 1, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get length(): number {
    return this.#shortcuts.length + this.#periodic.length;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Adds `item`; returns the body dropped to make room (possibly `item` itself), or undefined. */
  push(item: T): T | undefined {
    const full = this.length >= this.#capacity;
    const own = item.shortcut ? this.#shortcuts : this.#periodic;
    if (!full) {
      own.push(item);
      return undefined;
    }
    if (this.#periodic.length > 0) {
      const dropped = this.#periodic.shift();
      own.push(item);
      return dropped;
    }
    if (item.shortcut) return item;
    const dropped = this.#shortcuts.shift();
    this.#periodic.push(item);
    return dropped;
  }

  /** The next body to send: the oldest shortcut, else the oldest periodic body. */
  shift(): T | undefined {
    return this.#shortcuts.shift() ?? this.#periodic.shift();
  }

  /** True when a periodic body is waiting (it supersedes a body that failed to send). */
  hasPeriodic(): boolean {
    return this.#periodic.length > 0;
  }

  /** Empties the queue, returning what it held in send order. */
  clear(): T[] {
    const all = [...this.#shortcuts, ...this.#periodic];
    this.#shortcuts.length = 0;
    this.#periodic.length = 0;
    return all;
  }
}
