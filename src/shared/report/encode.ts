/**
 * `encodeReport`: HEAD wire JSON (report-model §1.1, §2.1, §3.1, §3.3, §5) with a stable key order.
 *
 * Struct-like objects use upstream's field order and `omitempty` rules; every map is written with
 * its keys in Go's string order (upstream leaves hash-map order), string sets are already sorted,
 * `Plugins` is sorted by id, and `children` by id. Equal reports therefore give equal bytes,
 * whatever order their inputs were merged in. Like Go's encoder we escape `<`, `>`, `&`, U+2028
 * and U+2029 (e.g. `x;\u003chost\u003e`), which keeps the text safe to embed and byte-close to an
 * upstream report. Numbers are finite by construction (the decoder rejects the rest); integral
 * floats are written `1`, not Go's `1.0` (both decode alike).
 *
 * The per-entity encoders are exported because merge uses their output as the total order that
 * breaks ties between two different values under the same key.
 */
import { compareStrings } from './strings.js';
import {
  TOPOLOGIES,
  type Column,
  type Control,
  type DNSRecord,
  type LatestEntry,
  type MetadataTemplate,
  type Metric,
  type MetricTemplate,
  type Node,
  type PluginSpec,
  type Report,
  type StringSet,
  type TableTemplate,
  type Topology,
} from './types.js';

const q = JSON.stringify as (s: string) => string;

function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()].sort(compareStrings);
}

/** `{"k":<v>,...}` in key order; the caller handles the empty map. */
function mapObject<V>(m: ReadonlyMap<string, V>, each: (v: V) => string): string {
  let out = '{';
  let first = true;
  for (const k of sortedKeys(m)) {
    out += (first ? '' : ',') + q(k) + ':' + each(m.get(k)!);
    first = false;
  }
  return out + '}';
}

function stringArray(xs: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < xs.length; i++) out += (i === 0 ? '' : ',') + q(xs[i]!);
  return out + ']';
}

function setMapOrNull(m: ReadonlyMap<string, StringSet>): string {
  return m.size === 0 ? 'null' : mapObject(m, stringArray);
}

function latestEntry(e: LatestEntry): string {
  return '{"timestamp":"' + e.timestamp + '","value":' + q(e.value) + '}';
}

export function encodeMetric(m: Metric): string {
  let out = '{';
  if (m.samples.length > 0) {
    out += '"samples":[';
    for (let i = 0; i < m.samples.length; i++) {
      const s = m.samples[i]!;
      out += (i === 0 ? '' : ',') + '{"date":"' + s.date + '","value":' + s.value + '}';
    }
    out += '],';
  }
  return out + '"min":' + m.min + ',"max":' + m.max + '}';
}

export function encodeNode(n: Node): string {
  let out = '{';
  if (n.id !== '') out += '"id":' + q(n.id) + ',';
  if (n.topology !== '') out += '"topology":' + q(n.topology) + ',';
  out += '"sets":' + setMapOrNull(n.sets);
  if (n.adjacency.length > 0) out += ',"adjacency":' + stringArray(n.adjacency);
  if (n.latest.size > 0) out += ',"latest":' + mapObject(n.latest, latestEntry);
  if (n.metrics.size > 0) out += ',"metrics":' + mapObject(n.metrics, encodeMetric);
  out += ',"parents":' + setMapOrNull(n.parents);
  out += ',"children":' + (n.children.size === 0 ? 'null' : '[' + sortedKeys(n.children).map((k) => encodeNode(n.children.get(k)!)).join(',') + ']');
  return out + '}';
}

export function encodeControl(c: Control): string {
  let out = '{"id":' + q(c.id) + ',"human":' + q(c.human) + ',"icon":' + q(c.icon);
  if (c.confirmation !== '') out += ',"confirmation":' + q(c.confirmation);
  out += ',"rank":' + c.rank;
  if (c.probeId !== '') out += ',"probeId":' + q(c.probeId);
  return out + '}';
}

export function encodeMetadataTemplate(t: MetadataTemplate): string {
  let out = '{"id":' + q(t.id);
  if (t.label !== '') out += ',"label":' + q(t.label);
  if (t.truncate !== 0) out += ',"truncate":' + t.truncate;
  if (t.dataType !== '') out += ',"dataType":' + q(t.dataType);
  if (t.priority !== 0) out += ',"priority":' + t.priority;
  if (t.from !== '') out += ',"from":' + q(t.from);
  return out + '}';
}

export function encodeMetricTemplate(t: MetricTemplate): string {
  let out = '{"id":' + q(t.id);
  if (t.label !== '') out += ',"label":' + q(t.label);
  if (t.format !== '') out += ',"format":' + q(t.format);
  if (t.group !== '') out += ',"group":' + q(t.group);
  if (t.priority !== 0) out += ',"priority":' + t.priority;
  return out + '}';
}

function encodeColumn(c: Column): string {
  return '{"id":' + q(c.id) + ',"label":' + q(c.label) + ',"dataType":' + q(c.dataType) + '}';
}

export function encodeColumns(columns: TableTemplate['columns']): string {
  return columns === null ? 'null' : '[' + columns.map(encodeColumn).join(',') + ']';
}

export function encodeFixedRows(rows: TableTemplate['fixedRows']): string {
  return rows === null ? 'null' : mapObject(rows, q);
}

export function encodeTableTemplate(t: TableTemplate): string {
  return (
    '{"id":' + q(t.id) +
    ',"label":' + q(t.label) +
    ',"prefix":' + q(t.prefix) +
    ',"type":' + q(t.type) +
    ',"columns":' + encodeColumns(t.columns) +
    ',"fixedRows":' + encodeFixedRows(t.fixedRows) +
    '}'
  );
}

function encodeTopology(t: Topology): string {
  const parts: string[] = [];
  if (t.shape !== '') parts.push('"shape":' + q(t.shape));
  if (t.tag !== '') parts.push('"tag":' + q(t.tag));
  if (t.label !== '') parts.push('"label":' + q(t.label));
  if (t.label_plural !== '') parts.push('"label_plural":' + q(t.label_plural));
  if (t.nodes.size > 0) parts.push('"nodes":' + mapObject(t.nodes, encodeNode));
  if (t.controls.size > 0) parts.push('"controls":' + mapObject(t.controls, encodeControl));
  if (t.metadata_templates.size > 0) parts.push('"metadata_templates":' + mapObject(t.metadata_templates, encodeMetadataTemplate));
  if (t.metric_templates.size > 0) parts.push('"metric_templates":' + mapObject(t.metric_templates, encodeMetricTemplate));
  if (t.table_templates.size > 0) parts.push('"table_templates":' + mapObject(t.table_templates, encodeTableTemplate));
  return '{' + parts.join(',') + '}';
}

function encodeDNSRecord(r: DNSRecord): string {
  const parts: string[] = [];
  if (r.forward.length > 0) parts.push('"forward":' + stringArray(r.forward));
  if (r.reverse.length > 0) parts.push('"reverse":' + stringArray(r.reverse));
  return '{' + parts.join(',') + '}';
}

/** A plugin spec the way upstream reflects it: keys alphabetical, empty optionals omitted. */
export function encodeSpec(s: PluginSpec): string {
  let out = '{';
  if (s.api_version) out += '"api_version":' + q(s.api_version) + ',';
  if (s.description) out += '"description":' + q(s.description) + ',';
  out += '"id":' + q(s.id) + ',"interfaces":' + (s.interfaces == null ? 'null' : stringArray(s.interfaces));
  out += ',"label":' + q(s.label ?? '');
  if (s.status) out += ',"status":' + q(s.status);
  return out + '}';
}

/**
 * `Plugins` sorted by id, one per id (a later entry replaces an earlier one, as decode does).
 * Reports built by hand (`{...emptyReport(), Plugins: specs}`) need not be sorted.
 */
export function canonicalPlugins(specs: readonly PluginSpec[]): readonly PluginSpec[] {
  let ok = true;
  for (let i = 1; i < specs.length && ok; i++) if (compareStrings(specs[i - 1]!.id, specs[i]!.id) >= 0) ok = false;
  if (ok) return specs;
  const byId = new Map<string, PluginSpec>();
  for (const s of specs) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** The report as HEAD wire JSON; equal reports give byte-identical text. */
export function encodeReport(report: Report): string {
  let out = '{"TS":"' + report.TS + '"';
  for (const info of TOPOLOGIES) out += ',"' + info.key + '":' + encodeTopology(report[info.key]);
  if (report.DNS.size > 0) out += ',"DNS":' + mapObject(report.DNS, encodeDNSRecord);
  out += ',"Sampling":{"Count":' + report.Sampling.Count + ',"Total":' + report.Sampling.Total + '}';
  out += ',"Window":' + String(report.Window);
  out += ',"Shortcut":' + (report.Shortcut ? 'true' : 'false');
  out += ',"Plugins":[' + canonicalPlugins(report.Plugins).map(encodeSpec).join(',') + ']';
  out += ',"ID":' + q(report.ID) + '}';
  return out.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
