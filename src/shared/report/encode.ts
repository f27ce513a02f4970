/**
 * `encodeReport`: HEAD wire JSON (docs/spec/report-format.md#encoding) with a stable key order.
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
import { goIntText } from './go-numbers.js';
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

/**
 * The encoders append to one array of parts joined once at the end, because concatenating with
 * `+=` builds millions of short-lived cons strings for the garbage collector
 * (docs/decisions/081-report-codec-costs.md).
 */
type Out = string[];

function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  return [...m.keys()].sort(compareStrings);
}

/** `{"k":<v>,...}` in key order. */
function mapObject<V>(out: Out, m: ReadonlyMap<string, V>, each: (out: Out, v: V) => void): void {
  let sep = '{';
  for (const k of sortedKeys(m)) {
    out.push(sep, q(k), ':');
    each(out, m.get(k)!);
    sep = ',';
  }
  out.push(sep === '{' ? '{}' : '}');
}

function stringArray(out: Out, xs: readonly string[]): void {
  if (xs.length === 0) {
    out.push('[]');
    return;
  }
  out.push('[', q(xs[0]!));
  for (let i = 1; i < xs.length; i++) out.push(',', q(xs[i]!));
  out.push(']');
}

function setMapOrNull(out: Out, m: ReadonlyMap<string, StringSet>): void {
  if (m.size === 0) out.push('null');
  else mapObject(out, m, stringArray);
}

function latestEntry(out: Out, e: LatestEntry): void {
  out.push('{"timestamp":"', e.timestamp, '","value":', q(e.value), '}');
}

function metric(out: Out, m: Metric): void {
  if (m.samples.length > 0) {
    let sep = '{"samples":[';
    for (const s of m.samples) {
      out.push(sep, '{"date":"', s.date, '","value":', String(s.value), '}');
      sep = ',';
    }
    out.push('],"min":', String(m.min), ',"max":', String(m.max), '}');
  } else {
    out.push('{"min":', String(m.min), ',"max":', String(m.max), '}');
  }
}

function node(out: Out, n: Node): void {
  out.push('{');
  if (n.id !== '') out.push('"id":', q(n.id), ',');
  if (n.topology !== '') out.push('"topology":', q(n.topology), ',');
  out.push('"sets":');
  setMapOrNull(out, n.sets);
  if (n.adjacency.length > 0) {
    out.push(',"adjacency":');
    stringArray(out, n.adjacency);
  }
  if (n.latest.size > 0) {
    out.push(',"latest":');
    mapObject(out, n.latest, latestEntry);
  }
  if (n.metrics.size > 0) {
    out.push(',"metrics":');
    mapObject(out, n.metrics, metric);
  }
  out.push(',"parents":');
  setMapOrNull(out, n.parents);
  out.push(',"children":');
  if (n.children.size === 0) {
    out.push('null}');
  } else {
    let sep = '[';
    for (const k of sortedKeys(n.children)) {
      out.push(sep);
      node(out, n.children.get(k)!);
      sep = ',';
    }
    out.push(']}');
  }
}

function encodeWith<V>(each: (out: Out, v: V) => void): (v: V) => string {
  return (v) => {
    const out: Out = [];
    each(out, v);
    return out.join('');
  };
}

export const encodeMetric = encodeWith(metric);
export const encodeNode = encodeWith(node);

export function encodeControl(c: Control): string {
  let out = '{"id":' + q(c.id) + ',"human":' + q(c.human) + ',"icon":' + q(c.icon);
  if (c.confirmation !== '') out += ',"confirmation":' + q(c.confirmation);
  out += ',"rank":' + goIntText(c.rank);
  if (c.probeId !== '') out += ',"probeId":' + q(c.probeId);
  return out + '}';
}

export function encodeMetadataTemplate(t: MetadataTemplate): string {
  let out = '{"id":' + q(t.id);
  if (t.label !== '') out += ',"label":' + q(t.label);
  if (t.truncate !== 0) out += ',"truncate":' + goIntText(t.truncate);
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
  if (rows === null) return 'null';
  const out: Out = [];
  mapObject(out, rows, (o, v) => o.push(q(v)));
  return goEscaped(out.join(''));
}

export function encodeTableTemplate(t: TableTemplate): string {
  return (
    '{"id":' +
    q(t.id) +
    ',"label":' +
    q(t.label) +
    ',"prefix":' +
    q(t.prefix) +
    ',"type":' +
    q(t.type) +
    ',"columns":' +
    encodeColumns(t.columns) +
    ',"fixedRows":' +
    encodeFixedRows(t.fixedRows) +
    '}'
  );
}

/** Small entities are encoded to strings (merge compares them); this adapts them to `Out`. */
function part<V>(encode: (v: V) => string): (out: Out, v: V) => void {
  return (out, v) => {
    out.push(encode(v));
  };
}

const controlPart = part(encodeControl);
const metadataPart = part(encodeMetadataTemplate);
const metricTemplatePart = part(encodeMetricTemplate);
const tablePart = part(encodeTableTemplate);

function topology(out: Out, t: Topology): void {
  let sep = '{';
  const field = (name: string): void => {
    out.push(sep, name);
    sep = ',';
  };
  if (t.shape !== '') {
    field('"shape":');
    out.push(q(t.shape));
  }
  if (t.tag !== '') {
    field('"tag":');
    out.push(q(t.tag));
  }
  if (t.label !== '') {
    field('"label":');
    out.push(q(t.label));
  }
  if (t.label_plural !== '') {
    field('"label_plural":');
    out.push(q(t.label_plural));
  }
  if (t.nodes.size > 0) {
    field('"nodes":');
    mapObject(out, t.nodes, node);
  }
  if (t.controls.size > 0) {
    field('"controls":');
    mapObject(out, t.controls, controlPart);
  }
  if (t.metadata_templates.size > 0) {
    field('"metadata_templates":');
    mapObject(out, t.metadata_templates, metadataPart);
  }
  if (t.metric_templates.size > 0) {
    field('"metric_templates":');
    mapObject(out, t.metric_templates, metricTemplatePart);
  }
  if (t.table_templates.size > 0) {
    field('"table_templates":');
    mapObject(out, t.table_templates, tablePart);
  }
  out.push(sep === '{' ? '{}' : '}');
}

function dnsRecord(out: Out, r: DNSRecord): void {
  if (r.forward.length > 0) {
    out.push('{"forward":');
    stringArray(out, r.forward);
    if (r.reverse.length > 0) {
      out.push(',"reverse":');
      stringArray(out, r.reverse);
    }
    out.push('}');
  } else if (r.reverse.length > 0) {
    out.push('{"reverse":');
    stringArray(out, r.reverse);
    out.push('}');
  } else {
    out.push('{}');
  }
}

/** A plugin spec the way upstream reflects it: keys alphabetical, empty optionals omitted. */
export function encodeSpec(s: PluginSpec): string {
  let out = '{';
  if (s.api_version) out += '"api_version":' + q(s.api_version) + ',';
  if (s.description) out += '"description":' + q(s.description) + ',';
  out += '"id":' + q(s.id) + ',"interfaces":' + (s.interfaces == null ? 'null' : '[' + s.interfaces.map(q).join(',') + ']');
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
const GO_UNSAFE = /[<>&\u2028\u2029]/g;
const EMPTY_MATCH = /^/;

/** The characters Go's encoder escapes in JSON (`<`, `>`, `&`, U+2028, U+2029), escaped as Go does. */
function goEscaped(json: string): string {
  const escaped = json.replace(GO_UNSAFE, (c) => GO_ESCAPES[c]!);
  // V8 keeps the subject of a thread's last match reachable (`RegExp.input`): a whole report, until
  // that thread matches again, which an idle builder thread never does before its next build.
  EMPTY_MATCH.exec('');
  return escaped;
}

/** The report as HEAD wire JSON; equal reports give byte-identical text. */
export function encodeReport(report: Report): string {
  const out: Out = ['{"TS":"', report.TS, '"'];
  for (const info of TOPOLOGIES) {
    out.push(',"', info.key, '":');
    topology(out, report[info.key]);
  }
  if (report.DNS.size > 0) {
    out.push(',"DNS":');
    mapObject(out, report.DNS, dnsRecord);
  }
  out.push(',"Sampling":{"Count":', goIntText(report.Sampling.Count), ',"Total":', goIntText(report.Sampling.Total), '}');
  out.push(',"Window":', String(report.Window), ',"Shortcut":', report.Shortcut ? 'true' : 'false');
  out.push(',"Plugins":[', canonicalPlugins(report.Plugins).map(encodeSpec).join(','), '],"ID":', q(report.ID), '}');
  return goEscaped(out.join(''));
}
