/**
 * A plugin's recent exchanges with the host (polls, failed handshakes): time (to 0.1 s), latency
 * and outcome of the last `POLL_HISTORY` of them, in a ring of typed arrays owned by the actor.
 * Recording one writes three numbers and allocates nothing, so every plugin can keep one; it is
 * read only when someone opens the plugin's detail (docs/decisions/110-plugin-detail.md).
 */
import type { PollHistoryData } from '../shared/protocol.js';

/** Two minutes at the default 1 s interval. */
export const POLL_HISTORY = 120;

/** Outcome codes seen by any actor of this thread: `ok` and the ErrorCodes, a small fixed set. */
const OUTCOMES: string[] = ['ok'];
const OUTCOME_INDEX = new Map<string, number>([['ok', 0]]);

function outcomeIndex(outcome: string): number {
  let i = OUTCOME_INDEX.get(outcome);
  if (i === undefined) {
    i = OUTCOMES.push(outcome) - 1;
    OUTCOME_INDEX.set(outcome, i);
  }
  return i;
}

/** Times are kept as tenths of a second since this thread started: four bytes, good for 13 years. */
const EPOCH_MS = Date.now();
const TICK_MS = 100;

export class PollHistory {
  // One backing store for the three columns: 9 bytes per entry.
  readonly #buffer = new ArrayBuffer(POLL_HISTORY * 9);
  readonly #at = new Uint32Array(this.#buffer, 0, POLL_HISTORY);
  readonly #latency = new Float32Array(this.#buffer, POLL_HISTORY * 4, POLL_HISTORY);
  readonly #outcome = new Uint8Array(this.#buffer, POLL_HISTORY * 8, POLL_HISTORY);
  /** Entries recorded so far; the next one goes to `#count % POLL_HISTORY`. */
  #count = 0;

  /** `outcome`: `ok` or the ErrorCode. */
  record(atMs: number, latencyMs: number, outcome: string): void {
    const i = this.#count % POLL_HISTORY;
    this.#at[i] = Math.max(0, Math.round((atMs - EPOCH_MS) / TICK_MS));
    this.#latency[i] = latencyMs;
    this.#outcome[i] = outcomeIndex(outcome);
    this.#count++;
  }

  get size(): number {
    return Math.min(this.#count, POLL_HISTORY);
  }

  /** Oldest first. */
  data(): PollHistoryData {
    const n = this.size;
    const first = this.#count - n;
    const atMs: number[] = [];
    const latencyMs: number[] = [];
    const outcome: string[] = [];
    for (let k = first; k < this.#count; k++) {
      const i = k % POLL_HISTORY;
      atMs.push(EPOCH_MS + this.#at[i]! * TICK_MS);
      latencyMs.push(Math.round(this.#latency[i]! * 100) / 100);
      outcome.push(OUTCOMES[this.#outcome[i]!]!);
    }
    return { atMs, latencyMs, outcome };
  }
}
