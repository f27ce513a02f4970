/**
 * Helpers for the two halves of what main knows about a plugin (protocol.ts): the status, pushed
 * when it changes, and the counters, pulled in one packed array when someone reads them.
 */
import type { PluginCounters, PluginState, PluginReadout } from './protocol.js';
import type { PluginSpec } from './report/index.js';

/** Would main show anything different? Compared by value: a poll builds a new spec object each time. */
export function sameState(a: PluginState, b: PluginState): boolean {
  return (
    a.phase === b.phase &&
    a.era === b.era &&
    a.lastError?.code === b.lastError?.code &&
    a.lastError?.message === b.lastError?.message &&
    sameStrings(a.controls, b.controls) &&
    sameSpec(a.spec, b.spec)
  );
}

export function sameSpec(a: PluginSpec, b: PluginSpec): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.label === b.label &&
      a.description === b.description &&
      a.api_version === b.api_version &&
      a.status === b.status &&
      (a.interfaces === b.interfaces || (a.interfaces !== null && b.interfaces !== null && sameStrings(a.interfaces, b.interfaces))))
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Numbers per plugin in `PluginReadout.values`: the fields of `PluginCounters`, in the order below. */
const PER_PLUGIN = 5;

export function packCounters(entries: Iterable<{ readonly key: string; readonly counters: PluginCounters }>): Omit<PluginReadout, 'states' | 'seq'> {
  const keys: string[] = [];
  const numbers: number[] = [];
  for (const { key, counters: c } of entries) {
    keys.push(key);
    numbers.push(c.lastOkAt ?? Number.NaN, c.lastErrorAt ?? Number.NaN, c.lastLatencyMs ?? Number.NaN, c.consecutiveFailures, c.polls);
  }
  return { keys, values: Float64Array.from(numbers) };
}

export function unpackCounters(packed: Omit<PluginReadout, 'states' | 'seq'>, each: (key: string, counters: PluginCounters) => void): void {
  const n = PER_PLUGIN;
  if (packed.values.length !== packed.keys.length * n) {
    throw new Error(`counters: ${packed.values.length} values for ${packed.keys.length} plugins`);
  }
  const v = packed.values;
  packed.keys.forEach((key, i) => {
    const at = i * n;
    each(key, {
      lastOkAt: orNull(v[at]!),
      lastErrorAt: orNull(v[at + 1]!),
      lastLatencyMs: orNull(v[at + 2]!),
      consecutiveFailures: v[at + 3]!,
      polls: v[at + 4]!,
    });
  });
}

function orNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
