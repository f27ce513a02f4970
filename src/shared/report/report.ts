/**
 * Building whole reports: `emptyReport()` (upstream `MakeReport()`, the defaults in
 * docs/spec/report-format.md#topologies) and `stampReport()` (what the host sets before
 * publishing, #publication there).
 */
import { EMPTY_MAP } from './decode-values.js';
import { emptyMembers, singleMember } from './members.js';
import { ZERO_TIME, type Timestamp } from './timestamp.js';
import { MEMBERS, TOPOLOGIES, type MemberSums, type Report, type Topology, type TopologyInfo, type TopologyKey } from './types.js';

function defaultTopology(info: TopologyInfo): Topology {
  return Object.freeze({
    shape: info.shape,
    tag: info.tag,
    label: info.label,
    label_plural: info.plural,
    nodes: EMPTY_MAP,
    controls: EMPTY_MAP,
    metadata_templates: EMPTY_MAP,
    metric_templates: EMPTY_MAP,
    table_templates: EMPTY_MAP,
  });
}

/**
 * One shared default object per topology. Merges recognise it by identity and skip it, which
 * matters when 1500 plugin reports each fill one or two of the 23 topologies.
 */
export const DEFAULT_TOPOLOGIES: Readonly<Record<TopologyKey, Topology>> = Object.freeze(
  Object.fromEntries(TOPOLOGIES.map((info) => [info.key, defaultTopology(info)])) as Record<TopologyKey, Topology>,
);

const EMPTY_PLUGINS: Report['Plugins'] = Object.freeze([]) as Report['Plugins'];

export interface ReportFields {
  readonly TS: Timestamp;
  readonly DNS: Report['DNS'];
  readonly Sampling: Report['Sampling'];
  readonly Window: bigint;
  readonly Shortcut: boolean;
  readonly Plugins: Report['Plugins'];
  readonly ID: string;
  readonly members: ReadonlyMap<string, MemberSums>;
}

/**
 * Assembles a report from one object literal in wire order, so every report shares one hidden
 * class: building it by spreading or by keyed stores in a loop was a measurable part of decoding
 * a small report (docs/decisions/081-report-codec-costs.md).
 */
export function buildReport(f: ReportFields, t: Readonly<Record<TopologyKey, Topology>>): Report {
  return {
    TS: f.TS,
    Endpoint: t.Endpoint,
    Process: t.Process,
    Container: t.Container,
    Pod: t.Pod,
    Service: t.Service,
    Deployment: t.Deployment,
    ReplicaSet: t.ReplicaSet,
    DaemonSet: t.DaemonSet,
    StatefulSet: t.StatefulSet,
    CronJob: t.CronJob,
    Namespace: t.Namespace,
    ContainerImage: t.ContainerImage,
    Host: t.Host,
    ECSTask: t.ECSTask,
    ECSService: t.ECSService,
    SwarmService: t.SwarmService,
    Overlay: t.Overlay,
    PersistentVolume: t.PersistentVolume,
    PersistentVolumeClaim: t.PersistentVolumeClaim,
    StorageClass: t.StorageClass,
    VolumeSnapshot: t.VolumeSnapshot,
    VolumeSnapshotData: t.VolumeSnapshotData,
    Job: t.Job,
    DNS: f.DNS,
    Sampling: f.Sampling,
    Window: f.Window,
    Shortcut: f.Shortcut,
    Plugins: f.Plugins,
    ID: f.ID,
    [MEMBERS]: f.members,
  };
}

/**
 * Like upstream `MakeReport()`: the 23 topologies with their default shapes and labels, no nodes,
 * no plugins, zero `TS`, `Window` and `Sampling`. It is the identity of `mergeReports` (no members,
 * ID `''`).
 */
export function emptyReport(): Report {
  return buildReport(
    {
      TS: ZERO_TIME,
      DNS: EMPTY_MAP,
      Sampling: { Count: 0, Total: 0 },
      Window: 0n,
      Shortcut: false,
      Plugins: EMPTY_PLUGINS,
      ID: '',
      members: emptyMembers(),
    },
    DEFAULT_TOPOLOGIES,
  );
}

export interface StampOptions {
  /** The report's `TS` (upstream: the time the probe's spy tick started). */
  readonly ts?: Timestamp;
  /** `Window`: time since the previous publication, in nanoseconds. */
  readonly windowNs?: bigint;
  /** `Shortcut`: published at once, outside the publish interval. */
  readonly shortcut?: boolean;
}

/**
 * A copy of `report` with `TS`, `Window` and/or `Shortcut` replaced. Setting `windowNs` makes the
 * report a single member with that window (its members' own windows no longer count), so a
 * stamped report merged again elsewhere is still counted once.
 */
export function stampReport(report: Report, options: StampOptions): Report {
  const out: { -readonly [K in keyof Report]: Report[K] } = { ...report };
  if (options.ts !== undefined) out.TS = options.ts;
  if (options.shortcut !== undefined) out.Shortcut = options.shortcut;
  if (options.windowNs !== undefined) {
    out.Window = options.windowNs;
    out[MEMBERS] = singleMember(report.ID, options.windowNs, report.Sampling.Count, report.Sampling.Total);
  }
  return out;
}
