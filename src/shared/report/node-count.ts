/**
 * Counting every node a report carries (docs/spec/report-format.md#node-limits): the values of each
 * `<Topology>.nodes` object and, inside any node, each element of its `children` array. A node
 * nested under another costs the host as much as a top-level one, so both count against
 * `maxNodesPerReport`.
 *
 * `exceedsNodeCount` works on the raw JSON bytes, without parsing them: a plugin sending a million
 * tiny nodes (20 MB, under the 50 MB cap) costs one pass over its bytes, not the few hundred MB of
 * objects JSON.parse would build for it. It follows JSON structure only (strings with escapes,
 * objects, arrays) and does not validate. For valid JSON it never under-counts: each key of a
 * `nodes` object and each object element of a `children` array counts, duplicate keys count twice
 * (JSON.parse keeps one). Children nested deeper than the decoder reads (32 levels) end the scan
 * with `'too-deep'`: the decoder would refuse them too, but only after JSON.parse built them.
 * Invalid JSON gets some count and is then refused by JSON.parse anyway.
 *
 * `exceedsParsedNodeCount` counts the same on JSON.parse output, for bodies small enough to parse
 * first; it follows `children` as deep as the decoder does.
 */
import { MAX_CHILD_DEPTH } from './decode-node.js';
import { TOPOLOGIES } from './types.js';

const TOPOLOGY_KEYS = new Set<string>(TOPOLOGIES.map((t) => t.key));
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const CHILDREN = [...'children'].map((c) => c.charCodeAt(0));
const decoder = new TextDecoder();

/** Which kind of node took a report over the limit (`false`: within it). */
export type NodeOverflow = 'nodes' | 'children' | false;

/** The byte scan's answer: as `NodeOverflow`, or `'too-deep'` for children nested too deep. */
export type NodeScan = NodeOverflow | 'too-deep';

/** What an open container is, for the few kinds that lead to nodes. */
const enum Kind {
  Other,
  Report,
  Topology,
  NodeMap,
  Node,
  Children,
}

/**
 * Where the report in `bytes` went over `max` nodes: `'nodes'` when a topology's own node did,
 * `'children'` when a nested child did; `'too-deep'` when a `children` array sits deeper than the
 * decoder reads (it would refuse the report after JSON.parse built it); `false` otherwise.
 */
export function exceedsNodeCount(bytes: Uint8Array, max: number): NodeScan {
  // kinds[d]: the container open at depth d (1 = the top-level value), kept only along a path of
  // report → topology → nodes → node (→ children → node)*: any other container, and everything
  // inside it, is Other and needs no slot, so `[[[[…` costs no memory however deep it goes.
  let kinds = new Uint8Array(64);
  let depth = 0;
  let otherFrom = 0; // depth of the outermost open Other container, 0 when none is open
  let childLevel = 0; // open `children` arrays on the current path
  let count = 0;
  let key: string | null = null; // the key whose colon came last at the current depth
  let lastString: string | null = null;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const start = ++i;
      let escaped = false;
      while (i < bytes.length && bytes[i] !== QUOTE) {
        if (bytes[i] === BACKSLASH) {
          escaped = true;
          i++;
        }
        i++;
      }
      // Only keys of the report, of a topology and of a node matter; other strings are skipped.
      const kind = otherFrom !== 0 ? Kind.Other : kinds[depth];
      if (kind === Kind.Report || kind === Kind.Topology) lastString = keyText(bytes.subarray(start, i), escaped);
      else if (kind === Kind.Node) lastString = isChildren(bytes, start, i, escaped) ? 'children' : null;
      else lastString = null;
      continue;
    }
    switch (c) {
      case COLON:
        key = lastString;
        if (otherFrom === 0 && kinds[depth] === Kind.NodeMap && ++count > max) return 'nodes';
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY: {
        depth++;
        if (otherFrom !== 0) break;
        const parent = depth === 1 ? Kind.Other : kinds[depth - 1]!;
        const object = c === OPEN_OBJECT;
        let kind = Kind.Other;
        if (depth === 1) kind = object ? Kind.Report : Kind.Other;
        else if (parent === Kind.Report && object && TOPOLOGY_KEYS.has(key ?? '')) kind = Kind.Topology;
        else if (parent === Kind.Topology && object && key === 'nodes') kind = Kind.NodeMap;
        else if (parent === Kind.NodeMap && object) kind = Kind.Node;
        else if (parent === Kind.Node && !object && key === 'children') {
          if (++childLevel > MAX_CHILD_DEPTH) return 'too-deep';
          kind = Kind.Children;
        } else if (parent === Kind.Children && object) {
          kind = Kind.Node;
          if (++count > max) return 'children';
        }
        key = null;
        if (kind === Kind.Other) {
          otherFrom = depth;
          break;
        }
        if (depth >= kinds.length) {
          const grown = new Uint8Array(kinds.length * 2);
          grown.set(kinds);
          kinds = grown;
        }
        kinds[depth] = kind;
        break;
      }
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth === otherFrom) otherFrom = 0;
        else if (otherFrom === 0 && kinds[depth] === Kind.Children) childLevel--;
        depth--;
        key = null;
        break;
    }
  }
  return false;
}

/** The raw string `bytes[start..end)` reads as `children`. */
function isChildren(bytes: Uint8Array, start: number, end: number, escaped: boolean): boolean {
  if (escaped) return keyText(bytes.subarray(start, end), true) === 'children';
  if (end - start !== CHILDREN.length) return false;
  for (let j = 0; j < CHILDREN.length; j++) if (bytes[start + j] !== CHILDREN[j]) return false;
  return true;
}

function keyText(raw: Uint8Array, escaped: boolean): string | null {
  const text = decoder.decode(raw);
  if (!escaped) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return null;
  }
}

/**
 * The same count on the output of JSON.parse, before the decoder builds node objects from it.
 * Allocates nothing; stops at the first node over `max`.
 */
export function exceedsParsedNodeCount(raw: unknown, max: number): NodeOverflow {
  if (!isPlainObject(raw)) return false; // the decoder explains
  let count = 0;
  const children = (node: unknown, level: number): boolean => {
    if (level > MAX_CHILD_DEPTH || !isPlainObject(node)) return false;
    const list = node['children'];
    if (!Array.isArray(list)) return false;
    for (const child of list) {
      if (!isPlainObject(child)) continue;
      if (++count > max || children(child, level + 1)) return true;
    }
    return false;
  };
  for (const key in raw) {
    if (!TOPOLOGY_KEYS.has(key)) continue;
    const topology = raw[key];
    if (!isPlainObject(topology)) continue;
    const nodes = topology['nodes'];
    if (!isPlainObject(nodes)) continue;
    for (const id in nodes) {
      if (++count > max) return 'nodes';
      if (children(nodes[id], 1)) return 'children';
    }
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
