/**
 * What one plugin's report adds to the merged report, for people: per topology the node count,
 * each metric with its newest sample, each control with the nodes it is active on. Bounded, since
 * a plugin decides how many metrics and controls it sends: the lists are cut at a fixed length
 * and say how many were left out.
 */
import { ACTIVE_CONTROLS } from './decode-legacy.js';
import { compareStrings } from './strings.js';
import { compareTimestamps, type Timestamp } from './timestamp.js';
import { TOPOLOGIES, type Report } from './types.js';

export interface ContributionLimits {
  /** Metrics listed per topology. */
  readonly metrics: number;
  /** Controls listed per topology. */
  readonly controls: number;
  /** Node IDs listed per control. */
  readonly nodesPerControl: number;
}

export const DETAIL_LIMITS: ContributionLimits = { metrics: 100, controls: 50, nodesPerControl: 20 };
export const NO_LIMITS: ContributionLimits = { metrics: Infinity, controls: Infinity, nodesPerControl: Infinity };

export interface MetricContribution {
  readonly id: string;
  /** From the topology's metric template; '' without one. */
  readonly label: string;
  readonly format: string;
  /** Nodes that carry it. */
  readonly nodes: number;
  /** The newest sample over all those nodes, with the node that carries it. */
  readonly latest: { readonly node: string; readonly date: string; readonly value: number } | null;
}

export interface ControlContribution {
  /** As the merged report carries it (a controller's: `<pluginID>~<controlID>`): what `POST /api/control` takes. */
  readonly id: string;
  readonly human: string;
  readonly icon: string;
  readonly confirmation: string;
  readonly activeOn: number;
  /** The first nodes it is active on (a click names one). */
  readonly nodes: readonly string[];
}

export interface TopologyContribution {
  /** Wire key, e.g. `Host`. */
  readonly key: string;
  readonly nodes: number;
  readonly metrics: readonly MetricContribution[];
  readonly metricsOmitted: number;
  readonly controls: readonly ControlContribution[];
  readonly controlsOmitted: number;
}

/** The topologies with nodes or controls, in wire order. */
export function contributionOf(report: Report, limits: ContributionLimits = DETAIL_LIMITS): TopologyContribution[] {
  const out: TopologyContribution[] = [];
  for (const { key } of TOPOLOGIES) {
    const topology = report[key];
    if (topology.nodes.size === 0 && topology.controls.size === 0) continue;
    const metrics = new Map<string, { nodes: number; latest: MetricContribution['latest'] }>();
    const active = new Map<string, string[]>();
    for (const node of topology.nodes.values()) {
      for (const [id, metric] of node.metrics) {
        const entry = metrics.get(id) ?? { nodes: 0, latest: null };
        entry.nodes++;
        const last = metric.samples[metric.samples.length - 1];
        if (last !== undefined && (entry.latest === null || compareTimestamps(last.date, entry.latest.date as Timestamp) > 0)) {
          entry.latest = { node: node.id, date: last.date, value: last.value };
        }
        metrics.set(id, entry);
      }
      const ids = node.latest.get(ACTIVE_CONTROLS)?.value.split(';') ?? [];
      for (const id of ids) {
        if (id === '') continue;
        const nodes = active.get(id);
        if (nodes) nodes.push(node.id);
        else active.set(id, [node.id]);
      }
    }
    const metricIds = [...metrics.keys()].sort(compareStrings);
    const controls = [...topology.controls.values()].sort((a, b) => compareStrings(a.id, b.id));
    out.push({
      key,
      nodes: topology.nodes.size,
      metrics: metricIds.slice(0, limits.metrics).map((id) => {
        const template = topology.metric_templates.get(id);
        const { nodes, latest } = metrics.get(id)!;
        return { id, label: template?.label ?? '', format: template?.format ?? '', nodes, latest };
      }),
      metricsOmitted: Math.max(0, metricIds.length - limits.metrics),
      controls: controls.slice(0, limits.controls).map((c) => {
        const nodes = active.get(c.id) ?? [];
        return {
          id: c.id,
          human: c.human,
          icon: c.icon,
          confirmation: c.confirmation,
          activeOn: nodes.length,
          nodes: nodes.slice(0, limits.nodesPerControl),
        };
      }),
      controlsOmitted: Math.max(0, controls.length - limits.controls),
    });
  }
  return out;
}
