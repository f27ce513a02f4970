/**
 * `mergeReports`: upstream's merge made order-independent (docs/spec/report-format.md#merge-rules).
 * Every rule is a join in a semilattice, so the merge is commutative, associative and idempotent
 * and `emptyReport()` is its identity; the per-rule divergences from upstream are listed in
 * `index.ts` and at each rule.
 *
 * The merge is n-ary on purpose: the host merges ~1500 plugin reports at once, many decorating the
 * same node (every plugin on a host adds to `<host>;<host>`). Nodes are grouped by key across all
 * inputs and each is merged once, instead of folding reports pairwise (quadratic in copies).
 */
import { EMPTY_MAP } from './decode-values.js';
import { canonicalPlugins, encodeColumns, encodeControl, encodeFixedRows, encodeMetadataTemplate, encodeMetricTemplate, encodeSpec } from './encode.js';
import { membersOf, totalsOf, unionMembers } from './members.js';
import { byEncoding, mergeMaps, mergeMapsGrouped } from './merge-maps.js';
import { mergeNodes, mergeTwoNodes } from './merge-node.js';
import { buildReport, emptyReport } from './report.js';
import { compareStrings, unionSets } from './strings.js';
import { ZERO_TIME, compareTimestamps, type Timestamp } from './timestamp.js';
import {
  TOPOLOGIES,
  type DNSRecord,
  type MetadataTemplate,
  type MetricTemplate,
  type PluginSpec,
  type Report,
  type TableTemplate,
  type Topology,
  type TopologyKey,
} from './types.js';

const largerControl = byEncoding(encodeControl);
const largerMetadataEncoding = byEncoding(encodeMetadataTemplate);
const largerMetricEncoding = byEncoding(encodeMetricTemplate);
const largerSpec = byEncoding(encodeSpec);

/** Templates: strictly higher priority wins (upstream); equal priority → larger encoding (upstream: by map size). */
function higherMetadata(a: MetadataTemplate, b: MetadataTemplate): MetadataTemplate {
  return a.priority !== b.priority ? (a.priority > b.priority ? a : b) : largerMetadataEncoding(a, b);
}

function higherMetric(a: MetricTemplate, b: MetricTemplate): MetricTemplate {
  return a.priority !== b.priority ? (a.priority > b.priority ? a : b) : largerMetricEncoding(a, b);
}

function maxString(a: string, b: string): string {
  return compareStrings(a, b) >= 0 ? a : b;
}

/** Longer list wins (upstream); equal lengths → larger encoding (upstream: by map size / argument). */
function longer<T>(a: T, b: T, size: (v: T) => number, encode: (v: T) => string): T {
  if (a === b) return a;
  const d = size(a) - size(b);
  if (d !== 0) return d > 0 ? a : b;
  return compareStrings(encode(a), encode(b)) >= 0 ? a : b;
}

/** Table templates: field-wise as upstream (string fields: max; columns/fixedRows: the longer). */
function mergeTableTemplate(a: TableTemplate, b: TableTemplate): TableTemplate {
  if (a === b) return a;
  const merged: TableTemplate = {
    id: maxString(a.id, b.id),
    label: maxString(a.label, b.label),
    prefix: maxString(a.prefix, b.prefix),
    type: maxString(a.type, b.type),
    columns: longer(a.columns, b.columns, (c) => c?.length ?? 0, encodeColumns),
    fixedRows: longer(a.fixedRows, b.fixedRows, (r) => r?.size ?? 0, encodeFixedRows),
  };
  for (const t of [a, b]) {
    if (
      t.id === merged.id &&
      t.label === merged.label &&
      t.prefix === merged.prefix &&
      t.type === merged.type &&
      t.columns === merged.columns &&
      t.fixedRows === merged.fixedRows
    ) {
      return t;
    }
  }
  return merged;
}

/**
 * Topology merge. `shape`/`tag`: the larger string (upstream: receiver's if non-empty); the
 * `label`/`label_plural` pair: the larger pair (upstream: receiver's pair if its label is
 * non-empty). `''` is the smallest string, so a non-empty value still beats an empty one, and
 * decode already pinned the defaults of pre-labelled topologies, so only `Endpoint` and
 * `Namespace` can ever see two different non-empty values. Controls: per id, the larger encoding
 * (upstream: the smaller map's entry, the argument's on equal sizes).
 */
function mergeTopologies(list: readonly Topology[], key: TopologyKey): Topology {
  const ts = [...new Set(list)];
  if (ts.length === 1) return ts[0]!;
  let shape = '';
  let tag = '';
  let label = '';
  let plural = '';
  for (const t of ts) {
    shape = maxString(shape, t.shape);
    tag = maxString(tag, t.tag);
    const c = compareStrings(t.label, label);
    if (c > 0 || (c === 0 && compareStrings(t.label_plural, plural) > 0)) {
      label = t.label;
      plural = t.label_plural;
    }
  }
  const host = key === 'Host';
  const merged: Topology = {
    shape,
    tag,
    label,
    label_plural: plural,
    nodes: mergeMapsGrouped(
      ts.map((t) => t.nodes),
      (versions) => mergeNodes(versions, host),
      (a, b) => mergeTwoNodes(a, b, host),
    ),
    controls: mergeMaps(
      ts.map((t) => t.controls),
      largerControl,
    ),
    metadata_templates: mergeMaps(
      ts.map((t) => t.metadata_templates),
      higherMetadata,
    ),
    metric_templates: mergeMaps(
      ts.map((t) => t.metric_templates),
      higherMetric,
    ),
    table_templates: mergeMaps(
      ts.map((t) => t.table_templates),
      mergeTableTemplate,
    ),
  };
  for (const t of ts) {
    if (
      t.shape === shape &&
      t.tag === tag &&
      t.label === label &&
      t.label_plural === plural &&
      t.nodes === merged.nodes &&
      t.controls === merged.controls &&
      t.metadata_templates === merged.metadata_templates &&
      t.metric_templates === merged.metric_templates &&
      t.table_templates === merged.table_templates
    ) {
      return t;
    }
  }
  return merged;
}

function mergeDNSRecord(a: DNSRecord, b: DNSRecord): DNSRecord {
  if (a === b) return a;
  const forward = unionSets(a.forward, b.forward);
  const reverse = unionSets(a.reverse, b.reverse);
  if (forward === a.forward && reverse === a.reverse) return a;
  if (forward === b.forward && reverse === b.reverse) return b;
  return { forward, reverse };
}

/**
 * Plugins: union by id; two different specs with one id → the larger encoding (upstream: the
 * smaller set's entry). Result sorted by id.
 */
function mergePlugins(lists: readonly (readonly PluginSpec[])[]): readonly PluginSpec[] {
  const distinct = [...new Set(lists)].filter((l) => l.length > 0);
  if (distinct.length === 0) return lists[0] ?? [];
  // Hand-built lists may be unsorted or repeat an id: read each the way decode would.
  if (distinct.length === 1) return canonicalPlugins(distinct[0]!);
  const byId = new Map<string, PluginSpec>();
  for (const l of distinct) {
    for (const s of canonicalPlugins(l)) {
      const cur = byId.get(s.id);
      byId.set(s.id, cur === undefined ? s : largerSpec(cur, s));
    }
  }
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

/**
 * Upstream keeps the receiver's flag. Here a merge is a shortcut only if every report with data
 * members is one; reports without members (`emptyReport()`, spec-only lists) do not take part, so
 * `emptyReport()` stays the identity. Among member-less reports alone the flag is an OR.
 */
function mergeShortcut(rs: readonly Report[], tables: readonly ReadonlyMap<string, unknown>[]): boolean {
  let any = false;
  let all = true;
  let withMembers = 0;
  for (let i = 0; i < rs.length; i++) {
    if (tables[i]!.size === 0) {
      any ||= rs[i]!.Shortcut;
    } else {
      withMembers++;
      all &&= rs[i]!.Shortcut;
    }
  }
  return withMembers > 0 ? all : any;
}

/** Merges any number of reports; order-independent, never mutates its inputs. */
export function mergeReports(...reports: Report[]): Report {
  const rs = [...new Set(reports)];
  if (rs.length === 0) return emptyReport();
  if (rs.length === 1) return rs[0]!;

  // TS: the earliest non-zero (zero = unknown), as upstream.
  let ts: Timestamp = ZERO_TIME;
  for (const r of rs) {
    if (r.TS !== ZERO_TIME && (ts === ZERO_TIME || compareTimestamps(r.TS, ts) < 0)) ts = r.TS;
  }
  const tables = rs.map(membersOf);
  const members = unionMembers(tables);
  const totals = totalsOf(members);
  const topologies = {} as Record<TopologyKey, Topology>;
  for (const info of TOPOLOGIES) {
    topologies[info.key] = mergeTopologies(
      rs.map((r) => r[info.key]),
      info.key,
    );
  }
  const dns = mergeMaps(
    rs.map((r) => r.DNS ?? EMPTY_MAP),
    mergeDNSRecord,
  );
  return buildReport(
    {
      TS: ts,
      DNS: dns,
      Sampling: { Count: totals.Count, Total: totals.Total },
      Window: totals.Window,
      Shortcut: mergeShortcut(rs, tables),
      Plugins: mergePlugins(rs.map((r) => r.Plugins)),
      ID: totals.ID,
      members,
    },
    topologies,
  );
}
