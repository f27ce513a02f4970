/**
 * Counts the nodes of a report in its raw JSON bytes, without parsing it: keys of every
 * `<Topology>.nodes` object. Used on large bodies before JSON.parse, so a plugin sending a million
 * tiny nodes (20 MB, under the 50 MB cap) costs one pass over its bytes, not the few hundred MB of
 * objects JSON.parse would build for it (measured: +222 MiB RSS).
 *
 * It follows JSON structure only (strings with escapes, objects, arrays); it does not validate.
 * For valid JSON the count is exact: a top-level key that is a topology name, its `nodes` key,
 * and each key directly inside that object (duplicate keys count twice, JSON.parse keeps one: the
 * scan can only over-count, so it never lets too many nodes through). Invalid JSON gets some count
 * and is then refused by JSON.parse anyway.
 */
import { TOPOLOGIES } from './types.js';

const TOPOLOGY_KEYS = new Set<string>(TOPOLOGIES.map((t) => t.key));
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const decoder = new TextDecoder();

/** True when the report in `bytes` has more than `max` nodes. */
export function exceedsNodeCount(bytes: Uint8Array, max: number): boolean {
  // Per open container depth d (1 = the top-level value): is it an object, and which key (of the
  // object at depth d-1) opened it. Only depths 1-3 matter: report → topology → nodes.
  const isObject: boolean[] = [false];
  const openedBy: (string | null)[] = [null];
  let depth = 0;
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
      // Key texts matter only up to depth 2 (topology, "nodes"); node ids are skipped, not decoded.
      lastString = depth <= 2 ? keyText(bytes.subarray(start, i), escaped) : null;
      continue;
    }
    switch (c) {
      case COLON:
        key = lastString;
        if (depth === 3 && isObject[3] && openedBy[3] === 'nodes' && isObject[2] && isObject[1] && TOPOLOGY_KEYS.has(openedBy[2] ?? '')) {
          if (++count > max) return true;
        }
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        depth++;
        if (depth <= 3) {
          isObject[depth] = c === OPEN_OBJECT;
          // A container that is an array element (or the top-level value) has no key.
          openedBy[depth] = depth > 1 && isObject[depth - 1] ? key : null;
        }
        key = null;
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        depth--;
        key = null;
        break;
    }
  }
  return false;
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
