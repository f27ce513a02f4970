/**
 * When an actor polls. Like Prometheus' scrape loop: each plugin gets a
 * stable offset inside the interval from a hash of its socket path, so thousands of plugins are
 * spread evenly over the second instead of being polled in one burst, and the offset survives a
 * worker restart. Polls sit on the grid `offset + k * interval` and never drift.
 */
import { spreadHash } from '../shared/hash.js';

/**
 * A shard has at most one slot per this many of its plugins: a shard of a few plugins polls them
 * all in one burst, as upstream does, instead of waking once per plugin.
 */
export const MIN_PLUGINS_PER_SLOT = 16;

/**
 * The first grid slot for `key` that is at least `minGapMs` after `now` (epoch ms).
 * The grid is anchored on the epoch, so all shards agree on it.
 *
 * Offsets are quantised to `slotMs` (config `pollSlotMs`): the plugins of one slot are polled in
 * one burst, because per-request timer wake-ups cost as much as the requests
 * (docs/decisions/083-poll-timing-and-exchange-state.md). With `plugins` in the shard, there are
 * at most plugins / MIN_PLUGINS_PER_SLOT slots.
 */
export function nextSlot(key: string, intervalMs: number, now: number, minGapMs: number, slotMs = 1, plugins = Infinity): number {
  const bySize = Math.max(1, Math.floor(intervalMs / Math.max(1, slotMs)));
  const slots = Math.max(1, Math.min(bySize, Math.ceil(plugins / MIN_PLUGINS_PER_SLOT)));
  const offset = Math.floor(((spreadHash(key) % slots) * intervalMs) / slots);
  const earliest = now + minGapMs;
  const k = Math.ceil((earliest - offset) / intervalMs);
  return k * intervalMs + offset;
}

/**
 * Delay before the next poll of a plugin that has failed `failures` times in a row: one interval,
 * doubling per failure up to `maxMs` (never less than one interval). A stale socket is then dialled
 * every `maxMs`, not every second (docs/spec/plugin-protocol.md#failed-polls).
 */
export function failureDelay(failures: number, intervalMs: number, maxMs: number): number {
  if (failures <= 0) return intervalMs;
  const cap = Math.max(intervalMs, maxMs);
  return Math.min(cap, intervalMs * 2 ** Math.min(failures - 1, 30));
}

/** Exponential backoff with ±20 % jitter, for handshake retries (docs/spec/plugin-protocol.md#eras). */
export function retryDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}
