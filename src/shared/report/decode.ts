/**
 * `decodeReport`: a plugin's `/report` body (or any Scope report JSON, HEAD or 2016 form) into a
 * normalised `Report` (docs/spec/report-format.md).
 *
 * The decoder reads only the keys it knows, as upstream does (unknown and wrong-case keys are
 * ignored and never visited, so a deeply nested unknown value costs nothing beyond JSON.parse).
 * It decodes into a fresh `MakeReport()` like upstream, applying the rule of
 * docs/spec/report-format.md#plugin-shapes-and-labels at once: a plugin
 * cannot change a shape, tag or label a topology already has by default, because upstream's
 * accumulators always start from `MakeReport()` and keep their own non-empty values.
 * Anything that cannot be a report throws a `ReportError` with a stable code and the JSON path.
 */
import { exceedsNodeCount, exceedsParsedNodeCount } from './node-count.js';
import { DecodeFailure, ReportError, ReportErrorCode, keySegment } from './report-error.js';
import { MAX_CHILD_DEPTH, decodeNode } from './decode-node.js';
import type { NodeContext } from './decode-legacy.js';
import {
  NO_PLUGINS,
  decodeControl,
  decodeDNS,
  decodeMetadataTemplate,
  decodeMetricTemplate,
  decodePlugins,
  decodeTableTemplate,
  unionDNS,
} from './decode-parts.js';
import { badType, bool, field, int, isObject, objectMap, optObject, reqObject, str, time, type Json } from './decode-values.js';
import { int63Id, singleMember } from './members.js';
import { DEFAULT_TOPOLOGIES, buildReport } from './report.js';
import { ZERO_TIME, nowTimestamp, type Timestamp } from './timestamp.js';
import { TOPOLOGIES, type DNSRecord, type Node, type Report, type Topology, type TopologyInfo, type TopologyKey } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and normalises one report. `input` is the JSON text or its UTF-8 bytes (invalid UTF-8 is
 * rejected, not replaced). Throws only `ReportError`.
 */
export interface DecodeOptions {
  /**
   * Refuse a report with more nodes than this (all topologies together, nested `children`
   * included): counted in the bytes before JSON.parse for bodies over 1 MiB, right after it for
   * smaller ones, and always before any node object is built. Default: no limit.
   */
  readonly maxNodes?: number;
  /**
   * `false`: a report without a wire `ID` gets `''` instead of an ID hashed from its text. For a
   * report that is only checked (a poll: the shard keeps the bytes, the builder decodes them
   * again), where hashing every body is wasted shard CPU
   * (docs/decisions/081-report-codec-costs.md). Such a report must not be merged: its
   * Window/Sampling member would collide with every other unidentified one.
   */
  readonly identify?: boolean;
}

export function decodeReport(input: string | Uint8Array, options: DecodeOptions = {}): Report {
  if (options.maxNodes !== undefined && input instanceof Uint8Array && input.length > SCAN_BEFORE_PARSE_BYTES) {
    // Refuse a huge node count from the bytes, before JSON.parse builds every node object.
    const over = exceedsNodeCount(input, options.maxNodes);
    if (over === 'too-deep') throw new ReportError(ReportErrorCode.TOO_DEEP, '', `children nested deeper than ${MAX_CHILD_DEPTH} levels`);
    if (over !== false) throw tooManyNodes(options.maxNodes, over);
  }
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
  if (options.maxNodes !== undefined) {
    const over = exceedsParsedNodeCount(raw, options.maxNodes);
    if (over !== false) throw tooManyNodes(options.maxNodes, over);
  }
  try {
    return decodeParsed(raw as Json, options.identify === false ? null : input);
  } catch (err) {
    if (err instanceof DecodeFailure) throw err.toError();
    throw err;
  }
}

const TOPOLOGY_BY_KEY: ReadonlyMap<string, TopologyInfo> = new Map(TOPOLOGIES.map((t) => [t.key, t]));
const NO_DNS: ReadonlyMap<string, DNSRecord> = new Map();

/** Above this size a body's nodes are counted in its bytes before it is parsed (node-count.ts). */
const SCAN_BEFORE_PARSE_BYTES = 1 << 20;

function tooManyNodes(max: number, where: 'nodes' | 'children'): ReportError {
  const counted = where === 'children' ? ' counting the nodes nested in children' : '';
  return new ReportError(ReportErrorCode.TOO_MANY_NODES, '', `report has more than ${max} nodes${counted} (maxNodesPerReport)`);
}

/**
 * Walks the keys the document has (usually two or three of the ~30 known ones) rather than probing
 * every known key; unknown keys fall through untouched.
 */
function decodeParsed(raw: Json, input: string | Uint8Array | null): Report {
  if (!isObject(raw)) throw badType('a JSON object', raw);
  let now: Timestamp | undefined;
  const ctx: NodeContext = { now: () => (now ??= nowTimestamp()) };
  let topologies: Record<TopologyKey, Topology> | undefined;
  let ts = ZERO_TIME;
  let dns = NO_DNS;
  let bugDns = NO_DNS;
  let sampling = { count: 0, total: 0 };
  let window = 0n;
  let shortcut = false;
  let plugins = NO_PLUGINS;
  let wireId = '';
  let key = '';
  try {
    for (key in raw) {
      const v = raw[key];
      if (v === null || v === undefined) continue;
      const info = TOPOLOGY_BY_KEY.get(key);
      if (info !== undefined) {
        (topologies ??= { ...DEFAULT_TOPOLOGIES })[info.key] = decodeTopology(v, info, ctx);
        continue;
      }
      switch (key) {
        case 'TS':
          ts = time(v);
          break;
        case 'DNS':
          dns = decodeDNS(v);
          break;
        case 'nodes':
          // release 1.11.6's misnamed DNS (BugDNS); upstream's Upgrade() moves it into DNS
          bugDns = decodeDNS(v);
          break;
        case 'Sampling':
          sampling = decodeSampling(v);
          break;
        case 'Window':
          if (typeof v === 'string') throw badType('integer nanoseconds', v);
          window = BigInt(int(v, 'int64'));
          break;
        case 'Shortcut':
          shortcut = bool(v);
          break;
        case 'Plugins':
          plugins = decodePlugins(v);
          break;
        case 'ID':
          wireId = str(v);
          break;
      }
    }
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(key)) : err;
  }
  const id = wireId !== '' || input === null ? wireId : int63Id(input);
  return buildReport(
    {
      TS: ts,
      DNS: bugDns.size === 0 ? dns : unionDNS(dns, bugDns),
      Sampling: { Count: sampling.count, Total: sampling.total },
      Window: window,
      Shortcut: shortcut,
      Plugins: plugins,
      ID: id,
      members: singleMember(id, window, sampling.count, sampling.total),
    },
    topologies ?? DEFAULT_TOPOLOGIES,
  );
}

function decodeSampling(v: Json | undefined): { count: number; total: number } {
  const o = optObject(v);
  if (o === undefined) return { count: 0, total: 0 };
  return { count: field(o, 'Count', (n) => int(n, 'uint64')), total: field(o, 'Total', (n) => int(n, 'uint64')) };
}

function decodeTopology(raw: Json, info: TopologyInfo, ctx: NodeContext): Topology {
  const o = reqObject(raw);
  let section = 'shape';
  try {
    // A plugin cannot relabel a pre-labelled topology: non-empty defaults always win; the label
    // travels with its plural.
    const shape = info.shape || str(o.shape);
    section = 'tag';
    const tag = info.tag || str(o.tag);
    section = 'label';
    const label = info.label || str(o.label);
    section = 'label_plural';
    const plural = info.label ? info.plural : str(o.label_plural);
    section = 'nodes';
    const nodes = decodeNodes(o.nodes, info.name, ctx);
    section = 'controls';
    const controls = objectMap(o.controls, decodeControl);
    section = 'metadata_templates';
    const metadata = objectMap(o.metadata_templates, decodeMetadataTemplate);
    section = 'metric_templates';
    const metric = objectMap(o.metric_templates, decodeMetricTemplate);
    section = 'table_templates';
    const table = objectMap(o.table_templates, decodeTableTemplate);
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
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(section)) : err;
  }
}

function decodeNodes(raw: Json | undefined, topology: string, ctx: NodeContext): ReadonlyMap<string, Node> {
  const o = optObject(raw);
  if (o === undefined) return NO_NODES;
  const out = new Map<string, Node>();
  let k = '';
  try {
    for (k in o) out.set(k, decodeNode(o[k], k, topology, 0, ctx));
  } catch (err) {
    throw err instanceof DecodeFailure ? err.at(keySegment(k)) : err;
  }
  return out.size === 0 ? NO_NODES : out;
}

const NO_NODES: ReadonlyMap<string, Node> = new Map();
