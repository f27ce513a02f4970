/**
 * String order and sorted string sets (upstream `StringSet`, `IDList`; docs/spec/report-format.md#nodes).
 *
 * Go compares strings byte-wise on their UTF-8 form; JS `<` compares UTF-16 code units. The two
 * disagree only when one side has a surrogate (U+D800–DFFF, i.e. a character above U+FFFF) and the
 * other a code unit in U+E000–FFFF. Sets we publish must be in Go's order, because upstream merges
 * sets with a sorted-merge that produces garbage on misordered input.
 */
import { mergeSortedRuns } from './sorted-runs.js';
import type { StringSet } from './types.js';

/** Go's string order (UTF-8 bytes = code points): negative, 0 or positive. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates above U+E000–FFFF so code units order like code points.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** True when `xs` is strictly ascending (sorted and duplicate-free). */
export function isStrictlySorted(xs: readonly string[]): boolean {
  for (let i = 1; i < xs.length; i++) if (compareStrings(xs[i - 1]!, xs[i]!) >= 0) return false;
  return true;
}

/** A sorted, duplicate-free copy of `xs` (or `xs` itself when it already is one). */
export function toSet(xs: readonly string[]): StringSet {
  if (isStrictlySorted(xs)) return xs;
  const sorted = [...xs].sort(compareStrings);
  let w = 1;
  for (let r = 1; r < sorted.length; r++) if (sorted[r] !== sorted[w - 1]) sorted[w++] = sorted[r]!;
  sorted.length = Math.min(w, sorted.length);
  return sorted;
}

export const EMPTY_SET: StringSet = Object.freeze([]) as StringSet;

/** Union of two sets; returns an input unchanged when it already contains the other. */
export function unionSets(a: StringSet, b: StringSet): StringSet {
  return mergeSortedRuns(a, b, compareStrings);
}

/** Union of any number of sets, linear for two and `n log n` beyond. */
export function unionAll(sets: readonly StringSet[]): StringSet {
  if (sets.length === 0) return EMPTY_SET;
  if (sets.length === 1) return sets[0]!;
  if (sets.length === 2) return unionSets(sets[0]!, sets[1]!);
  const first = sets[0]!;
  let same = true;
  for (let k = 1; k < sets.length; k++) if (sets[k] !== first) same = false;
  if (same) return first;
  const all: string[] = [];
  for (const s of sets) for (const x of s) all.push(x);
  const merged = toSet(all);
  // Hand back an input when it is the whole union, so unchanged data keeps its identity.
  for (const s of sets) if (s.length === merged.length) return s;
  return merged;
}

/** Splits a `;`-joined control list into a set (empty members dropped). */
export function splitControls(value: string): StringSet {
  if (value === '') return EMPTY_SET;
  return toSet(value.split(';').filter((x) => x !== ''));
}
