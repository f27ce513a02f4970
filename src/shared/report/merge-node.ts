/**
 * Node merge (docs/spec/report-format.md#node-merge) with value-based tie-breaks.
 *
 * - `id`, `topology`: upstream keeps the receiver's non-empty value; here the larger string wins
 *   (`''` is the smallest, so non-empty still beats empty). Decode sets both on every node, so
 *   this only matters for hand-built nodes; upstream's panic on differing topologies cannot happen.
 * - `sets`, `parents`, `adjacency`: union per key, as upstream (inputs are sorted sets).
 * - `latest`: newest timestamp wins; at the same instant the larger value (Go string order) wins,
 *   where upstream's winner depended on map sizes and argument order.
 * - Host nodes' `active_controls`: the union of every input's members with the newest timestamp,
 *   like upstream's `MergeActiveControls`, but the union always survives (upstream can lose it to
 *   an equal-timestamp entry) and members are sorted (upstream: random order).
 * - `metrics`: per key, samples united by instant (same instant, different values: the larger
 *   value, where upstream kept the receiver's); `min`/`max` = min/max of both. A metric without
 *   samples contributes nothing when the other has samples (upstream returns the other side
 *   unchanged); two sample-less metrics give min of mins and max of maxes (upstream: the argument's).
 * - `children`: per child id the whole node with the larger canonical encoding (upstream: the
 *   smaller set's entry, argument's on equal sizes).
 */
import { ACTIVE_CONTROLS } from './decode-legacy.js';
import { encodeNode } from './encode.js';
import { byEncoding, mergeMaps, mergeTwoMaps } from './merge-maps.js';
import { compareStrings, splitControls, unionAll, unionSets } from './strings.js';
import { mergeSortedRuns } from './sorted-runs.js';
import { compareTimestamps, type Timestamp } from './timestamp.js';
import type { LatestEntry, Metric, Node, Sample, StringSet } from './types.js';

/** Newest timestamp, then larger value. */
export function newerEntry(a: LatestEntry, b: LatestEntry): LatestEntry {
  if (a === b) return a;
  const c = compareTimestamps(a.timestamp, b.timestamp);
  if (c !== 0) return c > 0 ? a : b;
  return compareStrings(a.value, b.value) >= 0 ? a : b;
}

function mergeSamples(a: readonly Sample[], b: readonly Sample[]): readonly Sample[] {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  // The usual case across polls: one series entirely after the other.
  if (compareTimestamps(a[a.length - 1]!.date, b[0]!.date) < 0) return a.concat(b);
  if (compareTimestamps(b[b.length - 1]!.date, a[0]!.date) < 0) return b.concat(a);
  // Same instant: the larger value, whichever side it came from.
  return mergeSortedRuns(a, b, bySampleDate, byValue);
}

const bySampleDate = (x: Sample, y: Sample): number => compareTimestamps(x.date, y.date);
const byValue = (x: Sample, y: Sample): number => (x.value === y.value ? 0 : x.value > y.value ? 1 : -1);

export function mergeMetric(a: Metric, b: Metric): Metric {
  if (a === b) return a;
  const aEmpty = a.samples.length === 0;
  const bEmpty = b.samples.length === 0;
  if (aEmpty !== bEmpty) return aEmpty ? b : a;
  const samples = aEmpty ? a.samples : mergeSamples(a.samples, b.samples);
  const min = Math.min(a.min, b.min);
  const max = Math.max(a.max, b.max);
  if (samples === a.samples && min === a.min && max === a.max) return a;
  if (samples === b.samples && min === b.min && max === b.max) return b;
  return { samples, min, max };
}

const newerChild = byEncoding(encodeNode);

function largerString(values: readonly string[]): string {
  let best = values[0]!;
  for (let i = 1; i < values.length; i++) if (compareStrings(values[i]!, best) > 0) best = values[i]!;
  return best;
}

/** Host rule: union of all inputs' `active_controls` members, stamped with the newest timestamp. */
function unionActiveControls(nodes: readonly Node[], latest: ReadonlyMap<string, LatestEntry>): ReadonlyMap<string, LatestEntry> {
  const entries = new Set<LatestEntry>();
  for (const n of nodes) {
    const e = n.latest.get(ACTIVE_CONTROLS);
    if (e !== undefined) entries.add(e);
  }
  if (entries.size < 2) return latest;
  let newest: Timestamp = latest.get(ACTIVE_CONTROLS)!.timestamp;
  const sets: StringSet[] = [];
  for (const e of entries) {
    if (compareTimestamps(e.timestamp, newest) > 0) newest = e.timestamp;
    sets.push(splitControls(e.value));
  }
  const value = unionAll(sets).join(';');
  const cur = latest.get(ACTIVE_CONTROLS)!;
  if (cur.timestamp === newest && cur.value === value) return latest;
  const out = new Map(latest);
  out.set(ACTIVE_CONTROLS, { timestamp: newest, value });
  return out;
}

/** Merges every version of one node (same key, same topology). `host`: apply the host rule. */
export function mergeNodes(versions: readonly Node[], host: boolean): Node {
  if (versions.length === 2) return mergeTwoNodes(versions[0]!, versions[1]!, host);
  const nodes = [...new Set(versions)];
  if (nodes.length === 1) return nodes[0]!;
  const id = largerString(nodes.map((n) => n.id));
  const topology = largerString(nodes.map((n) => n.topology));
  const sets = mergeMaps(
    nodes.map((n) => n.sets),
    unionSets,
  );
  const adjacency = unionAll(nodes.map((n) => n.adjacency));
  let latest = mergeMaps(
    nodes.map((n) => n.latest),
    newerEntry,
  );
  if (host) latest = unionActiveControls(nodes, latest);
  const metrics = mergeMaps(
    nodes.map((n) => n.metrics),
    mergeMetric,
  );
  const parents = mergeMaps(
    nodes.map((n) => n.parents),
    unionSets,
  );
  const children = mergeMaps(
    nodes.map((n) => n.children),
    newerChild,
  );
  return reuse(nodes, { id, topology, sets, adjacency, latest, metrics, parents, children });
}

/** One of `nodes` when it equals `merged` field by field (keeps identities stable), else `merged`. */
function reuse(nodes: readonly Node[], merged: Node): Node {
  const { id, topology, sets, adjacency, latest, metrics, parents, children } = merged;
  for (const n of nodes) {
    if (sameFields(n, id, topology, sets, adjacency, latest, metrics, parents, children)) return n;
  }
  return merged;
}

function sameFields(
  n: Node,
  id: string,
  topology: string,
  sets: Node['sets'],
  adjacency: Node['adjacency'],
  latest: Node['latest'],
  metrics: Node['metrics'],
  parents: Node['parents'],
  children: Node['children'],
): boolean {
  return (
    n.id === id &&
    n.topology === topology &&
    n.sets === sets &&
    n.adjacency === adjacency &&
    n.latest === latest &&
    n.metrics === metrics &&
    n.parents === parents &&
    n.children === children
  );
}

/** The two-version case without per-field arrays: most shared nodes are in exactly two reports. */
export function mergeTwoNodes(a: Node, b: Node, host: boolean): Node {
  if (a === b) return a;
  let latest = mergeTwoMaps(a.latest, b.latest, newerEntry);
  if (host) latest = unionActiveControls([a, b], latest);
  const id = compareStrings(a.id, b.id) >= 0 ? a.id : b.id;
  const topology = compareStrings(a.topology, b.topology) >= 0 ? a.topology : b.topology;
  const sets = mergeTwoMaps(a.sets, b.sets, unionSets);
  const adjacency = unionSets(a.adjacency, b.adjacency);
  const metrics = mergeTwoMaps(a.metrics, b.metrics, mergeMetric);
  const parents = mergeTwoMaps(a.parents, b.parents, unionSets);
  const children = mergeTwoMaps(a.children, b.children, newerChild);
  if (sameFields(a, id, topology, sets, adjacency, latest, metrics, parents, children)) return a;
  if (sameFields(b, id, topology, sets, adjacency, latest, metrics, parents, children)) return b;
  return { id, topology, sets, adjacency, latest, metrics, parents, children };
}
