/**
 * Decoding the small parts of a report around its nodes: topology controls and templates
 * (docs/spec/report-format.md#topologies), `DNS` (#report-object) and `Plugins` (#plugin-specs).
 */
import { DecodeFailure } from './report-error.js';
import { badType, field, float, int, objectMap, optArray, reqObject, stringSet, str, type Json } from './decode-values.js';
import { compareStrings, unionSets } from './strings.js';
import type { Column, Control, DNSRecord, MetadataTemplate, MetricTemplate, PluginSpec, TableTemplate } from './types.js';

export function decodeControl(raw: Json | undefined): Control {
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

export function decodeMetadataTemplate(raw: Json | undefined): MetadataTemplate {
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

export function decodeMetricTemplate(raw: Json | undefined): MetricTemplate {
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

export function decodeTableTemplate(raw: Json | undefined): TableTemplate {
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

export function decodeDNS(raw: Json | undefined): ReadonlyMap<string, DNSRecord> {
  return objectMap(raw, (v) => {
    const o = reqObject(v);
    return { forward: field(o, 'forward', stringSet), reverse: field(o, 'reverse', stringSet) };
  });
}

export function unionDNS(a: ReadonlyMap<string, DNSRecord>, b: ReadonlyMap<string, DNSRecord>): ReadonlyMap<string, DNSRecord> {
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [addr, rec] of b) {
    const cur = out.get(addr);
    out.set(addr, cur === undefined ? rec : { forward: unionSets(cur.forward, rec.forward), reverse: unionSets(cur.reverse, rec.reverse) });
  }
  return out;
}

export const NO_PLUGINS: readonly PluginSpec[] = Object.freeze([]) as readonly PluginSpec[];

/** `Plugins`: an array of specs; a later spec with the same id replaces an earlier one. */
export function decodePlugins(raw: Json | undefined): readonly PluginSpec[] {
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
