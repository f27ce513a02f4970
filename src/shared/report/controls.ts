/**
 * The controller rewrite (docs/spec/plugin-protocol.md#control-ids): a controller plugin's controls
 * are namespaced `<pluginId>~<controlId>` so the probe can route a click back to it.
 *
 * One deliberate divergence: upstream stamps an `active_controls` entry (possibly `""`) with the
 * current time on *every* node of a controller plugin's report, which blanks built-in controls of
 * the same node elsewhere in the app (docs/spec/report-format.md#active-controls-outside-host).
 * Here only nodes that carry an `active_controls` entry (or a legacy form, converted at decode)
 * get one.
 */
import { appControlId } from '../control-id.js';
import { ACTIVE_CONTROLS } from './decode-legacy.js';
import { compareStrings, splitControls, toSet } from './strings.js';
import type { Timestamp } from './timestamp.js';
import { TOPOLOGIES, type Control, type LatestEntry, type Node, type Report, type Topology, type TopologyKey } from './types.js';

export interface RewrittenControls {
  readonly report: Report;
  /**
   * Sorted, unique rewritten topology control IDs: the plugin's control handlers
   * (docs/spec/plugin-protocol.md#control-handlers).
   */
  readonly controlIds: string[];
}

function rewriteNode(node: Node, controls: ReadonlyMap<string, Control>, pluginId: string, now: Timestamp): Node {
  const entry = node.latest.get(ACTIVE_CONTROLS);
  if (entry === undefined) return node;
  // Only IDs that are controls of this same topology are the plugin's; others stay as they are.
  const members = splitControls(entry.value).map((id) => (controls.has(id) ? appControlId(pluginId, id) : id));
  const rewritten: LatestEntry = { timestamp: now, value: toSet(members).join(';') };
  const latest = new Map(node.latest);
  latest.set(ACTIVE_CONTROLS, rewritten);
  return { ...node, latest };
}

function rewriteTopology(t: Topology, pluginId: string, now: Timestamp, ids: string[]): Topology {
  let hasEntries = false;
  for (const n of t.nodes.values()) {
    if (n.latest.has(ACTIVE_CONTROLS)) {
      hasEntries = true;
      break;
    }
  }
  if (t.controls.size === 0 && !hasEntries) return t;
  const controls = new Map<string, Control>();
  for (const [cid, c] of t.controls) {
    const id = appControlId(pluginId, cid);
    controls.set(id, { ...c, id });
    ids.push(id);
  }
  let nodes = t.nodes;
  if (hasEntries) {
    const out = new Map<string, Node>();
    for (const [key, n] of t.nodes) out.set(key, rewriteNode(n, t.controls, pluginId, now));
    nodes = out;
  }
  return { ...t, controls, nodes };
}

/**
 * Rewrites every topology's controls and every node's `active_controls` for controller plugin
 * `pluginId`; rewritten node entries are stamped `now`. Returns a new report.
 */
export function rewriteControls(report: Report, pluginId: string, now: Timestamp): RewrittenControls {
  const ids: string[] = [];
  const topologies = {} as Record<TopologyKey, Topology>;
  for (const info of TOPOLOGIES) topologies[info.key] = rewriteTopology(report[info.key], pluginId, now, ids);
  return { report: { ...report, ...topologies }, controlIds: [...new Set(ids)].sort(compareStrings) };
}
