/**
 * Merging keyed collections: the union of keys, with a join for keys present in several inputs.
 *
 * Every join used with these helpers is a semilattice operation (commutative, associative,
 * idempotent) and returns one of its arguments whenever the result equals it, so unchanged values
 * keep their identity and a merge that changes nothing hands back an input map untouched.
 */
import { EMPTY_MAP } from './decode-values.js';
import { compareStrings } from './strings.js';

/** The larger of two values in the total order of their canonical encodings (ties: `a`, same bytes). */
export function byEncoding<V>(encode: (v: V) => string): (a: V, b: V) => V {
  return (a, b) => (a === b || compareStrings(encode(a), encode(b)) >= 0 ? a : b);
}

function largest<V>(maps: readonly ReadonlyMap<string, V>[]): [ReadonlyMap<string, V> | undefined, number] {
  let base: ReadonlyMap<string, V> | undefined;
  let nonEmpty = 0;
  for (const m of maps) {
    if (m.size === 0) continue;
    nonEmpty++;
    if (base === undefined || m.size > base.size) base = m;
  }
  return [base, nonEmpty];
}

/**
 * Union with a binary join applied eagerly on collisions. The largest input is the base; it is
 * copied on the first key whose value changes, so a merge that changes nothing allocates nothing.
 */
export function mergeMaps<V>(maps: readonly ReadonlyMap<string, V>[], join: (a: V, b: V) => V): ReadonlyMap<string, V> {
  if (maps.length === 2) return mergeTwoMaps(maps[0]!, maps[1]!, join);
  const [base, nonEmpty] = largest(maps);
  if (base === undefined) return EMPTY_MAP;
  if (nonEmpty === 1) return base;
  let out: Map<string, V> | undefined;
  for (const m of maps) {
    if (m === base) continue;
    for (const [k, v] of m) {
      const cur = (out ?? base).get(k);
      if (cur === v) continue;
      const next = cur === undefined ? v : join(cur, v);
      if (next === cur) continue;
      (out ??= new Map(base)).set(k, next);
    }
  }
  return out ?? base;
}

/** `mergeMaps` for two maps, the common case (a node in two reports), without the bookkeeping. */
export function mergeTwoMaps<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, join: (a: V, b: V) => V): ReadonlyMap<string, V> {
  if (a === b || b.size === 0) return a;
  if (a.size === 0) return b;
  const base = a.size >= b.size ? a : b;
  const other = base === a ? b : a;
  let out: Map<string, V> | undefined;
  for (const [k, v] of other) {
    const cur = base.get(k);
    if (cur === v) continue;
    const next = cur === undefined ? v : join(cur, v);
    if (next === cur) continue;
    (out ??= new Map(base)).set(k, next);
  }
  return out ?? base;
}

/**
 * Union that gathers every distinct value of a key first and joins them in one n-ary call. Used
 * for nodes: a node present in 1500 reports must be merged once, not folded 1500 times (each fold
 * would copy its growing `latest` map). A key seen in exactly two maps, the usual collision, goes
 * to `combine2` without an array.
 */
export function mergeMapsGrouped<V>(maps: readonly ReadonlyMap<string, V>[], combine: (values: V[]) => V, combine2: (a: V, b: V) => V): ReadonlyMap<string, V> {
  const [base, nonEmpty] = largest(maps);
  if (base === undefined) return EMPTY_MAP;
  if (nonEmpty === 1) return base;
  // `second`: the one value seen so far besides the base's; `many`: keys seen three times or more.
  let second: Map<string, V> | undefined;
  let many: Map<string, V[]> | undefined;
  for (const m of maps) {
    if (m === base) continue;
    for (const [k, v] of m) {
      const vs = many?.get(k);
      if (vs !== undefined) {
        if (vs[vs.length - 1] !== v) vs.push(v);
        continue;
      }
      const s = second?.get(k);
      if (s !== undefined) {
        if (s !== v) {
          (many ??= new Map()).set(k, [s, v]);
          second!.delete(k);
        }
        continue;
      }
      if (base.get(k) === v) continue;
      (second ??= new Map()).set(k, v);
    }
  }
  if (second === undefined && many === undefined) return base;
  const out = new Map(base);
  if (second !== undefined) {
    for (const [k, v] of second) {
      const b = base.get(k);
      out.set(k, b === undefined ? v : combine2(b, v));
    }
  }
  if (many !== undefined) {
    for (const [k, vs] of many) {
      const b = base.get(k);
      if (b !== undefined) vs.push(b);
      out.set(k, combine(vs));
    }
  }
  return out;
}
