/**
 * `decodeReport`: a plugin's `/report` body (or any Scope report JSON, HEAD or 2016 form) into a
 * normalised `Report` (report-model §1–3, §5, §7).
 *
 * The decoder reads only the keys it knows, as upstream does (unknown and wrong-case keys are
 * ignored and never visited, so a deeply nested unknown value costs nothing beyond JSON.parse).
 * It decodes into a fresh `MakeReport()` like upstream, applying gotcha G2 at once: a plugin
 * cannot change a shape, tag or label a topology already has by default, because upstream's
 * accumulators always start from `MakeReport()` and keep their own non-empty values.
 * Anything that cannot be a report throws a `ReportError` with a stable code and the JSON path.
 */
import { DecodeFailure, ReportError, ReportErrorCode } from './report-error.js';
import { decodeNode, type NodeContext } from './decode-node.js';
import {
  badType,
  bool,
  field,
  float,
  int,
  isObject,
  objectMap,
  optArray,
  optObject,
  reqObject,
  stringSet,
  str,
  time,
  type Json,
} from './decode-values.js';
import { int63Id, singleMember } from './members.js';
import { DEFAULT_TOPOLOGIES } from './report.js';
import { compareStrings, unionSets } from './strings.js';
import { nowTimestamp, type Timestamp } from './timestamp.js';
import {
  MEMBERS,
  TOPOLOGIES,
  type Column,
  type Control,
  type DNSRecord,
  type MetadataTemplate,
  type MetricTemplate,
  type PluginSpec,
  type Report,
  type TableTemplate,
  type Topology,
  type TopologyInfo,
  type TopologyKey,
} from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and normalises one report. `input` is the JSON text or its UTF-8 bytes (invalid UTF-8 is
 * rejected, not replaced). Throws only `ReportError`.
 */
export function decodeReport(input: string | Uint8Array): Report {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    try {
      text = utf8.decode(input);
    } catch {
      throw new ReportError(ReportErrorCode.BAD_UTF8, '', 'not valid UTF-8');
    }
  } else {
    throw new ReportError(ReportErrorCode.BAD_TYPE, '', `expected JSON text or bytes, got ${typeof input}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReportError(ReportErrorCode.NOT_JSON, '', `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return decodeParsed(raw as Json, input);
  } catch (err) {
    if (err instanceof DecodeFailure) throw err.toError();
    throw err;
  }
}

function decodeParsed(raw: Json, input: string | Uint8Array): Report {
  if (!isObject(raw)) throw badType('a JSON object', raw);
  let now: Timestamp | undefined;
  const ctx: NodeContext = { now: () => (now ??= nowTimestamp()) };
  const topologies = {} as Record<TopologyKey, Topology>;
  for (const info of TOPOLOGIES) {
    const v = raw[info.key];
    topologies[info.key] = v === undefined || v === null ? DEFAULT_TOPOLOGIES[info.key] : field(raw, info.key, (t) => decodeTopology(t, info, ctx));
  }
  let dns = field(raw, 'DNS', decodeDNS);
  // `nodes` at the top level is release 1.11.6's misnamed DNS (BugDNS); Upgrade() moves it over.
  if (raw.nodes !== undefined && raw.nodes !== null) dns = unionDNS(dns, field(raw, 'nodes', decodeDNS));
  const { count, total } = field(raw, 'Sampling', (v) => {
    const o = optObject(v);
    if (o === undefined) return { count: 0, total: 0 };
    return { count: field(o, 'Count', (n) => int(n, true)), total: field(o, 'Total', (n) => int(n, true)) };
  });
  const window = field(raw, 'Window', (v) => {
    if (typeof v === 'string') throw badType('integer nanoseconds', v);
    return BigInt(int(v));
  });
  const wireId = field(raw, 'ID', str);
  const id = wireId !== '' ? wireId : int63Id(input);
  return {
    TS: field(raw, 'TS', time),
    ...topologies,
    DNS: dns,
    Sampling: { Count: count, Total: total },
    Window: window,
    Shortcut: field(raw, 'Shortcut', bool),
    Plugins: field(raw, 'Plugins', decodePlugins),
    ID: id,
    [MEMBERS]: singleMember(id, window, count, total),
  };
}

function decodeTopology(raw: Json | undefined, info: TopologyInfo, ctx: NodeContext): Topology {
  const o = reqObject(raw);
  // Gotcha G2: non-empty defaults always win; the label travels with its plural.
  const shape = info.shape || field(o, 'shape', str);
  const tag = info.tag || field(o, 'tag', str);
  const label = info.label || field(o, 'label', str);
  const plural = info.label ? info.plural : field(o, 'label_plural', str);
  const nodes = field(o, 'nodes', (v) => objectMap(v, (n, key) => decodeNode(n, key, info.name, 0, ctx)));
  const controls = field(o, 'controls', (v) => objectMap(v, decodeControl));
  const metadata = field(o, 'metadata_templates', (v) => objectMap(v, decodeMetadataTemplate));
  const metric = field(o, 'metric_templates', (v) => objectMap(v, decodeMetricTemplate));
  const table = field(o, 'table_templates', (v) => objectMap(v, decodeTableTemplate));
  const def = DEFAULT_TOPOLOGIES[info.key];
  if (
    nodes.size + controls.size + metadata.size + metric.size + table.size === 0 &&
    shape === def.shape &&
    tag === def.tag &&
    label === def.label &&
    plural === def.label_plural
  ) {
    return def;
  }
  return {
    shape,
    tag,
    label,
    label_plural: plural,
    nodes,
    controls,
    metadata_templates: metadata,
    metric_templates: metric,
    table_templates: table,
  };
}

function decodeControl(raw: Json | undefined): Control {
  const o = reqObject(raw);
  return {
    id: field(o, 'id', str),
    human: field(o, 'human', str),
    icon: field(o, 'icon', str),
    confirmation: field(o, 'confirmation', str),
    rank: field(o, 'rank', (v) => int(v)),
    probeId: field(o, 'probeId', str),
  };
}

function decodeMetadataTemplate(raw: Json | undefined): MetadataTemplate {
  const o = reqObject(raw);
  return {
    id: field(o, 'id', str),
    label: field(o, 'label', str),
    truncate: field(o, 'truncate', (v) => int(v)),
    dataType: field(o, 'dataType', str),
    priority: field(o, 'priority', float),
    from: field(o, 'from', str),
  };
}

function decodeMetricTemplate(raw: Json | undefined): MetricTemplate {
  const o = reqObject(raw);
  return {
    id: field(o, 'id', str),
    label: field(o, 'label', str),
    format: field(o, 'format', str),
    group: field(o, 'group', str),
    priority: field(o, 'priority', float),
  };
}

function decodeColumn(raw: Json | undefined): Column {
  const o = reqObject(raw);
  return { id: field(o, 'id', str), label: field(o, 'label', str), dataType: field(o, 'dataType', str) };
}

function decodeTableTemplate(raw: Json | undefined): TableTemplate {
  const o = reqObject(raw);
  const columns = field(o, 'columns', (v) => {
    const a = optArray(v);
    if (a === undefined || a.length === 0) return null;
    return a.map((c, i) => {
      try {
        return decodeColumn(c);
      } catch (err) {
        throw err instanceof DecodeFailure ? err.at(`[${i}]`) : err;
      }
    });
  });
  const fixedRows = field(o, 'fixedRows', (v) => {
    const m = objectMap(v, str);
    return m.size === 0 ? null : m;
  });
  return {
    id: field(o, 'id', str),
    label: field(o, 'label', str),
    prefix: field(o, 'prefix', str),
    type: field(o, 'type', str),
    columns,
    fixedRows,
  };
}

function decodeDNS(raw: Json | undefined): ReadonlyMap<string, DNSRecord> {
  return objectMap(raw, (v) => {
    const o = reqObject(v);
    return { forward: field(o, 'forward', stringSet), reverse: field(o, 'reverse', stringSet) };
  });
}

function unionDNS(a: ReadonlyMap<string, DNSRecord>, b: ReadonlyMap<string, DNSRecord>): ReadonlyMap<string, DNSRecord> {
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [addr, rec] of b) {
    const cur = out.get(addr);
    out.set(addr, cur === undefined ? rec : { forward: unionSets(cur.forward, rec.forward), reverse: unionSets(cur.reverse, rec.reverse) });
  }
  return out;
}

const NO_PLUGINS: readonly PluginSpec[] = Object.freeze([]) as readonly PluginSpec[];

/** `Plugins`: an array of specs; a later spec with the same id replaces an earlier one. */
function decodePlugins(raw: Json | undefined): readonly PluginSpec[] {
  const a = optArray(raw);
  if (a === undefined || a.length === 0) return NO_PLUGINS;
  const byId = new Map<string, PluginSpec>();
  for (let i = 0; i < a.length; i++) {
    try {
      const spec = decodeSpec(a[i]);
      byId.set(spec.id, spec);
    } catch (err) {
      throw err instanceof DecodeFailure ? err.at(`[${i}]`) : err;
    }
  }
  return [...byId.values()].sort((x, y) => compareStrings(x.id, y.id));
}

function decodeSpec(raw: Json | undefined): PluginSpec {
  const o = reqObject(raw);
  const spec: PluginSpec = {
    id: field(o, 'id', str),
    label: field(o, 'label', str),
    interfaces: field(o, 'interfaces', stringList),
  };
  const description = field(o, 'description', str);
  const apiVersion = field(o, 'api_version', str);
  const status = field(o, 'status', str);
  if (description !== '') spec.description = description;
  if (apiVersion !== '') spec.api_version = apiVersion;
  if (status !== '') spec.status = status;
  return spec;
}

/** An ordered list of strings (not a set): `interfaces`. `null`/missing stays `null`. */
function stringList(v: Json | undefined): string[] | null {
  const a = optArray(v);
  if (a === undefined) return null;
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') throw badType('a string', a[i]).at(`[${i}]`);
  return a as string[];
}

