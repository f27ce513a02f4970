/**
 * A counting semaphore: at most `limit` plugin requests in flight per shard worker
 * (`maxConcurrentPollsPerWorker`). Waiters are served first come, first served, so a burst of
 * handshakes at start-up cannot starve the regular polls behind it forever.
 */
export class PollSlots {
  readonly #limit: number;
  #inFlight = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
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
      const next = this.#waiters.shift();
      if (next) next();
    };
  }
}
