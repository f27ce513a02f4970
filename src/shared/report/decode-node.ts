/**
 * Decoding one node (docs/spec/report-format.md#nodes), the decoder's hot path: a 200 KB report is
 * mostly nodes, and most of a node is `latest` entries and metric samples, so those loops avoid
 * closures and path strings (paths are built only when something fails).
 *
 * Normalisation on the way in: `id` from the map key and `topology` from the enclosing topology
 * (#nodes-without-id there); string sets sorted and de-duplicated; samples sorted by instant with
 * one sample per instant; missing `min`/`max` computed from the samples (#missing-min-and-max);
 * `active_controls` members sorted; legacy forms converted (`latestControls`, `counters`, the
 * 2016 node `controls`).
 */
import { DecodeFailure, ReportErrorCode, keySegment } from './report-error.js';
import { ACTIVE_CONTROLS, applyCounters, applyLatestControls, applySeedControls, normaliseControls, type NodeContext } from './decode-legacy.js';
import { canonicalTimestamp, compareTimestamps, type Timestamp } from './timestamp.js';
import {
  EMPTY_MAP,
  NOT_FLOAT64,
  badType,
  isObject,
  optArray,
  optFloat,
  optObject,
  reqObject,
  setMap,
  stringSet,
  str,
  time,
  type Json,
  type JsonObject,
} from './decode-values.js';
import type { LatestEntry, Metric, Node, Sample } from './types.js';

/** How deep `children` may nest; upstream never sends more than one level. */
export const MAX_CHILD_DEPTH = 32;

const EMPTY_SAMPLES: readonly Sample[] = Object.freeze([]) as readonly Sample[];

function fail(err: unknown, segment: string): never {
  throw err instanceof DecodeFailure ? err.at(segment) : err;
}

/** `key`: the node's map key (`undefined` for `children` elements); `topology`: enclosing name. */
export function decodeNode(raw: Json | undefined, key: string | undefined, topology: string | undefined, depth: number, ctx: NodeContext): Node {
  const o = reqObject(raw);
  let section = 'id';
  try {
    const id = str(o.id) || (key ?? '');
    section = 'topology';
    const topo = topology ?? str(o.topology);
    section = 'sets';
    const sets = setMap(o.sets);
    section = 'adjacency';
    const adjacency = stringSet(o.adjacency);
    section = 'latest';
    let latest = decodeLatest(o.latest);
    if (o.controls !== undefined) {
      section = 'controls';
      latest = applySeedControls(latest, o.controls);
    }
    if (o.latestControls !== undefined) {
      section = 'latestControls';
      latest = applyLatestControls(latest, o.latestControls);
    }
    if (o.counters !== undefined) {
      section = 'counters';
      latest = applyCounters(latest, o.counters, ctx);
    }
    section = 'metrics';
    const metrics = decodeMetrics(o.metrics);
    section = 'parents';
    const parents = setMap(o.parents);
    section = 'children';
    const children = o.children === undefined || o.children === null ? EMPTY_MAP : decodeChildren(o.children, depth + 1, ctx);
    return { id, topology: topo, sets, adjacency, latest, metrics, parents, children };
  } catch (err) {
    fail(err, keySegment(section));
  }
}

function decodeChildren(raw: Json, depth: number, ctx: NodeContext): ReadonlyMap<string, Node> {
  if (depth > MAX_CHILD_DEPTH) throw new DecodeFailure(ReportErrorCode.TOO_DEEP, `children nested deeper than ${MAX_CHILD_DEPTH} levels`);
  const a = optArray(raw)!;
  if (a.length === 0) return EMPTY_MAP;
  const out = new Map<string, Node>();
  for (let i = 0; i < a.length; i++) {
    try {
      // Upstream NodeSet re-keys decoded elements by id; a later duplicate replaces an earlier one.
      const child = decodeNode(a[i], undefined, undefined, depth, ctx);
      out.set(child.id, child);
    } catch (err) {
      fail(err, `[${i}]`);
    }
  }
  return out;
}

function decodeLatest(raw: Json | undefined): ReadonlyMap<string, LatestEntry> {
  const o = optObject(raw);
  if (o === undefined) return EMPTY_MAP;
  const keys = Object.keys(o);
  if (keys.length === 0) return EMPTY_MAP;
  const out = new Map<string, LatestEntry>();
  let k = '';
  let part = '';
  try {
    for (k of keys) {
      const e = reqObject(o[k]);
      // Fast path: an entry that is already normalised is kept as JSON.parse made it (it is ours
      // alone), which saves an allocation per entry: most of a report is latest entries.
      const t0 = e.timestamp;
      if (typeof t0 === 'string' && typeof e.value === 'string' && k !== ACTIVE_CONTROLS && onlyTwoKeys(e) && canonicalTimestamp(t0) === t0) {
        out.set(k, e as unknown as LatestEntry);
        continue;
      }
      part = '.timestamp';
      const timestamp = time(e.timestamp);
      part = '.value';
      const v = e.value;
      // Go's decoder turns a JSON number into its string form (`42` -> "42").
      const value = typeof v === 'string' ? v : typeof v === 'number' ? String(finite(v)) : str(v);
      out.set(k, k === ACTIVE_CONTROLS ? { timestamp, value: normaliseControls(value) } : { timestamp, value });
      part = '';
    }
  } catch (err) {
    fail(err, keySegment(k) + part);
  }
  return out;
}

/** True when a parsed object has exactly two own keys (the two we read). */
function onlyTwoKeys(o: JsonObject): boolean {
  let n = 0;
  for (const _ in o) if (++n > 2) return false;
  return n === 2;
}

/** A finite number (for its string form); throws for Infinity. */
function finite(v: number): number {
  if (!Number.isFinite(v)) throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, NOT_FLOAT64);
  return v === 0 ? 0 : v;
}

function decodeMetrics(raw: Json | undefined): ReadonlyMap<string, Metric> {
  const o = optObject(raw);
  if (o === undefined) return EMPTY_MAP;
  const keys = Object.keys(o);
  if (keys.length === 0) return EMPTY_MAP;
  const out = new Map<string, Metric>();
  let k = '';
  try {
    for (k of keys) out.set(k, decodeMetric(o[k]));
  } catch (err) {
    fail(err, keySegment(k));
  }
  return out;
}

export function decodeMetric(raw: Json | undefined): Metric {
  const o = reqObject(raw);
  let samples: readonly Sample[];
  let min: number | undefined;
  let max: number | undefined;
  try {
    samples = decodeSamples(o.samples);
  } catch (err) {
    fail(err, '.samples');
  }
  try {
    min = optFloat(o.min);
  } catch (err) {
    fail(err, '.min');
  }
  try {
    max = optFloat(o.max);
  } catch (err) {
    fail(err, '.max');
  }
  // Upstream reads a missing min/max as 0, which then wins every merge; compute them.
  if (min === undefined || max === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of samples) {
      if (s.value < lo) lo = s.value;
      if (s.value > hi) hi = s.value;
    }
    if (samples.length === 0) lo = hi = 0;
    min ??= lo;
    max ??= hi;
  }
  return { samples, min, max };
}

function decodeSamples(raw: Json | undefined): readonly Sample[] {
  const a = optArray(raw);
  if (a === undefined || a.length === 0) return EMPTY_SAMPLES;
  const out: Sample[] = new Array<Sample>(a.length);
  let sorted = true;
  let i = 0;
  let part = '';
  try {
    for (; i < a.length; i++) {
      const e = a[i];
      if (!isObject(e)) throw badType('an object', e);
      const d0 = e.date;
      const v0 = e.value;
      if (typeof d0 === 'string' && typeof v0 === 'number' && Number.isFinite(v0) && !Object.is(v0, -0) && onlyTwoKeys(e) && canonicalTimestamp(d0) === d0) {
        // Fast path, as for latest entries: keep the parsed sample object.
        if (i > 0 && sorted && compareTimestamps(out[i - 1]!.date, d0 as Timestamp) >= 0) sorted = false;
        out[i] = e as unknown as Sample;
        continue;
      }
      part = '.date';
      const date = time(e.date);
      part = '.value';
      const v = e.value;
      let value: number;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new DecodeFailure(ReportErrorCode.BAD_NUMBER, NOT_FLOAT64);
        value = v === 0 ? 0 : v;
      } else if (v === undefined || v === null) {
        value = 0;
      } else {
        throw badType('a number', v);
      }
      part = '';
      if (i > 0 && sorted && compareTimestamps(out[i - 1]!.date, date) >= 0) sorted = false;
      out[i] = { date, value };
    }
  } catch (err) {
    fail(err, `[${i}]${part}`);
  }
  return sorted ? out : sortSamples(out);
}

/** Sorts by instant; of several samples at one instant the largest value stays (order-free). */
export function sortSamples(samples: Sample[]): Sample[] {
  samples.sort((x, y) => compareTimestamps(x.date, y.date) || x.value - y.value);
  let w = 0;
  for (let r = 0; r < samples.length; r++) {
    const s = samples[r]!;
    if (w > 0 && samples[w - 1]!.date === s.date) samples[w - 1] = s;
    else samples[w++] = s;
  }
  samples.length = w;
  return samples;
}
