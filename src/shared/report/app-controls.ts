/**
 * Readies a merged report's controls for a Scope app (docs/spec/app-protocol.md#routing-a-click-to-this-host).
 *
 * The app merges every publisher's topology `controls` by control ID and routes a click to the
 * node's `control_probe_id` unless the control names its own `probeId`. So, in a published report:
 * - every plugin control is renamed `<probeId>~<pluginId>~<controlId>` and carries `probeId`: two
 *   hosts publishing the same plugin never share a control ID, and a click on it always reaches
 *   the host that published it, whoever owns the node;
 * - a node carrying one of those controls gets `control_probe_id` = this host's probe ID (without
 *   it the app shows no controls at all), except in the topologies a real probe beside us owns
 *   (`besideProbe`): there the probe's own ID must stay, or its own controls would come to us.
 */
import { publishedControlId } from '../control-id.js';
import { ACTIVE_CONTROLS } from './decode-legacy.js';
import { splitControls, toSet } from './strings.js';
import { TOPOLOGIES, type Control, type Node, type Report, type Topology, type TopologyKey } from './types.js';

export const CONTROL_PROBE_ID = 'control_probe_id';

/** Topologies whose nodes upstream's probe stamps with its own `control_probe_id` and gives controls. */
export const PROBE_OWNED_TOPOLOGIES: ReadonlySet<TopologyKey> = new Set<TopologyKey>([
  'Host',
  'Container',
  'Pod',
  'Service',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'CronJob',
  'Namespace',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'StorageClass',
  'VolumeSnapshot',
  'VolumeSnapshotData',
  'Job',
  'ECSTask',
  'ECSService',
  'SwarmService',
]);

export interface AppControlsOptions {
  /** This host's probe ID (hex: safe unescaped in the app's control URL). */
  readonly probeId: string;
  /** A real probe publishes this machine's nodes too: leave `control_probe_id` of its topologies to it. */
  readonly besideProbe: boolean;
}

function readyNode(node: Node, ours: ReadonlySet<string>, options: AppControlsOptions, claim: boolean): Node {
  const entry = node.latest.get(ACTIVE_CONTROLS);
  if (entry === undefined) return node;
  let anyOurs = false;
  const members = splitControls(entry.value).map((id) => {
    if (!ours.has(id)) return id;
    anyOurs = true;
    return publishedControlId(options.probeId, id);
  });
  if (!anyOurs) return node;
  const latest = new Map(node.latest);
  latest.set(ACTIVE_CONTROLS, { timestamp: entry.timestamp, value: toSet(members).join(';') });
  if (claim && !latest.has(CONTROL_PROBE_ID)) latest.set(CONTROL_PROBE_ID, { timestamp: entry.timestamp, value: options.probeId });
  return { ...node, latest };
}

function readyTopology(t: Topology, key: TopologyKey, options: AppControlsOptions): Topology {
  if (t.controls.size === 0) return t;
  const controls = new Map<string, Control>();
  for (const [cid, c] of t.controls) {
    const id = publishedControlId(options.probeId, cid);
    controls.set(id, { ...c, id, probeId: options.probeId });
  }
  const claim = !(options.besideProbe && PROBE_OWNED_TOPOLOGIES.has(key));
  const ours = new Set(t.controls.keys());
  const nodes = new Map<string, Node>();
  for (const [id, n] of t.nodes) nodes.set(id, readyNode(n, ours, options, claim));
  return { ...t, controls, nodes };
}

/** Returns `report` with every topology's controls readied for an app (see the module comment). */
export function readyControlsForApp(report: Report, options: AppControlsOptions): Report {
  const topologies = {} as Record<TopologyKey, Topology>;
  for (const info of TOPOLOGIES) topologies[info.key] = readyTopology(report[info.key], info.key, options);
  return { ...report, ...topologies };
}
