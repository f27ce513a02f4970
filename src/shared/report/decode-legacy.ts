/**
 * `active_controls` (docs/spec/report-format.md#nodes) and the older node forms that decode into it
 * or into `latest`: the 2016 node `controls`, 2016–2019 `latestControls`, pre-2019 `counters`.
 */
import { DecodeFailure, keySegment } from './report-error.js';
import { badType, int, optObject, reqObject, stringSet, time, type Json } from './decode-values.js';
import { saturateInt64 } from './go-numbers.js';
import { compareStrings, splitControls } from './strings.js';
import { ZERO_TIME, compareTimestamps, type Timestamp } from './timestamp.js';
import type { LatestEntry } from './types.js';

/** The latest key holding a node's active control IDs, `;`-joined. */
export const ACTIVE_CONTROLS = 'active_controls';

export interface NodeContext {
  /** Wall-clock time for legacy `counters` (upstream stamps them at decode); computed once. */
  now(): Timestamp;
}

/** `;`-joined control IDs in sorted order, empty members dropped. */
export function normaliseControls(value: string): string {
  if (value === '' || value.indexOf(';') < 0) return value;
  return splitControls(value).join(';');
}

function fail(err: unknown, segment: string): never {
  throw err instanceof DecodeFailure ? err.at(segment) : err;
}

function withLatest(latest: ReadonlyMap<string, LatestEntry>, key: string, entry: LatestEntry): ReadonlyMap<string, LatestEntry> {
  const out = new Map(latest);
  out.set(key, entry);
  return out;
}

/** SEED `controls: {timestamp, controls: [ids]}` → an `active_controls` entry. */
export function applySeedControls(latest: ReadonlyMap<string, LatestEntry>, raw: Json | undefined): ReadonlyMap<string, LatestEntry> {
  const o = optObject(raw);
  if (o === undefined || (o.timestamp === undefined && o.controls === undefined)) return latest;
  let timestamp: Timestamp;
  let ids;
  try {
    timestamp = time(o.timestamp);
  } catch (err) {
    fail(err, '.timestamp');
  }
  try {
    ids = stringSet(o.controls);
  } catch (err) {
    fail(err, '.controls');
  }
  return withLatest(latest, ACTIVE_CONTROLS, { timestamp, value: ids.join(';') });
}

/**
 * 2016–2019 `latestControls: {id: {timestamp, value: {dead}}}` → one `active_controls` entry:
 * the live IDs, stamped with the newest live timestamp (zero when none is live). Like upstream's
 * `bcNode` decoder it replaces any `active_controls` the node also sent.
 */
export function applyLatestControls(latest: ReadonlyMap<string, LatestEntry>, raw: Json | undefined): ReadonlyMap<string, LatestEntry> {
  const o = optObject(raw);
  if (o === undefined) return latest;
  const keys = Object.keys(o);
  if (keys.length === 0) return latest;
  const live: string[] = [];
  let newest: Timestamp = ZERO_TIME;
  let k = '';
  let part = '';
  try {
    for (k of keys) {
      const e = reqObject(o[k]);
      part = '.timestamp';
      const ts = time(e.timestamp);
      part = '.value';
      const value = optObject(e.value);
      part = '.value.dead';
      const dead = value === undefined ? false : value.dead === undefined || value.dead === null ? false : value.dead;
      if (typeof dead !== 'boolean') throw badType('a boolean', dead);
      part = '';
      if (!dead) {
        live.push(k);
        if (compareTimestamps(ts, newest) > 0) newest = ts;
      }
    }
  } catch (err) {
    fail(err, keySegment(k) + part);
  }
  live.sort(compareStrings);
  return withLatest(latest, ACTIVE_CONTROLS, { timestamp: newest, value: live.join(';') });
}

/**
 * Pre-2019 `counters: {name: int}` → latest `count_<name>`, added to any `count_<name>` the node
 * already has, stamped with the decode time (as upstream's `AddCounter` does).
 */
export function applyCounters(latest: ReadonlyMap<string, LatestEntry>, raw: Json | undefined, ctx: NodeContext): ReadonlyMap<string, LatestEntry> {
  const o = optObject(raw);
  if (o === undefined) return latest;
  const keys = Object.keys(o);
  if (keys.length === 0) return latest;
  const out = new Map(latest);
  const now = ctx.now();
  let k = '';
  try {
    for (k of keys) {
      const n = int(o[k]);
      const key = `count_${k}`;
      const prev = out.get(key);
      const base = prev !== undefined && prev.value.length <= 20 && /^-?\d+$/.test(prev.value) ? BigInt(prev.value) : 0n;
      // Exact, and held within Go's int (64-bit) as the report's other sums are.
      out.set(key, { timestamp: now, value: saturateInt64(base + BigInt(n)).toString() });
    }
  } catch (err) {
    fail(err, keySegment(k));
  }
  return out;
}
