/**
 * Per-plugin request log of the fleet: when each request arrived and when its answer was written,
 * seen from the plugin's side, so the bench can measure poll rate and regularity without trusting
 * the host's own numbers.
 *
 * Stored flat in a growable Float64Array (4 numbers per entry, no object per request) with a hard
 * cap: at the cap it becomes a ring and the oldest entries are dropped (and counted), so a long soak
 * with thousands of plugins cannot grow without bound.
 */

/** One request as the plugin saw it. Times are epoch ms with µs precision (`timeOrigin + now()`). */
export interface RequestLogEntry {
  readonly arrive: number;
  /** When the answer was written, or when the client went away (then `status` is 0). */
  readonly finish: number;
  /** `/report`, `/control` or `/`. */
  readonly path: string;
  /** HTTP status sent; 0 = the client gave up before an answer (a hung plugin). */
  readonly status: number;
}

const FIELDS = 4;

/** Path ↔ small integer, so entries stay numeric. Unknown paths share one code. */
export const LOG_PATHS = ['/report', '/control', '/', 'other'] as const;
export function pathCode(path: string): number {
  const i = (LOG_PATHS as readonly string[]).indexOf(path);
  return i === -1 ? LOG_PATHS.length - 1 : i;
}

export class RequestLog {
  readonly #cap: number;
  #buf: Float64Array;
  /** Index (in entries) of the oldest entry once the ring has wrapped. */
  #head = 0;
  #length = 0;
  #dropped = 0;

  constructor(capEntries: number) {
    this.#cap = Math.max(1, Math.floor(capEntries));
    this.#buf = new Float64Array(FIELDS * Math.min(this.#cap, 16));
  }

  get length(): number {
    return this.#length;
  }

  /** Entries overwritten because the cap was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  push(arrive: number, finish: number, path: string, status: number): void {
    if (this.#length === this.#buf.length / FIELDS && this.#length < this.#cap) {
      const grown = new Float64Array(FIELDS * Math.min(this.#cap, this.#length * 2));
      grown.set(this.#buf);
      this.#buf = grown;
    }
    let slot: number;
    if (this.#length < this.#cap) {
      slot = this.#length++;
    } else {
      slot = this.#head;
      this.#head = (this.#head + 1) % this.#cap;
      this.#dropped++;
    }
    const o = slot * FIELDS;
    this.#buf[o] = arrive;
    this.#buf[o + 1] = finish;
    this.#buf[o + 2] = pathCode(path);
    this.#buf[o + 3] = status;
  }

  /** The entries oldest first, flat `[arrive, finish, pathCode, status, …]`; optionally cleared. */
  take(reset: boolean): { flat: Float64Array; dropped: number } {
    const n = this.#length;
    const flat = new Float64Array(n * FIELDS);
    const start = this.#head * FIELDS;
    flat.set(this.#buf.subarray(start, n * FIELDS), 0);
    flat.set(this.#buf.subarray(0, start), n * FIELDS - start);
    const dropped = this.#dropped;
    if (reset) {
      this.#head = 0;
      this.#length = 0;
      this.#dropped = 0;
    }
    return { flat, dropped };
  }
}

/** Turns a flat log back into entries (client side). */
export function entriesOf(flat: Float64Array): RequestLogEntry[] {
  const out: RequestLogEntry[] = [];
  for (let o = 0; o + FIELDS <= flat.length; o += FIELDS) {
    out.push({ arrive: flat[o]!, finish: flat[o + 1]!, path: LOG_PATHS[flat[o + 2]!] ?? 'other', status: flat[o + 3]! });
  }
  return out;
}
