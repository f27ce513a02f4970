/**
 * A counting semaphore: at most `limit` plugin requests in flight per shard worker
 * (`maxConcurrentPollsPerWorker`). Waiters are served first come, first served, so a burst of
 * handshakes at start-up cannot starve the regular polls behind it forever.
 */
export class PollSlots {
  #limit: number;
  #inFlight = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A config reload's new limit: a larger one lets waiters in now, a smaller one holds back new ones. */
  setLimit(limit: number): void {
    this.#limit = limit;
    while (this.#inFlight < this.#limit && this.#waiters.length > 0) this.#waiters.shift()!();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once a slot is free. Call release exactly once. */
  acquire(): Promise<() => void> {
    if (this.#inFlight < this.#limit) {
      this.#inFlight++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        this.#inFlight++;
        resolve(this.#releaser());
      });
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      if (this.#inFlight < this.#limit) this.#waiters.shift()?.();
    };
  }
}
