/**
 * In-memory types of a Scope report (the wire format of docs/spec/report-format.md).
 *
 * Every value is treated as immutable: merges share unchanged sub-objects between inputs and
 * outputs, so nobody may mutate a report after it was built. Keyed collections are `ReadonlyMap`s
 * (plugin data may use keys such as `__proto__` or `constructor`, which plain objects mishandle);
 * string sets are sorted (UTF-8 byte order, as Go sorts) and duplicate-free arrays.
 *
 * Optional wire strings that upstream omits when empty (`omitempty`) are kept as `''` here, so
 * comparisons and merges never have to tell "absent" from "empty". `PluginSpec` is the exception:
 * its shape is part of the host's public interface and uses optional keys.
 */
import type { Timestamp } from './timestamp.js';

export type { Timestamp } from './timestamp.js';

/** Sorted (UTF-8 byte order), de-duplicated list of strings: upstream `StringSet` / `IDList`. */
export type StringSet = readonly string[];

export interface LatestEntry {
  readonly timestamp: Timestamp;
  readonly value: string;
}

export interface Sample {
  readonly date: Timestamp;
  readonly value: number;
}

export interface Metric {
  /** Ascending by date, one sample per instant. */
  readonly samples: readonly Sample[];
  readonly min: number;
  readonly max: number;
}

export interface Node {
  readonly id: string;
  /** Internal topology name (`host`, `container`, ...), always the enclosing topology's. */
  readonly topology: string;
  readonly sets: ReadonlyMap<string, StringSet>;
  readonly adjacency: StringSet;
  readonly latest: ReadonlyMap<string, LatestEntry>;
  readonly metrics: ReadonlyMap<string, Metric>;
  readonly parents: ReadonlyMap<string, StringSet>;
  /** Upstream `NodeSet`: keyed by each child's `id`, encoded as an array sorted by id. */
  readonly children: ReadonlyMap<string, Node>;
}

export interface Control {
  readonly id: string;
  readonly human: string;
  readonly icon: string;
  /** `''` = none (omitted on the wire). */
  readonly confirmation: string;
  readonly rank: number;
  /** `''` = none (omitted on the wire). */
  readonly probeId: string;
}

export interface MetadataTemplate {
  readonly id: string;
  readonly label: string;
  readonly truncate: number;
  readonly dataType: string;
  readonly priority: number;
  readonly from: string;
}

export interface MetricTemplate {
  readonly id: string;
  readonly label: string;
  readonly format: string;
  readonly group: string;
  readonly priority: number;
}

export interface Column {
  readonly id: string;
  readonly label: string;
  readonly dataType: string;
}

export interface TableTemplate {
  readonly id: string;
  readonly label: string;
  readonly prefix: string;
  readonly type: string;
  /** `null` when empty (upstream encodes a nil slice as `null`). */
  readonly columns: readonly Column[] | null;
  /** Exact latest key → row label; `null` when empty. */
  readonly fixedRows: ReadonlyMap<string, string> | null;
}

export interface Topology {
  readonly shape: string;
  readonly tag: string;
  readonly label: string;
  readonly label_plural: string;
  readonly nodes: ReadonlyMap<string, Node>;
  readonly controls: ReadonlyMap<string, Control>;
  readonly metadata_templates: ReadonlyMap<string, MetadataTemplate>;
  readonly metric_templates: ReadonlyMap<string, MetricTemplate>;
  readonly table_templates: ReadonlyMap<string, TableTemplate>;
}

export interface DNSRecord {
  readonly forward: StringSet;
  readonly reverse: StringSet;
}

export interface Sampling {
  readonly Count: number;
  readonly Total: number;
}

/** Wire: keys alphabetical; `description`/`api_version`/`status` omitted when empty. */
export interface PluginSpec {
  id: string;
  label: string;
  description?: string;
  interfaces: string[] | null;
  api_version?: string;
  status?: string;
}

/**
 * The 23 HEAD topologies in wire (struct declaration) order: JSON key, internal name (the
 * node's `topology` and the parent-set key) and the defaults `MakeReport()` pre-sets.
 */
export const TOPOLOGIES = [
  { key: 'Endpoint', name: 'endpoint', shape: '', tag: '', label: '', plural: '' },
  { key: 'Process', name: 'process', shape: 'square', tag: '', label: 'process', plural: 'processes' },
  { key: 'Container', name: 'container', shape: 'hexagon', tag: '', label: 'container', plural: 'containers' },
  { key: 'Pod', name: 'pod', shape: 'heptagon', tag: '', label: 'pod', plural: 'pods' },
  { key: 'Service', name: 'service', shape: 'heptagon', tag: '', label: 'service', plural: 'services' },
  { key: 'Deployment', name: 'deployment', shape: 'heptagon', tag: '', label: 'deployment', plural: 'deployments' },
  { key: 'ReplicaSet', name: 'replica_set', shape: 'triangle', tag: '', label: 'replica set', plural: 'replica sets' },
  { key: 'DaemonSet', name: 'daemon_set', shape: 'pentagon', tag: '', label: 'daemonset', plural: 'daemonsets' },
  { key: 'StatefulSet', name: 'stateful_set', shape: 'octagon', tag: '', label: 'stateful set', plural: 'stateful sets' },
  { key: 'CronJob', name: 'cron_job', shape: 'triangle', tag: '', label: 'cron job', plural: 'cron jobs' },
  { key: 'Namespace', name: 'namespace', shape: '', tag: '', label: '', plural: '' },
  { key: 'ContainerImage', name: 'container_image', shape: 'hexagon', tag: '', label: 'image', plural: 'images' },
  { key: 'Host', name: 'host', shape: 'circle', tag: '', label: 'host', plural: 'hosts' },
  { key: 'ECSTask', name: 'ecs_task', shape: 'heptagon', tag: '', label: 'task', plural: 'tasks' },
  { key: 'ECSService', name: 'ecs_service', shape: 'heptagon', tag: '', label: 'service', plural: 'services' },
  { key: 'SwarmService', name: 'swarm_service', shape: 'heptagon', tag: '', label: 'service', plural: 'services' },
  { key: 'Overlay', name: 'overlay', shape: 'circle', tag: '', label: 'peer', plural: 'peers' },
  { key: 'PersistentVolume', name: 'persistent_volume', shape: 'cylinder', tag: '', label: 'persistent volume', plural: 'persistent volumes' },
  {
    key: 'PersistentVolumeClaim',
    name: 'persistent_volume_claim',
    shape: 'dottedcylinder',
    tag: '',
    label: 'persistent volume claim',
    plural: 'persistent volume claims',
  },
  { key: 'StorageClass', name: 'storage_class', shape: 'sheet', tag: '', label: 'storage class', plural: 'storage classes' },
  {
    key: 'VolumeSnapshot',
    name: 'volume_snapshot',
    shape: 'dottedcylinder',
    tag: 'camera',
    label: 'volume snapshot',
    plural: 'volume snapshots',
  },
  {
    key: 'VolumeSnapshotData',
    name: 'volume_snapshot_data',
    shape: 'cylinder',
    tag: 'camera',
    label: 'volume snapshot data',
    plural: 'volume snapshot data',
  },
  { key: 'Job', name: 'job', shape: 'dottedtriangle', tag: '', label: 'job', plural: 'jobs' },
] as const;

export type TopologyInfo = (typeof TOPOLOGIES)[number];
export type TopologyKey = TopologyInfo['key'];
export type TopologyName = TopologyInfo['name'];

export const TOPOLOGY_KEYS: readonly TopologyKey[] = TOPOLOGIES.map((t) => t.key);

/** Per-report bookkeeping that keeps `Window`/`Sampling` sums idempotent (see `members.ts`). */
export interface MemberSums {
  readonly windowNs: bigint;
  readonly count: number;
  readonly total: number;
}

/** Symbol key of a report's member table: survives object spread, never encoded. */
export const MEMBERS: unique symbol = Symbol.for('scope-plugin-host.report.members');

export type Report = {
  /** Earliest non-zero member TS; `0001-01-01T00:00:00Z` (zero) = unknown. */
  readonly TS: Timestamp;
  readonly DNS: ReadonlyMap<string, DNSRecord>;
  readonly Sampling: Sampling;
  /** Integer nanoseconds (Go `time.Duration`). */
  readonly Window: bigint;
  readonly Shortcut: boolean;
  /** Sorted ascending by `id`, one entry per id. */
  readonly Plugins: readonly PluginSpec[];
  readonly ID: string;
  /**
   * Member report ID → its own Window/Sampling. Absent (e.g. after a structured clone) means the
   * report is its own single member. Set only by this module.
   */
  readonly [MEMBERS]?: ReadonlyMap<string, MemberSums>;
} & { readonly [K in TopologyKey]: Topology };
